"""An event loop in a daemon thread, for the console: the push scheduler runs there, and pushes
for the person at the terminal are shown while the main thread waits for their next line."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from bot.scheduler import PushScheduler

log = logging.getLogger(__name__)


class BackgroundPushes:
    def __init__(
        self,
        scheduler: PushScheduler,
        poll: Callable[[], object] | None = None,
        poll_interval_s: float = 2.0,
    ) -> None:
        self._scheduler = scheduler
        self._poll = poll
        self._interval = poll_interval_s
        self._loop = asyncio.new_event_loop()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._main, name="pushes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stopped.set()
        self._thread.join(timeout_s)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._run())
        finally:
            self._loop.close()

    async def _run(self) -> None:
        self._scheduler.start()
        try:
            while not self._stopped.is_set():
                if self._poll is not None:
                    try:
                        await asyncio.to_thread(self._poll)
                    except Exception:
                        log.exception("showing pushes failed")
                await asyncio.sleep(self._interval)
        finally:
            self._scheduler.shutdown()
