"""Helpers for driving the real python-telegram-bot against the stand-in without pytest-asyncio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from telegram import Bot

from bot.channels.telegram.sender import TelegramSender
from tools.telegram_standin import TelegramStandin

TOKEN = "123456:TEST-secret-token-do-not-log"
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T], timeout_s: float = 5.0) -> T:
    """Run one test scenario on a fresh loop, bounded so a hang fails instead of blocking."""

    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, timeout_s)

    return asyncio.run(bounded())


@asynccontextmanager
async def ptb_bot(api: TelegramStandin) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        yield bot


@asynccontextmanager
async def standin_and_sender(
    **standin_options: Any,
) -> AsyncIterator[tuple[TelegramStandin, TelegramSender]]:
    async with (
        TelegramStandin(TOKEN, **standin_options) as api,
        TelegramSender(
            TOKEN, base_url=api.base_url, base_file_url=api.base_file_url, timeout_s=2.0
        ) as sender,
    ):
        yield api, sender
