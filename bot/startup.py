"""Starting against services that may not be up yet: the database, the Bot API, the homeserver.

A service manager starts the bot with the machine, perhaps before PostgreSQL or the network. A
refused connection or a timeout at start is then worth a few more tries, a short and bounded
while (config.startup); a refusal (no such database, a rejected token) is not. Whatever starts
says which is which by the exception: ConnectionError for "not reachable, may come", anything else
for "wrong, will stay wrong". Each retry is one log line; giving up is a ConnectionError whose
message is the one line the CLI prints.

Each start-up phase is timed in the log at DEBUG ("start-up: database opened in 0.012 s"), where
an operator sees what a slow start spent its time on and `python -m tools.bench.startup` reads
it; nlu.loading writes its own lines in the same form."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from bot.config import StartupConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    attempts: int = 5
    first_delay_s: float = 2.0
    max_delay_s: float = 15.0

    @classmethod
    def from_config(cls, config: StartupConfig) -> Backoff:
        return cls(config.attempts, config.first_delay_seconds, config.max_delay_seconds)

    def delay(self, failed: int) -> float:
        """The pause after the `failed`-th failed attempt: doubling, up to the maximum."""
        return float(min(self.first_delay_s * 2 ** (failed - 1), self.max_delay_s))


class GaveUp(ConnectionError):
    """Still not reachable after every attempt; the message is the last failure's."""

    def __init__(self, error: ConnectionError, attempts: int) -> None:
        tried = f" (tried {attempts} times)" if attempts > 1 else ""
        super().__init__(f"{error}{tried}")


def _announce(error: ConnectionError, delay: float, attempt: int, attempts: int) -> None:
    log.warning(
        "%s; trying again in %s s (attempt %d of %d)", error, f"{delay:g}", attempt, attempts
    )


def retry(
    action: Callable[[], T], backoff: Backoff, *, sleep: Callable[[float], None] = time.sleep
) -> T:
    """`action()`, again after a pause while it raises ConnectionError, at most
    backoff.attempts times in all; then GaveUp. Other errors pass at once."""
    failed = 0
    while True:
        try:
            return action()
        except ConnectionError as error:
            failed += 1
            if failed >= backoff.attempts:
                raise GaveUp(error, failed) from error
            _announce(error, backoff.delay(failed), failed + 1, backoff.attempts)
            sleep(backoff.delay(failed))


async def start_with_retry(
    start: Callable[[], Awaitable[None]],
    undo: Callable[[], Awaitable[None]],
    backoff: Backoff,
    stop: asyncio.Event,
) -> bool:
    """`await start()` as `retry` does, with `await undo()` after each failure to release what
    it half-opened. False when `stop` was set while waiting (the process is asked to end)."""
    failed = 0
    while True:
        try:
            await start()
            return True
        except Exception as error:
            with contextlib.suppress(Exception):
                await undo()
            if not isinstance(error, ConnectionError):
                raise
            failed += 1
            if failed >= backoff.attempts:
                raise GaveUp(error, failed) from error
            _announce(error, backoff.delay(failed), failed + 1, backoff.attempts)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff.delay(failed))
            if stop.is_set():
                return False


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def network_reason(error: BaseException) -> str:
    """Why a connection failed, in a few words: HTTP libraries wrap the socket's error in two
    or three layers ("httpx.ConnectError: All connection attempts failed"); the operator needs
    the innermost ("connection refused")."""
    for cause in _causes(error):
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        if isinstance(cause, TimeoutError) or "Timeout" in type(cause).__name__:
            return "timed out"
        if isinstance(cause, OSError) and cause.errno is not None and cause.errno > 0:
            return os.strerror(cause.errno).lower()
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


@contextmanager
def phase(what: str) -> Iterator[None]:
    """Logs how long the block took, when it ends without an exception."""
    started = time.perf_counter()
    yield
    log.debug("start-up: %s in %.3f s", what, time.perf_counter() - started)
