"""`ehrenamt run` as a real process serving Telegram (the stand-in as its API server), stopped
by SIGTERM like a service manager does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bot.channels.telegram.standin import TelegramStandin
from tests.channels.telegram.support import TOKEN

ROOT = Path(__file__).resolve().parents[3]


def test_run_serves_telegram_until_sigterm(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["database"]["url"] = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    config["channels"]["console"]["enabled"] = False
    telegram = config["channels"]["telegram"]
    with TelegramStandin(TOKEN) as api:
        telegram.update(enabled=True, api_url=api.root)
        path = tmp_path / "config.yml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "INFO"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(path), "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 90
            while not api.calls("getUpdates") and not api.calls("deleteWebhook"):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the bot did not start polling"
                time.sleep(0.2)
            api.push_text(7001, "/start", user_id=7001, first_name="Ida")
            while not any("Willkommen" in m.get("text", "") for m in api.messages(7001)):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "no answer to /start"
                time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "telegram: serving as @standin_bot" in err
    assert TOKEN not in out + err
    assert api.pending_updates == 0  # confirmed before stopping
