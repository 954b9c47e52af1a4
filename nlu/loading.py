"""Loading the NLU after the bot is ready instead of before: the town table, the interpreter
(model, lexicon) and dateparser's warm-up are built in one background thread, in the order the
first messages need them, or by whoever needs one first.

The guarantee: nothing that needs a part ever sees it half built or fails for it being late. A
parse that comes while the model loads waits for the load (on its lock) and then answers as it
would have; when the background load failed, the first parse tries again itself and raises what
the load raised, as a parse of a lazily loaded model always did."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from nlu.interpreter import Interpreter, Parse, ParseContext

if TYPE_CHECKING:
    from nlu.entities.place import Gazetteer

log = logging.getLogger(__name__)
T = TypeVar("T")


class Deferred(Generic[T]):
    """A value built once: by `get()`'s first caller, or by a background thread that later
    callers of `get()` wait for."""

    def __init__(self, build: Callable[[], T], what: str) -> None:
        self._build = build
        self.what = what
        self._lock = threading.Lock()
        self._value: T  # set once built
        self._built = False

    @property
    def built(self) -> bool:
        return self._built

    def get(self) -> T:
        if not self._built:
            with self._lock:
                if not self._built:
                    started = time.perf_counter()
                    self._value = self._build()
                    self._built = True
                    log.debug("start-up: %s in %.3f s", self.what, time.perf_counter() - started)
        return self._value


class DeferredInterpreter:
    """An Interpreter whose real one is built on first use or by `NluLoader.start()`."""

    def __init__(self, interpreter: Deferred[Interpreter]) -> None:
        self._interpreter = interpreter

    def parse(self, text: str, context: ParseContext) -> Parse:
        return self._interpreter.get().parse(text, context)


class NluLoader:
    """The gazetteer, the interpreter built on it, and dateparser's warm-up (its first call
    takes ~0.5 s, which no chat message should pay), loaded by `start()` in the background."""

    def __init__(
        self,
        gazetteer: Callable[[], Gazetteer],
        interpreter: Callable[[Gazetteer], Interpreter],
    ) -> None:
        self.gazetteer = Deferred(gazetteer, "town table loaded")
        self._interpreter = Deferred(
            lambda: interpreter(self.gazetteer.get()), "interpreter loaded"
        )
        self.interpreter = DeferredInterpreter(self._interpreter)
        self._thread: threading.Thread | None = None
        self._started_lock = threading.Lock()
        self.done = threading.Event()  # set when the background load ended, also by failing

    def start(self) -> None:
        """Load everything in a background thread (once; later calls do nothing). Not a daemon
        thread: a process that stops meanwhile waits for it rather than cutting off a model
        being written to the cache."""
        with self._started_lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._load, name="nlu-loader")
        self._thread.start()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the background load that start() began; True when it has ended."""
        return self.done.wait(timeout_s)

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            self._interpreter.get()  # the town table first: the interpreter is built on it
            # imported here, in the background, like everything the interpreter needs
            from nlu.entities import time as time_entities

            time_entities.warm_up()
        except Exception:
            # not fatal here: whoever needs the part next builds it again and sees the error
            log.exception("loading the NLU in the background failed; it is tried on first use")
        else:
            log.debug("start-up: NLU loaded after %.3f s", time.perf_counter() - started)
        finally:
            self.done.set()
