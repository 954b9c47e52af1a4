"""`ehrenamt run` as a real process serving Telegram (the stand-in as its API server), stopped
by SIGTERM like a service manager does: quiet at its default level but for saying that it
serves, at DEBUG free of secrets and of everything people wrote, and polling before its NLU is
loaded."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.channels.service import shipped_config, start_run, wait_while_running
from tests.channels.telegram.support import TOKEN
from tools.telegram_standin import TelegramStandin

WEBHOOK_SECRET = "Webhook-Secret_7f3a9c1e"
# what a person sends: none of it may reach a log line
NAME = "Quirinella"
TEXT = "Zitronenfalterwiese hinter dem Bahnhof"
PHONE = "+4915799912345"
LATITUDE, LONGITUDE = 50.7791, 6.0712  # not the centre of Aachen in config.yml
PERSONAL = (NAME, "Zitronenfalter", PHONE, PHONE[1:], "50.7791", "6.0712")
CHAT = 7301


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=30)


def test_run_serves_telegram_until_sigterm_and_says_so_once(tmp_path: Path) -> None:
    config = shipped_config(tmp_path)
    telegram = config["channels"]["telegram"]
    with TelegramStandin(TOKEN) as api:
        telegram.update(enabled=True, api_url=api.root)
        process = start_run(config, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN}, log_level=None)
        try:
            deadline = time.monotonic() + 90
            wait_while_running(
                process,
                lambda: bool(api.calls("getUpdates") or api.calls("deleteWebhook")),
                deadline,
                "the bot did not start polling",
            )
            for chat in (7001, 7002, 7003):
                api.push_text(chat, "/start", user_id=chat, first_name="Ida")
            wait_while_running(
                process,
                lambda: all(
                    any("Willkommen" in m.get("text", "") for m in api.messages(chat))
                    for chat in (7001, 7002, 7003)
                ),
                deadline,
                "no answer to /start",
            )
        finally:
            out, err = _stop(process)
    assert process.returncode == 0, err
    assert err.count("telegram: serving as @standin_bot") == 1
    assert TOKEN not in out + err
    assert api.pending_updates == 0  # confirmed before stopping
    # the default level says what the process does, not what each message did
    expected = ("NLU model trained", "telegram: serving as", "serving 1 channel(s)", "stopping")
    assert [line for line in err.splitlines() if not any(e in line for e in expected)] == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _calls_to(api: TelegramStandin) -> int:
    return len(api.calls(chat_id=CHAT))


def _converse(api: TelegramStandin, process: subprocess.Popen[str]) -> None:
    """A person starts, taps a button, writes, shares a contact and a location; each answered."""
    deadline = time.monotonic() + 90

    def answered(before: int, what: str) -> None:
        wait_while_running(process, lambda: _calls_to(api) > before, deadline, what)

    before = _calls_to(api)
    api.push_text(CHAT, "/start", user_id=CHAT, first_name=NAME)
    answered(before, "no answer to /start")
    message_id, data = next(
        (message["message_id"], row[0]["callback_data"])
        for message in reversed(api.messages(CHAT))
        for row in message.get("reply_markup", {}).get("inline_keyboard", [])[:1]
    )
    before = _calls_to(api)
    api.push_callback(CHAT, message_id, data, user_id=CHAT, first_name=NAME)
    answered(before, "no answer to the button")
    before = _calls_to(api)
    api.push_text(CHAT, TEXT, user_id=CHAT, first_name=NAME)
    answered(before, "no answer to the text")
    before = _calls_to(api)
    contact: dict[str, Any] = {
        "message_id": 900,
        "date": int(time.time()),
        "chat": {"id": CHAT, "type": "private", "first_name": NAME},
        "from": {"id": CHAT, "is_bot": False, "first_name": NAME, "language_code": "de"},
        "contact": {"phone_number": PHONE, "first_name": NAME, "user_id": CHAT},
    }
    api.push_update({"message": contact})
    answered(before, "no answer to the contact")
    before = _calls_to(api)
    api.push_location(CHAT, LATITUDE, LONGITUDE, user_id=CHAT, first_name=NAME)
    answered(before, "no answer to the location")


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_run_at_debug_logs_no_secret_and_nothing_people_wrote(tmp_path: Path, mode: str) -> None:
    config = shipped_config(tmp_path)
    telegram = config["channels"]["telegram"]
    secrets = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}
    with TelegramStandin(TOKEN) as api:
        telegram.update(enabled=True, api_url=api.root, mode=mode)
        if mode == "webhook":  # setWebhook sends the secret; the stand-in then POSTs updates
            port = _free_port()
            telegram["webhook"] = {
                "public_url": f"http://127.0.0.1:{port}/telegram",
                "listen": "127.0.0.1",
                "port": port,
                "secret_token": "${TELEGRAM_WEBHOOK_SECRET}",
            }
        process = start_run(config, tmp_path, secrets, log_level="DEBUG")
        try:
            wait_while_running(
                process,
                lambda: bool(api.calls("setWebhook" if mode == "webhook" else "deleteWebhook")),
                time.monotonic() + 90,
                "the bot did not start",
            )
            _converse(api, process)
        finally:
            out, err = _stop(process)
    assert process.returncode == 0, err
    assert "telegram: serving as @standin_bot" in err
    logged = out + err
    assert TOKEN not in logged
    assert WEBHOOK_SECRET not in logged
    assert [word for word in PERSONAL if word in logged] == []
    assert "HTTP Request" not in logged  # httpx's line per request: libraries stay at WARNING


def test_run_waits_for_a_bot_api_that_fails_at_first(tmp_path: Path) -> None:
    config = shipped_config(tmp_path)
    config["startup"] = {"attempts": 3, "first_delay_seconds": 0.1}
    with TelegramStandin(TOKEN) as api:
        api.fail_next("getMe", 502, description="Bad Gateway")  # a proxy before a restarting API
        root = api.root
        config["channels"]["telegram"].update(enabled=True, api_url=root)
        process = start_run(config, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})
        try:
            wait_while_running(
                process,
                lambda: bool(api.calls("deleteWebhook")),
                time.monotonic() + 90,
                "the bot did not start after the API came back",
            )
        finally:
            out, err = _stop(process)
    assert process.returncode == 0, err
    (retry,) = [line for line in err.splitlines() if "trying again" in line]
    assert f"cannot reach the Telegram Bot API at {root}: Bad Gateway" in retry
    assert "(attempt 2 of 3)" in retry
    assert "telegram: serving as @standin_bot" in err
    assert TOKEN not in out + err


def test_run_takes_messages_before_the_nlu_is_loaded(tmp_path: Path) -> None:
    """No model is cached in tmp_path, so the NLU trains after the bot is ready: a message
    pushed at the first getUpdates waits for the model and gets its usual answer."""
    config = shipped_config(tmp_path)
    telegram = config["channels"]["telegram"]
    with TelegramStandin(TOKEN) as api:
        telegram.update(enabled=True, api_url=api.root)
        # at DEBUG, the start-up phases are logged
        process = start_run(config, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN}, log_level="DEBUG")
        try:
            deadline = time.monotonic() + 90
            wait_while_running(process, lambda: bool(api.polls), deadline, "no getUpdates")
            api.push_text(7002, "hallo", user_id=7002, first_name="Ole")
            wait_while_running(
                process,
                lambda: bool(api.messages(7002)),
                deadline,
                "no answer to the first message",
            )
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    replies = [m["text"] for m in api.messages(7002)]
    assert len(replies) == 1
    assert replies[0].startswith("Hallo! 👋 Schön, dass du da bist.")
    serving = err.index("serving 1 channel(s)")
    assert serving < err.index("NLU model trained") < err.index("start-up: interpreter loaded")
