"""`serve` takes messages before the NLU is loaded (bot.app, nlu.loading): it polls while the
model is still loading in the background, and a message that comes meanwhile waits for the model
and gets the answer it would have got from a bot that loaded everything first."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from bot.app import App, place_resolver
from bot.channels.telegram.channel import TelegramChannel
from bot.delivery import DeliveryOptions
from bot.serve import serve
from nlu.embedded import EmbeddedInterpreter
from nlu.entities.place import Gazetteer
from nlu.interpreter import Interpreter
from nlu.loading import NluLoader
from storage.unit_of_work import Database
from tests.bot.chat import CONFIG, MUNICIPALITIES, make_engine, settings
from tests.channels.telegram.live import FAST, options, settle
from tests.channels.telegram.support import TOKEN, run
from tools.telegram_standin import TelegramStandin

ANNA = 6101
GREETING = "Hallo! 👋 Schön, dass du da bist."
WAIT_S = 30.0


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


def test_a_message_that_comes_while_the_nlu_loads_is_answered_once_it_is_loaded(
    sqlite_database: Database, nlu: EmbeddedInterpreter, gazetteer: Gazetteer
) -> None:
    gate = threading.Event()  # the model "loads" until the test opens it

    def loading(_towns: Gazetteer) -> Interpreter:
        assert gate.wait(WAIT_S), "the test never let the model load"
        return nlu

    loader = NluLoader(lambda: gazetteer, loading)
    resolver = place_resolver(loader.gazetteer.get, MUNICIPALITIES)
    engine = make_engine(sqlite_database, loader.interpreter, settings(resolver))
    app = App(CONFIG, sqlite_database, engine, loader)

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api:
            stop = asyncio.Event()
            channel = TelegramChannel(engine, options(api), DeliveryOptions(FAST))
            serving = asyncio.create_task(serve(app, [channel], stop))
            try:
                # ready although the model cannot finish loading
                await _until(lambda: bool(api.polls), "no getUpdates while the NLU loads")
                api.push_text(ANNA, "hallo", user_id=ANNA, first_name="Anna")
                await _until(lambda: api.pending_updates == 0, "the message was not taken in")
                await asyncio.sleep(0.5)  # time enough to answer, had it not waited
                assert api.messages(ANNA) == []  # no guess, no apology: it waits for the model
                assert not loader.done.is_set()
                gate.set()
                await settle(api, engine)
                replies = [m["text"] for m in api.messages(ANNA)]
                assert len(replies) == 1
                assert replies[0].startswith(GREETING)
            finally:
                gate.set()
                stop.set()
                await serving
        assert loader.join(WAIT_S)

    run(scenario(), timeout_s=90)
