"""One process serves a bot at a time: a second channel of the same bot on the same database
stands by and takes over when the first stops; one on another database gets Telegram's 409
and says clearly why."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.channels.telegram.channel import TelegramChannel
from bot.delivery import DeliveryOptions
from bot.engine import DialogueEngine
from storage.migrate import upgrade
from storage.unit_of_work import Database
from tests.bot.chat import make_engine
from tests.channels.telegram.live import FAST, options, settle
from tests.channels.telegram.support import TOKEN, run
from tools.telegram_standin import TelegramStandin

WELCOME = "Willkommen bei der Ehrenamtsbörse Aachen!"


def _channel(engine: DialogueEngine, api: TelegramStandin) -> TelegramChannel:
    return TelegramChannel(engine, options(api), DeliveryOptions(FAST))


async def _answered(api: TelegramStandin, chat: int, timeout_s: float = 10) -> None:
    api.push_text(chat, "/start", user_id=chat, first_name="Ida")
    async with asyncio.timeout(timeout_s):
        while not any(WELCOME in m.get("text", "") for m in api.messages(chat)):
            await asyncio.sleep(0.05)


def test_a_second_process_stands_by_and_takes_over(
    engine: DialogueEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # the other process: its own engine and election on the same database
    other = Database(engine.database.url, engine=engine.database.engine)
    standby_engine = DialogueEngine(other, engine.settings, engine.interpreter)

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api:
            first, second = _channel(engine, api), _channel(standby_engine, api)
            await first.start()
            with caplog.at_level(logging.INFO, logger="bot.channels.base"):
                await second.start()
            assert first.leading
            assert not second.leading
            assert "another process serves this bot; standing by" in caplog.text
            await _answered(api, 7001)
            await first.stop()
            await _answered(api, 7002)  # the stand-by took over within its next check
            assert second.leading
            await settle(api, engine)
            await second.stop()
            assert not api.violations

    try:
        run(scenario(), timeout_s=60)
    finally:
        other.leadership.close()


def test_a_poller_outside_the_election_gets_a_clear_refusal(
    engine: DialogueEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another deployment (another database) polling the same token: Telegram answers 409,
    and the log says what that means."""
    elsewhere = Database(f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    upgrade(elsewhere.engine)
    stranger = make_engine(elsewhere, engine.interpreter, engine.settings)

    async def scenario() -> None:
        async with TelegramStandin(TOKEN, max_long_poll_s=2) as api:
            first, second = _channel(engine, api), _channel(stranger, api)
            await first.start()
            await second.start()
            assert first.leading  # each in its own database
            assert second.leading
            async with asyncio.timeout(20):
                while "Only one program may poll a bot" not in caplog.text:
                    await asyncio.sleep(0.1)
            await second.stop()
            await first.stop()

    with caplog.at_level(logging.ERROR, logger="bot.channels.telegram.channel"):
        try:
            run(scenario(), timeout_s=60)
        finally:
            elsewhere.dispose()
