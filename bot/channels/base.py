"""One lifecycle for every messenger channel (Telegram, Matrix): start, lead, serve, stop.

A channel is one bot account (a front end) on one platform. Its platform part says how to
connect, how to fetch updates (`serve`) and how to send (`sender`); the rest is the same for all
and lives here:

    start ─▶ connect ─▶ lead? ──yes──▶ term: take over the outbox, handle what was left,
                          │                  serve (fetch → record → acknowledge → handle),
                          │                  deliver, retry failed handling
                          └─no──▶ stand by; try again every second ─▶ term when it wins
    stop ─▶ end the term: fetching first, then handling drains, then delivery finishes
         ─▶ disconnect

Only the leading process of a bot fetches its updates and sends its messages, so the bot's rate
limits hold across processes and one poller fetches (storage/leadership.py elects it). Handling
(NLU, flows) runs wherever an update was recorded. When the leader dies, a stand-by wins within
`lead_check_s`, takes back the dead one's claims at once and resends them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Protocol

from bot.delivery import AsyncSender, DeliveryOptions, OutboxWorker
from bot.engine import DialogueEngine
from bot.handling import EntryHandlers, retry_unhandled
from bot.intake import Intake, Pick, Recorded
from domain.actors import Platform

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 10.0  # at stop, how long handling may finish what was recorded


def whose(front_end: str) -> str:
    """A bot's front end as log lines name it ("" for the shared bot)."""
    return f" (front end of {front_end})" if front_end else ""


class ChannelOptions(Protocol):
    """What every platform's options say about the channel as such."""

    @property
    def front_end(self) -> str:
        """Whose bot: "" the shared one, else the municipality key of its own."""

    @property
    def handling_lanes(self) -> int: ...

    @property
    def retry_unhandled_s(self) -> float:
        """How often, and after how long, failed handling is tried again."""


@dataclass(slots=True)
class _Term:
    """What runs while this process leads the bot."""

    worker: OutboxWorker
    fetching: asyncio.Event  # set: stop fetching
    delivering: asyncio.Event  # set: stop delivering
    ready: asyncio.Event  # set by serve(): updates are being fetched
    tasks: dict[str, asyncio.Task[None]]


