"""`ehrenamt run` as a real process serving Matrix (the test Synapse) next to Telegram (the
stand-in) in one process, stopped by SIGTERM like a service manager does."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import nio

from tests.channels.matrix.live import register
from tests.channels.matrix.synapse import Homeserver
from tests.channels.service import shipped_config, start_run, wait_while_running
from tests.channels.telegram.support import TOKEN
from tools.telegram_standin import TelegramStandin


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
    config = shipped_config(tmp_path)
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
        secrets = {"TELEGRAM_BOT_TOKEN": TOKEN, "MATRIX_PASSWORD": bot.password}
        process = start_run(config, tmp_path, secrets)
        try:
            deadline = time.monotonic() + 90
            wait_while_running(
                process,
                lambda: bool(api.calls("getUpdates") or api.calls("deleteWebhook")),
                deadline,
                "the bot did not start polling",
            )
            api.push_text(7001, "/start", user_id=7001, first_name="Ida")
            greeting = asyncio.run(_greeting(homeserver, ida.user_id, ida.password, bot.user_id))
            assert "Willkommen bei der Ehrenamtsbörse Aachen!" in greeting
            wait_while_running(
                process,
                lambda: any("Willkommen" in m.get("text", "") for m in api.messages(7001)),
                deadline,
                "no answer to /start on Telegram",
            )
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "telegram: serving as @standin_bot" in err
    assert f"matrix: serving as {bot.user_id}" in err
    assert TOKEN not in out + err
    assert bot.password not in out + err
