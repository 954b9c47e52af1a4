"""Handling recorded messages off the intake path, in order per chat and in parallel across chats.

A channel acknowledges an update as soon as it is in the inbox; handling (NLU, flows, the
database) follows here. Entries go to one of a few lanes by chat, so a user's messages are
handled in the order they came while other users don't wait for them. The engine is synchronous:
each entry runs in a worker thread, never on the event loop the channel polls on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from bot.engine import DialogueEngine
from bot.intake import Intake

log = logging.getLogger(__name__)

# how long intake waits after its n-th failure in a row (the platform or the database away)
RETRY_DELAYS_S: Final = (1.0, 2.0, 5.0, 10.0, 30.0)


async def pause_after_failure(stop: asyncio.Event, failures: int) -> int:
    """Wait a little longer after each failure in a row (or until `stop`); returns the count."""
    delay = RETRY_DELAYS_S[min(failures, len(RETRY_DELAYS_S) - 1)]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay)
    return failures + 1


class EntryHandlers:
    def __init__(
        self,
        engine: DialogueEngine,
        *,
        lanes: int = 4,
        handled: Callable[[], object] = lambda: None,
    ) -> None:
        if lanes < 1:
            raise ValueError("at least one lane")
        self._engine = engine
        self._handled = handled  # e.g. wake the outbox worker
        self._queues: list[asyncio.Queue[int]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._lanes = lanes

    def start(self) -> None:
        """Call within the running loop."""
        self._queues = [asyncio.Queue() for _ in range(self._lanes)]
        self._tasks = [
            asyncio.create_task(self._lane(queue), name=f"handling-{n}")
            for n, queue in enumerate(self._queues)
        ]

    def submit(self, chat_id: str, entry_id: int) -> None:
        lane = zlib.crc32(chat_id.encode("utf-8")) % len(self._queues)
        self._queues[lane].put_nowait(entry_id)

    async def drain(self, timeout_s: float) -> bool:
        """Wait until everything submitted is handled; False if it took longer than that."""
        try:
            await asyncio.wait_for(
                asyncio.gather(*(queue.join() for queue in self._queues)), timeout_s
            )
        except TimeoutError:
            return False
        return True

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Finish what was submitted (within the timeout), then stop. Entries not handled by
        then stay unhandled in the inbox and are handled at the next start."""
        if not self._tasks:
            return
        if not await self.drain(timeout_s):
            log.warning("stopping with messages still being handled; they resume at next start")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _lane(self, queue: asyncio.Queue[int]) -> None:
        while True:
            entry_id = await queue.get()
            try:
                # handle_entry apologises to the user for a failing step itself; what reaches
                # here is the database failing, and the entry stays for the next start
                await asyncio.to_thread(self._engine.handle_entry, entry_id)
            except Exception:
                log.exception("inbox entry %s could not be handled", entry_id)
            finally:
                queue.task_done()
            self._handled()


async def retry_unhandled(
    intake: Intake, handlers: EntryHandlers, every_s: float, stop: asyncio.Event
) -> None:
    """Entries whose handling failed (the database was away) are tried again every `every_s`,
    so a message is not left unanswered until the next start. Handling is idempotent: an entry
    handled meanwhile is skipped. A channel retries its own front end's entries."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
        if stop.is_set():
            return
        cutoff = datetime.now(UTC) - timedelta(seconds=every_s)
        try:
            entries = await asyncio.to_thread(intake.unhandled, cutoff)
        except Exception:
            log.exception("looking for unhandled %s messages failed", intake.platform.value)
            continue
        for chat_id, entry_id in entries:
            handlers.submit(chat_id, entry_id)
