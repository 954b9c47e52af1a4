"""Loading the NLU in the background (nlu.loading): a parse that comes meanwhile waits for the
load and answers as usual, the parts are built once, and a failed load is tried again by the
first parse that needs it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest

from nlu.entities import time as time_entities
from nlu.entities.place import Gazetteer
from nlu.interpreter import IntentScore, Interpreter, Parse, ParseContext, make_parse
from nlu.loading import NluLoader
from tests.nlu.entities.conftest import MUNICIPALITIES

WAIT_S = 30.0  # bounds every wait, so a broken guarantee fails instead of hanging


class Greeter:
    """An interpreter that knows one intent."""

    def parse(self, text: str, context: ParseContext) -> Parse:
        return make_parse(text, [IntentScore(name="greet", confidence=0.9)])


@pytest.fixture(scope="module")
def towns() -> Gazetteer:
    return Gazetteer(MUNICIPALITIES)


def _counted(
    build: Callable[[Gazetteer], Interpreter],
) -> tuple[list[Gazetteer], Callable[[Gazetteer], Interpreter]]:
    calls: list[Gazetteer] = []

    def counting(gazetteer: Gazetteer) -> Interpreter:
        calls.append(gazetteer)
        return build(gazetteer)

    return calls, counting


def _in_thread(parse: Callable[[], Parse]) -> tuple[threading.Thread, list[Parse]]:
    results: list[Parse] = []
    thread = threading.Thread(target=lambda: results.append(parse()), daemon=True)
    thread.start()
    return thread, results


def test_a_parse_during_the_background_load_waits_and_answers(towns: Gazetteer) -> None:
    gate = threading.Event()
    loading = threading.Event()

    def slow(_gazetteer: Gazetteer) -> Interpreter:
        loading.set()
        assert gate.wait(WAIT_S), "the test never let the load finish"
        return Greeter()

    calls, build = _counted(slow)
    loader = NluLoader(lambda: towns, build)
    loader.start()
    assert loading.wait(WAIT_S)
    thread, results = _in_thread(lambda: loader.interpreter.parse("hallo", ParseContext()))
    thread.join(0.3)
    # waiting for the model, neither failing nor guessing
    assert thread.is_alive()
    assert results == []
    gate.set()
    thread.join(WAIT_S)
    assert [r["intent"]["name"] for r in results] == ["greet"]
    assert loader.join(WAIT_S)
    assert calls == [towns]  # built once, on the town table
    assert time_entities._warm.is_set()  # dateparser warmed up after the interpreter


def test_without_a_background_load_the_first_parse_loads(towns: Gazetteer) -> None:
    calls, build = _counted(lambda _g: Greeter())
    loader = NluLoader(lambda: towns, build)
    assert loader.interpreter.parse("hallo", ParseContext())["intent"]["name"] == "greet"
    assert loader.interpreter.parse("moin", ParseContext())["intent"]["name"] == "greet"
    assert loader.gazetteer.get() is towns
    assert calls == [towns]


def test_starting_twice_loads_once(towns: Gazetteer) -> None:
    calls, build = _counted(lambda _g: Greeter())
    loader = NluLoader(lambda: towns, build)
    loader.start()
    loader.start()
    assert loader.join(WAIT_S)
    loader.interpreter.parse("hallo", ParseContext())
    assert calls == [towns]


def test_a_failed_background_load_is_tried_again_by_the_first_parse(
    towns: Gazetteer, caplog: pytest.LogCaptureFixture
) -> None:
    failures = [OSError("the cache disk went away")]

    def flaky(_gazetteer: Gazetteer) -> Interpreter:
        if failures:
            raise failures.pop()
        return Greeter()

    calls, build = _counted(flaky)
    loader = NluLoader(lambda: towns, build)
    with caplog.at_level(logging.ERROR, logger="nlu.loading"):
        loader.start()
        assert loader.join(WAIT_S)
    assert "loading the NLU in the background failed" in caplog.text
    assert loader.interpreter.parse("hallo", ParseContext())["intent"]["name"] == "greet"
    assert len(calls) == 2


def test_a_load_that_keeps_failing_fails_the_parse_that_needs_it(towns: Gazetteer) -> None:
    def broken(_gazetteer: Gazetteer) -> Interpreter:
        raise FileNotFoundError("nlu/data")

    loader = NluLoader(lambda: towns, broken)
    with pytest.raises(FileNotFoundError):
        loader.interpreter.parse("hallo", ParseContext())
