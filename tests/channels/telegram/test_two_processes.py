"""Two `ehrenamt run` processes on one PostgreSQL and one bot token: one serves, the other stands
by; together they never break Telegram's limits, and when the one serving is killed the other
takes over and answers everyone."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

from tests.channels.service import postgres_database, shipped_config, start_run
from tests.channels.telegram.support import TOKEN
from tools.telegram_standin import TELEGRAM_LIMITS, TelegramStandin

USERS = 30
FIRST_USER = 920_000


def _burst(api: TelegramStandin, first: int, count: int) -> list[int]:
    """Each user writes three messages at once; /start alone answers with two."""
    users = [first + n for n in range(count)]
    for user in users:
        for text in ("/start", "/hilfe", "/hilfe"):
            api.push_text(user, text, user_id=user, first_name="Zwei")
    return users


def _answered(api: TelegramStandin, users: list[int], replies: int) -> bool:
    return all(len(api.calls("sendMessage", chat_id=user)) >= replies for user in users)


def _wait(condition: object, deadline: float, what: str) -> None:
    assert callable(condition)
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.1)


def test_two_processes_share_the_limits_and_fail_over(tmp_path: Path) -> None:
    with postgres_database() as url, TelegramStandin(TOKEN, limits=TELEGRAM_LIMITS) as api:
        config = shipped_config(tmp_path)
        config["database"]["url"] = "${TWO_DATABASE_URL}"
        config["channels"]["telegram"].update(enabled=True, api_url=api.root)
        secrets = {"TELEGRAM_BOT_TOKEN": TOKEN, "TWO_DATABASE_URL": url}
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        deadline = time.monotonic() + 300
        processes: list[subprocess.Popen[str]] = []
        try:
            processes.append(start_run(config, tmp_path, secrets, log=logs[0], name="a.yml"))
            _wait(lambda: "serving as" in logs[0].read_text(), deadline, "the first to serve")
            processes.append(start_run(config, tmp_path, secrets, log=logs[1], name="b.yml"))
            _wait(lambda: "standing by" in logs[1].read_text(), deadline, "the second to wait")

            users = _burst(api, FIRST_USER, USERS)
            _wait(lambda: _answered(api, users, 4), deadline, "answers from the leader")
            assert "serving as" not in logs[1].read_text()

            # the leader dies in the middle of the next burst
            later = _burst(api, FIRST_USER + USERS, USERS)
            killer = threading.Timer(0.5, processes[0].send_signal, args=(signal.SIGKILL,))
            killer.start()
            _wait(lambda: "taking over" in logs[1].read_text(), deadline, "the take-over")
            _wait(lambda: _answered(api, later, 4), deadline, "answers after the take-over")
            killer.join()
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
        assert api.violations == [], api.violations[:5]
        assert processes[1].returncode == 0, logs[1].read_text()[-3000:]
