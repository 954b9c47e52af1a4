"""`ehrenamt run` killed with SIGKILL again and again under load, on PostgreSQL: no update is
lost, no reply is lost, and a reply is doubled at most once per kill (the one in flight).

A load of users writes to the bot through the Bot API stand-in while the process is killed ten
times at random moments and started again at once. In the end every update must be in the
inbox and handled, every queued reply sent, and what the users received must be what the
outbox holds — missing replies are losses, surplus ones duplicates."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.channels.service import postgres_database, shipped_config, start_run
from tests.channels.telegram.support import TOKEN
from tools.telegram_standin import TelegramStandin

USERS = 45
MESSAGES_PER_USER = 10
KILLS = 10
FIRST_USER = 810_000
BOT_ID = TOKEN.split(":", 1)[0]


def _started(api: TelegramStandin) -> int:
    """Starts so far: each start clears the webhook before it polls."""
    return len(api.calls("deleteWebhook"))


def _wait(condition: Any, deadline: float, what: str, process: subprocess.Popen[str]) -> None:
    while not condition():
        assert process.poll() is None, f"the bot exited ({process.returncode}) while {what}"
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.05)


def _push_load(api: TelegramStandin, pushed: list[int], done: threading.Event) -> None:
    """Users write /hilfe, a few a second each, interleaved as real people would."""
    rng = random.Random(7)
    order = [FIRST_USER + n for n in range(USERS) for _ in range(MESSAGES_PER_USER)]
    rng.shuffle(order)
    for user in order:
        update = api.push_text(user, "/hilfe", user_id=user, first_name="Last")
        pushed.append(int(update["update_id"]))
        time.sleep(rng.uniform(0.0, 0.06))
    done.set()


def _settled(api: TelegramStandin, url: str) -> bool:
    if api.pending_updates:
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            unhandled = connection.scalar(
                text("SELECT count(*) FROM inbox WHERE handled_at IS NULL")
            )
            busy = connection.scalar(
                text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
            )
    finally:
        engine.dispose()
    return unhandled == 0 and busy == 0


def test_ten_kills_under_load_lose_nothing(tmp_path: Path) -> None:
    with postgres_database() as url, TelegramStandin(TOKEN) as api:
        config = shipped_config(tmp_path)
        config["database"]["url"] = "${KILL_TEST_DATABASE_URL}"
        config["channels"]["telegram"].update(enabled=True, api_url=api.root)
        secrets = {"TELEGRAM_BOT_TOKEN": TOKEN, "KILL_TEST_DATABASE_URL": url}
        log = tmp_path / "run.log"
        rng = random.Random(2026)
        deadline = time.monotonic() + 400

        process = start_run(config, tmp_path, secrets, log=log)
        _wait(lambda: _started(api) >= 1, deadline, "starting", process)
        pushed: list[int] = []
        load_done = threading.Event()
        load = threading.Thread(target=_push_load, args=(api, pushed, load_done), daemon=True)
        load.start()
        try:
            for kill in range(KILLS):
                time.sleep(rng.uniform(0.3, 1.5))  # mid-batch, mid-handling, mid-send
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                starts = _started(api)
                process = start_run(config, tmp_path, secrets, log=log)
                _wait(lambda s=starts: _started(api) > s, deadline, f"restart {kill + 1}", process)
            load.join(timeout=120)
            assert load_done.is_set()
            _wait(lambda: _settled(api, url), deadline, "settling", process)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        assert process.returncode == 0, log.read_text()[-3000:]

        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                recorded = set(connection.scalars(text("SELECT update_id FROM inbox")))
                rows = connection.execute(text("SELECT chat_id, status, payload FROM outbox"))
                outbox = [(chat, status, payload) for chat, status, payload in rows]
        finally:
            engine.dispose()

    lost_updates = {f"{BOT_ID}:{u}" for u in pushed} - recorded
    assert len(pushed) == USERS * MESSAGES_PER_USER
    assert lost_updates == set()
    assert {status for _, status, _ in outbox} == {"sent"}, Counter(s for _, s, _ in outbox)
    expected = Counter((str(chat), payload["text"]) for chat, _, payload in outbox)
    received = Counter(
        (str(user), message["text"])
        for user in range(FIRST_USER, FIRST_USER + USERS)
        for message in api.messages(user)
        if message.get("from", {}).get("is_bot") and "text" in message
    )
    lost_replies = expected - received
    duplicates = received - expected
    assert sum(lost_replies.values()) == 0, lost_replies
    assert sum(duplicates.values()) <= KILLS, duplicates
    print(
        f"{len(pushed)} updates, {sum(expected.values())} replies, {KILLS} kills: "
        f"0 lost, {sum(duplicates.values())} duplicates"
    )
    if os.environ.get("KILL_TEST_LOG"):
        print(log.read_text())
