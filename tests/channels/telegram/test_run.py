"""`ehrenamt run` as a real process serving Telegram (the stand-in as its API server), stopped
by SIGTERM like a service manager does; it polls before its NLU is loaded."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.channels.service import shipped_config, start_run, wait_while_running
from tests.channels.telegram.support import TOKEN
from tools.telegram_standin import TelegramStandin


def test_run_serves_telegram_until_sigterm(tmp_path: Path) -> None:
    config = shipped_config(tmp_path)
    telegram = config["channels"]["telegram"]
    with TelegramStandin(TOKEN) as api:
        telegram.update(enabled=True, api_url=api.root)
        process = start_run(config, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})
        try:
            deadline = time.monotonic() + 90
            wait_while_running(
                process,
                lambda: bool(api.calls("getUpdates") or api.calls("deleteWebhook")),
                deadline,
                "the bot did not start polling",
            )
            api.push_text(7001, "/start", user_id=7001, first_name="Ida")
            wait_while_running(
                process,
                lambda: any("Willkommen" in m.get("text", "") for m in api.messages(7001)),
                deadline,
                "no answer to /start",
            )
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "telegram: serving as @standin_bot" in err
    assert TOKEN not in out + err
    assert api.pending_updates == 0  # confirmed before stopping


def test_run_takes_messages_before_the_nlu_is_loaded(tmp_path: Path) -> None:
    """No model is cached in tmp_path, so the NLU trains after the bot is ready: a message
    pushed at the first getUpdates waits for the model and gets its usual answer."""
    config = shipped_config(tmp_path)
    telegram = config["channels"]["telegram"]
    with TelegramStandin(TOKEN) as api:
        telegram.update(enabled=True, api_url=api.root)
        process = start_run(config, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})
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
