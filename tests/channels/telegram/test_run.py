"""`ehrenamt run` as a real process serving Telegram (the stand-in as its API server), stopped
by SIGTERM like a service manager does."""

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
