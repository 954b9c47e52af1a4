"""`ehrenamt run` as a real process serving Matrix (the test Synapse) next to Telegram (the
stand-in) in one process, stopped by SIGTERM like a service manager does; at DEBUG, its output
holds neither the bot's credentials nor anything a person wrote."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import time
import uuid
from pathlib import Path

import nio

from tests.channels.matrix.live import PASSWORD, register
from tests.channels.matrix.synapse import Homeserver, RegisteredUser
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
        process = start_run(config, tmp_path, secrets, log_level="DEBUG")
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


# what a person shows and sends: none of it may reach a log line
NAME = "Quirinella Zabrowski"
TEXT = "Zitronenfalterwiese hinter dem Bahnhof"
GEO = "geo:50.7791,6.0712"  # not the centre of Aachen in config.yml
PERSONAL = ("Quirinella", "Zabrowski", "Zitronenfalter", GEO, "50.7791", "6.0712")


class _Person:
    """Someone in a direct chat with the bot, through a real nio client."""

    def __init__(self, homeserver: Homeserver, user_id: str, bot_id: str) -> None:
        self.client = nio.AsyncClient(homeserver.base_url, user_id)
        self.bot_id = bot_id
        self.room_id = ""
        self.since: str | None = None
        self.heard = 0  # the bot's messages seen so far

    async def open_chat(self, password: str) -> None:
        assert isinstance(await self.client.login(password), nio.LoginResponse)
        created = await self.client.room_create(is_direct=True, invite=[self.bot_id])
        assert isinstance(created, nio.RoomCreateResponse), created
        self.room_id = created.room_id
        await self.answer("the bot did not greet")

    async def send(self, content: dict[str, str]) -> None:
        sent = await self.client.room_send(self.room_id, "m.room.message", content)
        assert isinstance(sent, nio.RoomSendResponse), sent
        await self.answer(f"no answer to {content['msgtype']}")

    async def answer(self, what: str) -> None:
        """Wait (bounded) for a message of the bot not seen before."""
        before = self.heard
        deadline = time.monotonic() + 60
        while self.heard == before:
            assert time.monotonic() < deadline, what
            response = await self.client.sync(timeout=1000, since=self.since)
            assert isinstance(response, nio.SyncResponse), response
            self.since = response.next_batch
            room = response.rooms.join.get(self.room_id)
            for event in room.timeline.events if room else []:
                if event.sender == self.bot_id and isinstance(event, nio.RoomMessageText):
                    self.heard += 1


async def _converse(homeserver: Homeserver, person: RegisteredUser, bot_id: str) -> None:
    someone = _Person(homeserver, person.user_id, bot_id)
    try:
        await someone.open_chat(person.password)
        await someone.send({"msgtype": "m.text", "body": TEXT})
        await someone.send({"msgtype": "m.location", "body": f"Standort {GEO}", "geo_uri": GEO})
    finally:
        await someone.client.close()


def _serving(database: Path, bot_id: str) -> bool:
    """The bot has begun its sync: its cursor is in the database."""
    if not database.exists():
        return False
    with contextlib.closing(sqlite3.connect(database)) as connection:
        try:
            row = connection.execute(
                "SELECT 1 FROM channel_cursors WHERE name = ?", (f"matrix:{bot_id}",)
            ).fetchone()
        except sqlite3.OperationalError:  # not migrated yet
            return False
    return row is not None


def test_run_at_debug_logs_no_credentials_and_nothing_people_wrote(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot = register(homeserver, "Ehrenamt")
    person = homeserver.register(f"person-{uuid.uuid4().hex[:8]}", PASSWORD, displayname=NAME)
    config = shipped_config(tmp_path)
    config["channels"]["matrix"].update(
        enabled=True,
        homeserver=homeserver.base_url,
        user_id=bot.user_id,
        store_path=str(tmp_path / "matrix-store"),
    )
    secrets = {"MATRIX_ACCESS_TOKEN": bot.access_token}
    process = start_run(config, tmp_path, secrets, log_level="DEBUG")
    try:
        wait_while_running(
            process,
            lambda: _serving(tmp_path / "bot.sqlite3", bot.user_id),
            time.monotonic() + 90,
            "the bot did not start syncing",
        )
        asyncio.run(_converse(homeserver, person, bot.user_id))
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"matrix: serving as {bot.user_id}" in err
    logged = out + err
    assert bot.access_token not in logged
    assert [word for word in PERSONAL if word in logged] == []