class Channel(ABC):
    """`await channel.start()`, later `await channel.stop()`; both inside one running loop."""

    platform: ClassVar[Platform]

    def __init__(
        self,
        engine: DialogueEngine,
        delivery: DeliveryOptions,
        options: ChannelOptions,
        *,
        lead_check_s: float = 1.0,
        pick: Pick | None = None,
    ) -> None:
        self.engine = engine
        self.front_end = options.front_end
        self.intake = Intake(engine.database, self.platform, options.front_end, pick=pick)
        self._delivery = delivery
        self._lanes = options.handling_lanes
        self._retry_unhandled_s = options.retry_unhandled_s
        self._lead_check_s = lead_check_s
        self._handlers: EntryHandlers | None = None
        self._term: _Term | None = None
        self._watch: asyncio.Task[None] | None = None

    # --- what each platform provides ---------------------------------------------------------

    @property
    @abstractmethod
    def bot_name(self) -> str:
        """The bot account, unique across front ends ("telegram:<bot id>"): what is elected."""

    @property
    def described(self) -> str:
        """The bot in log lines."""
        return f"{self.bot_name}{whose(self.front_end)}"

    @abstractmethod
    async def connect(self) -> None:
        """Log in / check the credentials. Raises ValueError for a configuration the platform
        refuses and ConnectionError when it cannot be reached."""

    @abstractmethod
    async def disconnect(self) -> None: ...

    @abstractmethod
    def sender(self) -> AsyncSender:
        """The way out, for this term's outbox worker."""

    @abstractmethod
    async def serve(self, stop: asyncio.Event) -> None:
        """Fetch updates, record them (`self.intake`), acknowledge them, queue their handling
        (`self.handle`), until `stop` is set or the task is cancelled; call `self.serving()`
        once updates flow. Called while this process leads the bot."""

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def leading(self) -> bool:
        return self._term is not None

    async def start(self) -> None:
        await self.connect()
        try:
            self._handlers = EntryHandlers(self.engine, lanes=self._lanes, handled=self._wake)
            self._handlers.start()
            if await self._try_lead():
                await self._begin_term()
            else:
                log.info("%s: another process serves this bot; standing by", self.described)
            self._watch = asyncio.create_task(self._watch_leadership(), name="leadership")
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
            self._watch = None
        await self._end_term(drain=True)
        if self._handlers is not None:
            await self._handlers.stop()
            self._handlers = None
        await self._step_down()
        await self.disconnect()

    # --- leadership ----------------------------------------------------------------------------

    async def _try_lead(self) -> bool:
        try:
            return await asyncio.to_thread(self.engine.database.leadership.try_lead, self.bot_name)
        except Exception as error:  # the database away: try again at the next check
            log.warning("%s: cannot reach the database to lead (%s)", self.bot_name, error)
            return False

    async def _still_leading(self) -> bool:
        try:
            return await asyncio.to_thread(self.engine.database.leadership.leads, self.bot_name)
        except Exception:
            return False

    async def _watch_leadership(self) -> None:
        failures = 0
        while True:
            await asyncio.sleep(self._lead_check_s * 2 ** min(failures, 6))
            if self._term is not None:
                if not await self._still_leading():
                    log.warning(
                        "%s: lost the lead (database connection); fetching and sending stop",
                        self.described,
                    )
                    await self._end_term(drain=False)
            elif await self._try_lead():
                log.info("%s: taking over serving this bot", self.described)
                try:
                    await self._begin_term()
                except Exception as error:
                    failures += 1
                    log.error("%s: cannot serve this bot: %s", self.described, error)
                    await self._step_down()
                    continue
            failures = 0

    async def _step_down(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.engine.database.leadership.step_down, self.bot_name)

    async def _begin_term(self) -> None:
        assert self._handlers is not None
        worker = OutboxWorker.for_channel(
            self.engine.database, self.sender(), self._delivery, self.front_end
        )
        await asyncio.to_thread(worker.take_over)
        # what was recorded but not handled before the last stop (or crash) is handled first
        self.handle(Recorded(entries=await asyncio.to_thread(self.intake.unhandled)))
        fetching, delivering, ready = asyncio.Event(), asyncio.Event(), asyncio.Event()
        retry = retry_unhandled(self.intake, self._handlers, self._retry_unhandled_s, fetching)
        term = self._term = _Term(worker, fetching, delivering, ready, {})
        term.tasks["delivering"] = asyncio.create_task(worker.run(delivering), name="outbox")
        term.tasks["retrying"] = asyncio.create_task(retry, name="retry-unhandled")
        term.tasks["serving"] = asyncio.create_task(self._serve(fetching), name="intake")
        # started means serving: updates pushed from now on are fetched
        waiting = asyncio.create_task(ready.wait())
        serving = term.tasks["serving"]
        await asyncio.wait([waiting, serving], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if serving.done() and not ready.is_set():
            # it could not even begin (a webhook port in use): the one who started it hears why
            failure = None if serving.cancelled() else serving.exception()
            await self._end_term(drain=False)
            if failure is not None:
                raise failure

    def serving(self) -> None:
        """For serve(): updates are being fetched now."""
        if self._term is not None:
            self._term.ready.set()

    async def _serve(self, stop: asyncio.Event) -> None:
        try:
            await self.serve(stop)
        except asyncio.CancelledError:
            raise
        except Exception:
            if self._term is not None and not self._term.ready.is_set():
                raise  # before serving: _begin_term reports it
            # its own failures are the platform's to retry; what reaches here is a fault
            log.exception("%s: fetching updates stopped", self.described)

    async def _end_term(self, *, drain: bool) -> None:
        """Idempotent: a stop that interrupts the end of a term ends it again."""
        term = self._term
        if term is None:
            return
        term.fetching.set()
        for name in ("serving", "retrying"):
            term.tasks[name].cancel()  # a long poll in flight would hold the stop for its timeout
        await asyncio.gather(term.tasks["serving"], term.tasks["retrying"], return_exceptions=True)
        # replies of what is handled now still go out in this term
        if drain and self._handlers and not await self._handlers.drain(DRAIN_TIMEOUT_S):
            log.warning("stopping with messages still being handled; they resume at next start")
        term.delivering.set()
        await asyncio.gather(term.tasks["delivering"], return_exceptions=True)
        if self._term is term:
            self._term = None

    # --- for serve() ---------------------------------------------------------------------------

    def handle(self, recorded: Recorded) -> None:
        """Queue the handling of what was recorded (in order per chat)."""
        if self._handlers is None:
            return
        for chat_id, entry_id in recorded.entries:
            self._handlers.submit(chat_id, entry_id)

    def _wake(self) -> None:
        if self._term is not None:
            self._term.worker.wake()
