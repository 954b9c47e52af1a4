"""`ehrenamt run` as a real process serving Matrix (the test Synapse) next to Telegram (the
stand-in) in one process, stopped by SIGTERM like a service manager does."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nio
import yaml

from bot.channels.telegram.standin import TelegramStandin
from tests.channels.matrix.live import register
from tests.channels.matrix.synapse import Homeserver
from tests.channels.telegram.support import TOKEN

ROOT = Path(__file__).resolve().parents[3]


async def _greeting(homeserver: Homeserver, user_id: str, password: str, bot_id: str) -> str:
    """Open a direct chat with the bot and wait (bounded) for its first words."""
    client = nio.AsyncClient(homeserver.base_url, user_id)
    try:
        assert isinstance(await client.login(password), nio.LoginResponse)
        created = await client.room_create(is_direct=True, invite=[bot_id])
        assert isinstance(created, nio.RoomCreateResponse), created
        deadline = time.monotonic() + 60
        since = None
        while time.monotonic() < deadline:
            response = await client.sync(timeout=1000, since=since)
            assert isinstance(response, nio.SyncResponse), response
            since = response.next_batch
            room = response.rooms.join.get(created.room_id)
            for event in room.timeline.events if room else []:
                if event.sender == bot_id and isinstance(event, nio.RoomMessageText):
                    return str(event.body)
        raise AssertionError("the bot did not greet on Matrix")
    finally:
        await client.close()


def test_run_serves_matrix_next_to_telegram(homeserver: Homeserver, tmp_path: Path) -> None:
    bot = register(homeserver, "Ehrenamt")
    ida = register(homeserver, "Ida")
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["database"]["url"] = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    config["channels"]["console"]["enabled"] = False
    matrix = config["channels"]["matrix"]
    matrix.update(
        enabled=True,
        homeserver=homeserver.base_url,
        user_id=bot.user_id,
        password="${MATRIX_PASSWORD}",
        store_path=str(tmp_path / "matrix-store"),
    )
    del matrix["access_token"]
    with TelegramStandin(TOKEN) as api:
        config["channels"]["telegram"].update(enabled=True, api_url=api.root)
        path = tmp_path / "config.yml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "MATRIX_PASSWORD": bot.password,
            "LOG_LEVEL": "INFO",
        }
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
            greeting = asyncio.run(_greeting(homeserver, ida.user_id, ida.password, bot.user_id))
            assert "Willkommen bei der Ehrenamtsbörse Aachen!" in greeting
            while not any("Willkommen" in m.get("text", "") for m in api.messages(7001)):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "no answer to /start on Telegram"
                time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "telegram: serving as @standin_bot" in err
    assert f"matrix: serving as {bot.user_id}" in err
    assert TOKEN not in out + err
    assert bot.password not in out + err
