"""The clock of the pushes: APScheduler (AsyncIOScheduler) runs the waves of urgent needs, the
daily digests, and the expiry of past postings and of free-now windows (with their locations).

The database is the source of truth. No job carries state of its own: each one asks the database
what is due and does it under the guards in bot/pushes.py, so after a restart every job derives
its work afresh — nothing is lost, nothing doubled — and several processes may run schedulers
side by side. Each job starts right away at start-up (catching up on what came due while the
process was down), never overlaps itself, and coalesces runs it missed; a run later than its
misfire grace is skipped for the next one, which finds the same work in the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import pushes
from bot.pushes import PushSettings
from storage.unit_of_work import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Intervals:
    waves: timedelta = timedelta(seconds=15)
    free_now_windows: timedelta = timedelta(minutes=1)
    digests: timedelta = timedelta(minutes=5)
    postings: timedelta = timedelta(minutes=10)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PushScheduler:
    def __init__(
        self,
        database: Database,
        settings: PushSettings,
        *,
        intervals: Intervals | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.database = database
        self.settings = settings
        self.intervals = intervals or Intervals()
        self.clock = clock
        self.runs: dict[str, int] = {}
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def jobs(self) -> dict[str, tuple[Callable[[], int], timedelta]]:
        database, settings, clock = self.database, self.settings, self.clock
        return {
            "waves": (
                lambda: pushes.run_due_waves(database, clock(), settings),
                self.intervals.waves,
            ),
            "free_now_windows": (
                lambda: pushes.close_expired_windows(database, clock()),
                self.intervals.free_now_windows,
            ),
            "digests": (
                lambda: pushes.send_due_digests(database, clock(), settings),
                self.intervals.digests,
            ),
            "postings": (
                lambda: pushes.expire_postings(database, clock(), settings),
                self.intervals.postings,
            ),
        }

    def start(self) -> None:
        """Call from within the running event loop."""
        for name, (work, every) in self.jobs().items():
            self._scheduler.add_job(
                self._run,
                "interval",
                args=(name, work),
                seconds=every.total_seconds(),
                id=name,
                next_run_time=datetime.now(UTC),
                coalesce=True,
                max_instances=1,
                # late by more than one interval: skip, the next run finds the same work
                misfire_grace_time=max(1, int(every.total_seconds())),
                replace_existing=True,
            )
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def _run(self, name: str, work: Callable[[], int]) -> None:
        # the database work is synchronous: keep it off the event loop the channels run on
        try:
            done = await asyncio.to_thread(work)
        except Exception:
            log.exception("scheduled job %s failed", name)
            return
        self.runs[name] = self.runs.get(name, 0) + 1
        if done:
            log.info("scheduled job %s: %s done", name, done)

    async def run_all_once(self) -> dict[str, int]:
        """Every job once, now (the console and tests use it between turns)."""
        done: dict[str, int] = {}
        for name, (work, _every) in self.jobs().items():
            done[name] = await asyncio.to_thread(work)
        return done
