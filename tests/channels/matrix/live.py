"""A running Matrix channel against the test Synapse, and people chatting with it through real
nio clients: open a direct chat, type, answer by number, react, share a location, read."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nio

from bot.channels.matrix.channel import MatrixChannel, MatrixOptions
from bot.channels.matrix.events import NUMBER_EMOJI
from bot.delivery import DeliveryOptions, RateLimits
from bot.engine import DialogueEngine
from storage.records import OutboxStatus
from tests.channels.matrix.synapse import Homeserver, RegisteredUser
from tests.channels.telegram.support import run

__all__ = [
    "FAST",
    "MatrixUser",
    "bot_options",
    "chatting",
    "register",
    "run",
    "running",
    "settle",
]

PASSWORD = "geheim-1234"
FAST = RateLimits(messages_per_second=200, per_chat_per_second=50, per_group_per_minute=600)
_names = itertools.count(1)
ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


def register(homeserver: Homeserver, name: str) -> RegisteredUser:
    """A fresh account named `name` (its display name): the homeserver lives for the whole
    session, so tests must not collide on user ids."""
    localpart = f"{name.lower()}{next(_names)}-{uuid.uuid4().hex[:6]}"
    return homeserver.register(localpart, PASSWORD, displayname=name)


def bot_options(
    homeserver: Homeserver, bot: RegisteredUser, store: Path, **overrides: Any
) -> MatrixOptions:
    values: dict[str, Any] = {
        "homeserver": homeserver.base_url,
        "user_id": bot.user_id,
        "password": bot.password,
        "store_path": str(store),
        "sync_timeout_ms": 5_000,
        "request_timeout_s": 5.0,
        "retry_unhandled_s": 0.5,
    }
    values.update(overrides)
    return MatrixOptions(**values)


@asynccontextmanager
async def running(engine: DialogueEngine, options: MatrixOptions) -> AsyncIterator[MatrixChannel]:
    channel = MatrixChannel(engine, options, DeliveryOptions(FAST))
    await channel.start()
    try:
        yield channel
    finally:
        await channel.stop()


@asynccontextmanager
async def chatting(
    engine: DialogueEngine, homeserver: Homeserver, store: Path, name: str, **overrides: Any
) -> AsyncIterator[tuple[MatrixChannel, MatrixUser]]:
    """A fresh bot account served by a running channel, and a fresh user logged in beside it."""
    bot = register(homeserver, "Ehrenamt")
    account = register(homeserver, name)
    async with (
        running(engine, bot_options(homeserver, bot, store, **overrides)) as channel,
        MatrixUser(homeserver, account, bot.user_id, engine) as user,
    ):
        yield channel, user


async def settle(
    engine: DialogueEngine, event_id: str | None = None, timeout_s: float = 20.0
) -> None:
    """Wait until `event_id` is recorded (if given), everything recorded is handled and every
    reply has gone out."""
    deadline = time.monotonic() + timeout_s
    while True:
        with engine.database.unit_of_work() as uow:
            recorded = event_id is None or uow.inbox.seen("matrix", event_id)
            unhandled = uow.inbox.unhandled("matrix")
            counts = uow.outbox.count_by_status("matrix")
        busy = counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)
        if recorded and not unhandled and busy == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not settled: recorded={recorded}, {len(unhandled)} unhandled, {busy} outgoing"
            )
        await asyncio.sleep(0.05)


class MatrixUser:
    """Someone in a direct chat with the bot, through a real nio client."""

    def __init__(
        self,
        homeserver: Homeserver,
        account: RegisteredUser,
        bot_user_id: str,
        engine: DialogueEngine,
        *,
        store: Path | None = None,
    ) -> None:
        self.account = account
        self.bot_user_id = bot_user_id
        self.engine = engine
        self.encrypted = store is not None
        if store is not None:
            store.mkdir(parents=True, exist_ok=True)
        self.client = nio.AsyncClient(
            homeserver.base_url,
            account.user_id,
            store_path=str(store) if store else "",
            config=nio.AsyncClientConfig(
                encryption_enabled=store is not None, store_sync_tokens=False
            ),
        )
        self.room_id = ""
        self.events: list[dict[str, Any]] = []  # the bot's events in the room, in order
        self._read = 0

    @property
    def user_id(self) -> str:
        return self.account.user_id

    async def __aenter__(self) -> MatrixUser:
        response = await self.client.login(self.account.password, device_name="test phone")
        assert isinstance(response, nio.LoginResponse), response
        await self._sync()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.close()

    # --- acting --------------------------------------------------------------------------

    async def open_chat(self, *, encrypted: bool = False) -> str:
        """Start a direct chat with the bot (as Element's "Start chat" does); its greeting."""
        created = await self.client.room_create(
            is_direct=True,
            invite=[self.bot_user_id],
            initial_state=[ENCRYPTION] if encrypted else [],
        )
        assert isinstance(created, nio.RoomCreateResponse), created
        self.room_id = created.room_id
        return await self.wait_for_messages()

    async def send(self, content: dict[str, Any], message_type: str = "m.room.message") -> str:
        if self.encrypted and self.client.should_query_keys:
            await self.client.keys_query()
        response = await self.client.room_send(
            self.room_id, message_type, content, ignore_unverified_devices=True
        )
        assert isinstance(response, nio.RoomSendResponse), response
        return str(response.event_id)

    async def say(self, text: str) -> str:
        event_id = await self.send({"msgtype": "m.text", "body": text})
        await settle(self.engine, event_id)
        return await self.replies()

    def number_of(self, label: str) -> str:
        """The number the bot's newest list gives the option containing `label`."""
        for event in reversed(self.events):
            for line in str(event["content"].get("body", "")).splitlines():
                number, _, option = line.partition(" ")
                if label in option and number in NUMBER_EMOJI:
                    return str(NUMBER_EMOJI.index(number) + 1)
                if label in option and number.endswith(".") and number[:-1].isdigit():
                    return number[:-1]  # the eleventh option and on
        raise AssertionError(f"no option {label!r} offered")

    async def choose(self, label: str) -> str:
        """Answer the newest list with the number of the option containing `label`."""
        return await self.say(self.number_of(label))

    async def reply_to(self, event_id: str, text: str) -> str:
        sent = await self.send(
            {
                "msgtype": "m.text",
                "body": f"> <{self.bot_user_id}> …\n\n{text}",
                "m.relates_to": {"m.in_reply_to": {"event_id": event_id}},
            }
        )
        await settle(self.engine, sent)
        return await self.replies()

    async def react(self, event_id: str, key: str) -> str:
        await self.send(
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}},
            "m.reaction",
        )
        await asyncio.sleep(0.3)  # a reaction that picks nothing is not recorded at all
        await settle(self.engine)
        return await self.replies()

    async def share_location(self, lat: float, lon: float) -> str:
        uri = f"geo:{lat},{lon}"
        event_id = await self.send(
            {"msgtype": "m.location", "body": f"Location {uri}", "geo_uri": uri}
        )
        await settle(self.engine, event_id)
        return await self.replies()

    # --- reading -------------------------------------------------------------------------

    async def _sync(self) -> None:
        response = await self.client.sync(timeout=0, full_state=True)
        assert isinstance(response, nio.SyncResponse), response
        if self.encrypted:
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if self.client.should_claim_keys:
                await self.client.keys_claim(self.client.get_users_for_key_claiming())
            await self.client.send_to_device_messages()
        for room_id, info in response.rooms.join.items():
            if room_id != self.room_id:
                continue
            for event in info.timeline.events:
                source: Mapping[str, Any] = getattr(event, "source", {}) or {}
                if source.get("sender") != self.bot_user_id:
                    continue
                if isinstance(event, nio.MegolmEvent):
                    self.events.append({"type": "undecryptable", "content": {"body": "🔒"}})
                elif source.get("type") == "m.room.message":
                    # "decrypted": it came end-to-end encrypted and this device could read it
                    self.events.append({**source, "decrypted": bool(event.decrypted)})

    async def replies(self) -> str:
        """What the bot sent since the last look, one message per paragraph."""
        await self._sync()
        new = self.events[self._read :]
        self._read = len(self.events)
        return "\n\n".join(str(e["content"].get("body", "")) for e in new)

    async def wait_for_messages(self, timeout_s: float = 20.0) -> str:
        """What arrives without being asked (a greeting, a push), waiting for the first."""
        deadline = time.monotonic() + timeout_s
        while True:
            await settle(self.engine)
            text = await self.replies()
            if text:
                return text
            if time.monotonic() > deadline:
                raise AssertionError("no message from the bot arrived")
            await asyncio.sleep(0.1)

    def last_event(self, msgtype: str = "m.text") -> dict[str, Any]:
        for event in reversed(self.events):
            if event["content"].get("msgtype") == msgtype:
                return event
        raise AssertionError(f"no {msgtype} from the bot")
