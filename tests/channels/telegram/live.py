"""A running Telegram channel against the stand-in, and people typing and tapping in it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.channels.telegram.channel import TelegramChannel, TelegramOptions
from bot.delivery import DeliveryOptions, RateLimits
from bot.engine import DialogueEngine
from storage.records import OutboxStatus
from tests.channels.telegram.support import TOKEN
from tools.telegram_standin import TelegramStandin

# generous: the transcripts test the conversation, the rate limits have tests of their own
FAST = RateLimits(messages_per_second=200, per_chat_per_second=50, per_group_per_minute=600)


def options(api: TelegramStandin, **overrides: Any) -> TelegramOptions:
    values: dict[str, Any] = {
        "token": TOKEN,
        "base_url": api.base_url,
        "base_file_url": api.base_file_url,
        "poll_timeout_s": 1,
        "request_timeout_s": 3.0,
    }
    values.update(overrides)
    return TelegramOptions(**values)


@asynccontextmanager
async def running(
    engine: DialogueEngine, api: TelegramStandin, **overrides: Any
) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(engine, options(api, **overrides), DeliveryOptions(FAST))
    await channel.start()
    try:
        yield channel
    finally:
        await channel.stop()


async def settle(api: TelegramStandin, engine: DialogueEngine, timeout_s: float = 15.0) -> None:
    """Wait until every pushed update is recorded and handled and every reply delivered."""
    deadline = time.monotonic() + timeout_s
    while True:
        with engine.database.unit_of_work() as uow:
            unhandled = uow.inbox.unhandled("telegram")
            counts = uow.outbox.count_by_status("telegram")
        busy = counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)
        if api.pending_updates == 0 and not unhandled and busy == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not settled: {api.pending_updates} updates, {len(unhandled)} unhandled, "
                f"{busy} outgoing"
            )
        await asyncio.sleep(0.05)


class TelegramUser:
    """Someone in a private chat with the bot: type, tap, share a location, read the replies."""

    def __init__(
        self,
        api: TelegramStandin,
        engine: DialogueEngine,
        user_id: int,
        first_name: str,
        language_code: str = "de",
    ) -> None:
        self.api = api
        self.engine = engine
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self._seen = 0

    def _bot_messages(self) -> list[dict[str, Any]]:
        return [
            m
            for m in self.api.messages(self.user_id)
            if m.get("from", {}).get("is_bot", True) and "text" in m
        ]

    async def _replies(self) -> str:
        await settle(self.api, self.engine)
        messages = self._bot_messages()
        new = messages[self._seen :]
        self._seen = len(messages)
        return "\n\n".join(m["text"] for m in new)

    async def say(self, text: str) -> str:
        self.api.push_text(
            self.user_id,
            text,
            user_id=self.user_id,
            first_name=self.first_name,
            language_code=self.language_code,
        )
        return await self._replies()

    async def share_location(self, lat: float, lon: float, live_period: int | None = None) -> str:
        self.api.push_location(
            self.user_id,
            lat,
            lon,
            user_id=self.user_id,
            live_period=live_period,
            first_name=self.first_name,
            language_code=self.language_code,
        )
        return await self._replies()

    async def share_venue(self, lat: float, lon: float, title: str, address: str) -> str:
        self.api.push_venue(
            self.user_id,
            lat,
            lon,
            title,
            address,
            user_id=self.user_id,
            first_name=self.first_name,
            language_code=self.language_code,
        )
        return await self._replies()

    async def pending(self) -> str:
        """What arrived without being asked (pushes)."""
        return await self._replies()

    def buttons(self) -> list[tuple[int, str, str]]:
        """(message id, label, callback data) of the inline buttons, newest message first."""
        found = []
        for message in reversed(self.api.messages(self.user_id)):
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        found.append(
                            (message["message_id"], button["text"], button["callback_data"])
                        )
        return found

    async def tap(self, label: str) -> str:
        for message_id, text, data in self.buttons():
            if label in text:
                self.api.push_callback(
                    self.user_id, message_id, data, user_id=self.user_id, first_name=self.first_name
                )
                return await self._replies()
        labels = [text for _, text, _ in self.buttons()]
        raise AssertionError(f"no button with {label!r} among {labels}")
