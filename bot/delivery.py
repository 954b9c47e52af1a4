"""The outbox worker: delivers queued replies and pushes through a channel's sender, within the
platform's rate limits (DESIGN.md, flow step 3).

- A worker claims the head of each chat's queue (storage: OutboxRepository.claim) and commits
  before sending, so several workers share one queue and a chat's messages still go out in order.
- The overall limit is waited out in place (nothing on the platform may go anyway); a chat that
  must wait hands its row back with a not_before, so one busy chat never stalls the others.
  Sends to different chats overlap (max_in_flight) where the sender is idempotent, so latency
  does not cap the rate (elsewhere one is in flight at a time, see below); a send
  counts against the limits until it has ended, so varying latency cannot bunch arrivals.
- Every call that reaches a chat counts against the limits: a message that needs a second call
  (a venue after the text, the location-request keyboard) paces it like a message of its own.
- Every outcome is committed right after the send. A claim whose worker died mid-send is sent
  again: a rare duplicate of the one message in flight beats a silent loss (Matrix recognises
  the resend by its transaction id; on Telegram the user may see it twice, so there only one
  send is in flight at a time: a crash doubles at most one message). One process sends
  for a bot at a time (bot/channels/base.py); when it takes over, it takes back the claims of
  the one before at once and counts what that one sent in the last minute.
- Message texts are personal data: nothing here logs them."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.messages import Outgoing
from domain.actors import Platform
from storage.records import OutboxMessage, OutboxStatus
from storage.unit_of_work import Database

if TYPE_CHECKING:
    from bot.config import RateLimitConfig

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]
# awaited by a sender before each further call of one message: returns when the limits allow it
Pace = Callable[[], Awaitable[None]]


class RetryLater(Exception):
    """The platform is busy or unreachable for now (429, timeout, 5xx).

    `retry_after_s` is the platform's own wait (Telegram's retry_after) when it named one."""

    def __init__(
        self, reason: str, retry_after_s: float | None = None, *, whole_platform: bool = False
    ) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s
        # the wait is the bot account's, not one chat's (a Matrix homeserver limits the sender):
        # every chat waits, rather than each running into the limit once more
        self.whole_platform = whole_platform


class Undeliverable(Exception):
    """The platform refuses for good. `blocked`: the user blocked the bot or left the chat, so
    their identity is marked unreachable and nothing more is sent there."""

    def __init__(self, reason: str, *, blocked: bool = False) -> None:
        super().__init__(reason)
        self.blocked = blocked


class AsyncSender(Protocol):
    """A channel's way out (Telegram, Matrix, console)."""

    platform: Platform
    # True where a resend cannot duplicate (Matrix transaction ids). Otherwise one send is in
    # flight at a time, so a crash can leave at most one message whose outcome is unknown
    idempotent: bool

    def is_group(self, chat_id: str) -> bool:
        """Group chats have their own, slower rate limit."""
        ...

    async def send(
        self,
        message: Outgoing,
        *,
        replaces: str | None = None,
        transaction_id: str | None = None,
        pace: Pace | None = None,
    ) -> str | None:
        """Deliver, or edit the platform message `replaces` when given; returns the platform's
        message id when it has one. Raises RetryLater or Undeliverable. `transaction_id` is the
        same for every attempt of one outbox message (an idempotent sender's key). The first
        call is paced by the caller; `pace` is awaited before every further call."""
        ...


# ---------------------------------------------------------------------------------------------
# Rate limits


def _window(rate: float, unit_s: float) -> tuple[int, float]:
    """`rate` per `unit_s` as "at most N in any W seconds", never above the rate in any window of
    the unit: 25/s → 25 per 1 s, 2.5/s → 2 per 1 s, 0.2/s → 1 per 5 s."""
    if rate >= 1:
        return math.floor(rate), unit_s
    return 1, unit_s / rate


@dataclass(frozen=True, slots=True)
class RateLimits:
    messages_per_second: float  # overall, per platform
    per_chat_per_second: float  # per private chat
    per_group_per_minute: float  # per group chat (instead of the per-chat limit)

    def __post_init__(self) -> None:
        if min(self.messages_per_second, self.per_chat_per_second, self.per_group_per_minute) <= 0:
            raise ValueError("rate limits must be positive")

    @classmethod
    def from_config(cls, config: RateLimitConfig) -> RateLimits:
        return cls(
            messages_per_second=config.messages_per_second,
            per_chat_per_second=config.per_chat_per_second,
            per_group_per_minute=config.per_group_per_minute,
        )

    @property
    def overall_window(self) -> tuple[int, float]:
        return _window(self.messages_per_second, 1.0)

    @property
    def chat_window(self) -> tuple[int, float]:
        return _window(self.per_chat_per_second, 1.0)

    @property
    def group_window(self) -> tuple[int, float]:
        return _window(self.per_group_per_minute, 60.0)


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """How a channel's outbox worker delivers."""

    limits: RateLimits
    max_attempts: int = 8
    lease_seconds: float = 60
    worker_id: str = ""  # empty: host and process id


# a terminal has no limits; these only keep the arithmetic finite
CONSOLE_LIMITS = RateLimits(
    messages_per_second=100_000, per_chat_per_second=100_000, per_group_per_minute=100_000
)


class _Send:
    __slots__ = ("ended",)

    def __init__(self, ended: float | None) -> None:
        self.ended = ended  # None while under way


class SlidingWindow:
    """At most `limit` events in any window of `window_s` seconds, as the platforms count.

    Windows are half-open: an event exactly `window_s` after another no longer shares its
    window. A send reaches the platform at some moment between its start and its end, so it
    counts from when it ended (`begin` … `finish`): however the latency varies, the platform
    never sees more than `limit` in a window. The clock is injectable for fake time."""

    def __init__(self, limit: int, window_s: float, monotonic: Monotonic = time.monotonic) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a window needs limit >= 1 and a positive length")
        self.limit = limit
        self.window_s = window_s
        self._monotonic = monotonic
        self._sends: list[_Send] = []
        self._paused_until = -math.inf

    def _forget(self, now: float) -> None:
        horizon = now - self.window_s
        if any(s.ended is not None and s.ended <= horizon for s in self._sends):
            self._sends = [s for s in self._sends if s.ended is None or s.ended > horizon]

    def wait_time(self) -> float:
        """Seconds until the next event is allowed; 0 when it is allowed now."""
        now = self._monotonic()
        self._forget(now)
        wait = self._paused_until - now
        if len(self._sends) >= self.limit:
            ends = sorted(math.inf if s.ended is None else s.ended for s in self._sends)
            # the limit-th latest end; one still under way ends now at the earliest
            wait = max(wait, min(ends[-self.limit], now) + self.window_s - now)
        return max(wait, 0.0)

    def begin(self) -> _Send:
        send = _Send(None)
        self._sends.append(send)
        return send

    def finish(self, send: _Send) -> None:
        if send.ended is None:
            send.ended = self._monotonic()

    def record(self, ago_s: float = 0.0) -> None:
        """An event that began and ended `ago_s` seconds ago."""
        self._sends.append(_Send(self._monotonic() - ago_s))

    def pause(self, seconds: float) -> None:
        """Allow nothing for `seconds` (the platform said so, e.g. a 429's retry_after)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def idle(self) -> bool:
        """Nothing under way or in the window, no pause: forgetting it changes nothing."""
        now = self._monotonic()
        self._forget(now)
        return not self._sends and self._paused_until <= now


class DeliveryLimiter:
    """One platform's limits: overall, plus per private chat or per group chat.

    A group message counts against the overall and its group's window, a private one against
    the overall and its chat's window. Windows of chats idle for longer than their length are
    dropped, so the state stays as small as the set of recently active chats."""

    def __init__(self, limits: RateLimits, monotonic: Monotonic = time.monotonic) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._overall = SlidingWindow(*limits.overall_window, monotonic)
        self._chats: dict[str, SlidingWindow] = {}
        self._groups: dict[str, SlidingWindow] = {}
        self._prune_every_s = max(limits.chat_window[1], limits.group_window[1])
        self._next_prune = monotonic() + self._prune_every_s

    def _windows(self, group: bool) -> dict[str, SlidingWindow]:
        return self._groups if group else self._chats

    def _window_of(self, chat_id: str, group: bool) -> SlidingWindow:
        windows = self._windows(group)
        window = windows.get(chat_id)
        if window is None:
            limit, length = self.limits.group_window if group else self.limits.chat_window
            window = windows[chat_id] = SlidingWindow(limit, length, self._monotonic)
        return window

    def overall_wait(self) -> float:
        return self._overall.wait_time()

    def chat_wait(self, chat_id: str, *, group: bool) -> float:
        window = self._windows(group).get(chat_id)
        return 0.0 if window is None else window.wait_time()

    def wait_time(self, chat_id: str, *, group: bool) -> float:
        return max(self.overall_wait(), self.chat_wait(chat_id, group=group))

    def begin(self, chat_id: str, *, group: bool) -> Callable[[], None]:
        """Count a send from now; call the returned function when it has ended."""
        overall, chat = self._overall, self._window_of(chat_id, group)
        sends = overall.begin(), chat.begin()
        if self._monotonic() >= self._next_prune:
            self.prune()

        def finish() -> None:
            overall.finish(sends[0])
            chat.finish(sends[1])

        return finish

    def record(
        self, chat_id: str, *, group: bool, ago_s: float = 0.0, overall: bool = True
    ) -> None:
        """A send that ended `ago_s` seconds ago (now by default); `overall=False` counts it
        against its chat only."""
        if overall:
            self._overall.record(ago_s)
        self._window_of(chat_id, group).record(ago_s)
        if self._monotonic() >= self._next_prune:
            self.prune()

    async def until_allowed(self, chat_id: str, *, group: bool, sleep: Sleep) -> None:
        """Wait until a send to this chat is within every limit."""
        while (wait := self.wait_time(chat_id, group=group)) > 0:
            await sleep(wait)

    def pause_chat(self, chat_id: str, *, group: bool, seconds: float) -> None:
        self._window_of(chat_id, group).pause(seconds)

    def pause_all(self, seconds: float) -> None:
        self._overall.pause(seconds)

    def prune(self) -> None:
        for windows in (self._chats, self._groups):
            for chat_id in [c for c, window in windows.items() if window.idle()]:
                del windows[chat_id]
        self._next_prune = self._monotonic() + self._prune_every_s

    @property
    def tracked_chats(self) -> int:
        return len(self._chats) + len(self._groups)


# ---------------------------------------------------------------------------------------------
# The worker

EDIT_WAIT_S = 5.0  # an edit whose original is still queued looks again after this long
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 600.0
# while only rate-limited rows remain, look for newly queued ones at least this often
IDLE_STEP_S = 1.0
UNREACHABLE = "recipient unreachable: blocked the bot or left the chat"


def backoff_s(attempts: int) -> float:
    """The wait after the (attempts+1)-th failed try: 2 s, 4 s, 8 s, … up to 10 minutes."""
    return min(BACKOFF_BASE_S * 2.0 ** min(attempts, 32), BACKOFF_MAX_S)


def default_worker_id() -> str:
    """Unique per process and start, so a restarted worker never mistakes old claims for its own."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _after(now: datetime, seconds: float) -> datetime:
    # rounded up to the database's microseconds: never due before the limiter allows it
    return now + timedelta(microseconds=math.ceil(max(seconds, 0.0) * 1_000_000))


def _where(error: BaseException) -> str:
    """Where an exception came from, without its message (which may quote a user's text)."""
    return "".join(traceback.format_tb(error.__traceback__)).rstrip()


@dataclass(slots=True)
class _Ready:
    message: OutboxMessage
    outgoing: Outgoing
    replaces: str | None  # the platform id of the message this one edits
    group: bool


class OutboxWorker:
    """Delivers one front end's outbox (one bot account of a platform) through its sender, with
    that bot's own rate limits; several may run on one database."""

    def __init__(
        self,
        database: Database,
        sender: AsyncSender,
        limits: RateLimits,
        *,
        worker_id: str,
        front_end: str = "",
        max_attempts: int = 8,
        lease_seconds: float = 60,
        batch_size: int = 100,
        max_in_flight: int = 10,
        clock: Clock = _utcnow,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if min(max_attempts, lease_seconds, batch_size, max_in_flight) <= 0:
            raise ValueError("max_attempts, lease_seconds, batch sizes must be positive")
        self._database = database
        self._sender = sender
        self._platform = sender.platform.value
        # "" the shared bot, else a municipality key: only its rows are claimed, since another
        # bot's chat ids and message ids mean nothing to this one
        self._front_end = front_end
        self.worker_id = worker_id
        self.limiter = DeliveryLimiter(limits, monotonic)
        self._max_attempts = max_attempts
        self._lease = timedelta(seconds=lease_seconds)
        # a batch stops sending, and a send is abandoned, well before the claim runs out:
        # together they stay inside the lease, so no other worker recovers a live claim
        self._batch_budget_s = lease_seconds * 0.4
        self._send_timeout_s = lease_seconds * 0.4
        self._batch_size = batch_size
        # a send whose outcome a crash leaves unknown is sent again: where that can duplicate,
        # only one may be unknown at a time (latency then caps the rate: 1 / round trip)
        self._max_in_flight = max_in_flight if sender.idempotent else 1
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._nudge: asyncio.Event | None = None  # set by wake(): new rows are waiting

    # -- public ---------------------------------------------------------------------------------

    @classmethod
    def for_channel(
        cls,
        database: Database,
        sender: AsyncSender,
        options: DeliveryOptions,
        front_end: str = "",
    ) -> OutboxWorker:
        """A channel's worker, as `ehrenamt run` configures it."""
        return cls(
            database,
            sender,
            options.limits,
            worker_id=options.worker_id or default_worker_id(),
            front_end=front_end,
            max_attempts=options.max_attempts,
            lease_seconds=options.lease_seconds,
        )

    async def drain(self, chat_id: str | None = None) -> int:
        """Deliver everything due now (for one chat, when given), waiting as the rate limits
        demand; returns how many messages went out. Retries and edits waiting for their
        original are left for later runs."""
        return await self._drain(chat_id, None)

    async def run(self, stop: asyncio.Event, poll_interval: float = 0.5) -> None:
        """Deliver until `stop` is set; expired claims are recovered at start and once a lease."""
        next_recovery = -math.inf
        self._nudge = asyncio.Event()
        while not stop.is_set():
            self._nudge.clear()
            try:
                if self._monotonic() >= next_recovery:
                    next_recovery = self._monotonic() + self._lease.total_seconds()
                    self.recover_expired()
                await self._drain(None, stop)
            except Exception:
                # the worker's own statements carry ids and times, never a message text
                log.exception("outbox delivery on %s failed; trying again", self._platform)
            if not stop.is_set():
                await self._wait(poll_interval, stop, self._nudge)
        self._nudge = None

    def wake(self) -> None:
        """New messages were queued (call from the loop `run` runs on): deliver them now rather
        than at the next poll."""
        if self._nudge is not None:
            self._nudge.set()

    def recover_expired(self) -> int:
        """Send again what this bot's claims left open when their lease ran out (a send cut
        off midway)."""
        return len(self._recover(None))

    def take_over(self) -> int:
        """Start sending for the bot: take back the claims of the worker before this one (it is
        gone: the bot has one sender at a time) and count what the bot sent in the last
        minute against the limits. Returns how many claims were taken back."""
        now = self._clock()
        horizon = max(self.limiter.limits.chat_window[1], self.limiter.limits.group_window[1])
        with self._database.unit_of_work() as uow:
            sends = uow.outbox.recent_sends(
                self._platform, now - timedelta(seconds=horizon), front_end=self._front_end
            )
        for chat_id, sent_at in sends:
            ago = max((now - sent_at).total_seconds(), 0.0)
            self.limiter.record(chat_id, group=self._sender.is_group(chat_id), ago_s=ago)
        cut_off = self._recover(self.worker_id)
        # a send cut off midway may have reached its chat just now; of a batch cut off, at
        # most the sends in flight can have reached the platform
        for index, chat_id in enumerate(cut_off):
            group = self._sender.is_group(chat_id)
            self.limiter.record(chat_id, group=group, overall=index < self._max_in_flight)
        return len(cut_off)

    def _recover(self, other_than: str | None) -> list[str]:
        with self._database.unit_of_work() as uow:
            chats = uow.outbox.recover_claims(
                self._platform,
                self._clock(),
                front_end=self._front_end,
                other_than=other_than,
                max_attempts=self._max_attempts,
            )
            uow.commit()
        if chats:
            log.warning(
                "%d %s messages whose send was cut off are sent again", len(chats), self._platform
            )
        return chats

    # -- draining -------------------------------------------------------------------------------

    async def _drain(self, chat_id: str | None, stop: asyncio.Event | None) -> int:
        sent = 0
        # rows this drain handed back for a chat's rate limit, with when they are due again:
        # they were due when the drain began, so the drain waits for them
        deferred: dict[int, datetime] = {}
        while stop is None or not stop.is_set():
            now = self._clock()
            with self._database.unit_of_work() as uow:
                batch = uow.outbox.claim(
                    self._platform,
                    now,
                    self._batch_size,
                    self.worker_id,
                    now + self._lease,
                    chat_id,
                    front_end=self._front_end,
                )
                uow.commit()
            if batch:
                for message in batch:
                    deferred.pop(message.id, None)
                sent += await self._deliver_batch(batch, deferred, stop)
                continue
            # due yet not claimable: another worker has them
            deferred = {key: at for key, at in deferred.items() if at > now}
            if not deferred:
                break
            wait = (min(deferred.values()) - now).total_seconds()
            await self._wait(min(wait, IDLE_STEP_S), stop)
        return sent

    async def _wait(
        self, seconds: float, stop: asyncio.Event | None, nudge: asyncio.Event | None = None
    ) -> None:
        if stop is None:
            await self._sleep(seconds)
            return
        waits = [asyncio.ensure_future(self._sleep(seconds)), asyncio.ensure_future(stop.wait())]
        if nudge is not None:
            waits.append(asyncio.ensure_future(nudge.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def _deliver_batch(
        self,
        batch: list[OutboxMessage],
        deferred: dict[int, datetime],
        stop: asyncio.Event | None,
    ) -> int:
        started = self._monotonic()
        # one row per chat in a batch, so sends to different chats may overlap: with a
        # platform's latency, one at a time could not reach the allowed rate
        in_flight: dict[asyncio.Future[bool], int] = {}
        # handed to the sender, outcome not recorded: never released, left to recovery
        unsettled: set[int] = set()
        failure: BaseException | None = None
        queue: list[_Ready] = []
        sent = 0

        def reap(done: set[asyncio.Future[bool]]) -> None:
            nonlocal sent, failure
            for task in done:
                message_id = in_flight.pop(task)
                error = None if task.cancelled() else task.exception()
                if task.cancelled() or error is not None:
                    unsettled.add(message_id)
                    failure = failure or error
                elif task.result():
                    sent += 1

        try:
            queue = self._prepare(batch)
            while queue:
                reap({task for task in in_flight if task.done()})
                if failure is not None or (stop is not None and stop.is_set()):
                    break
                if self._monotonic() - started > self._batch_budget_s:
                    break
                if len(in_flight) >= self._max_in_flight:
                    done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    reap(done)
                    continue
                index = next(
                    (
                        i
                        for i, item in enumerate(queue)
                        if self.limiter.chat_wait(item.message.chat_id, group=item.group) <= 0
                    ),
                    None,
                )
                if index is None:
                    self._defer(queue, deferred)
                    queue = []
                    break
                overall = self.limiter.overall_wait()
                if overall > 0:
                    await self._wait(overall, stop)
                    continue
                item = queue.pop(index)
                # counted from now, before the next check: the send itself starts later
                finished = self.limiter.begin(item.message.chat_id, group=item.group)
                in_flight[asyncio.ensure_future(self._send(item, finished))] = item.message.id
            if in_flight:
                done, _ = await asyncio.wait(in_flight)
                reap(done)
            if failure is not None:
                raise failure
        except BaseException:
            # cancelled or broken: rows not yet handed to the sender go back at once rather
            # than expiring into "outcome unknown" (rows already settled are no longer claimed,
            # so the release passes them by); a send cut off midway stays claimed
            for task in in_flight:
                task.cancel()
            keep = unsettled | set(in_flight.values())
            self._release_quietly([m.id for m in batch if m.id not in keep], "interrupted")
            raise
        if queue:
            # stopping, or the claim is running out: the rest is due again at once
            reason = "worker stopping" if stop is not None and stop.is_set() else "claim expiring"
            self._release_quietly([i.message.id for i in queue], reason)
        return sent

    def _release_quietly(self, message_ids: list[int], reason: str) -> None:
        try:
            with self._database.unit_of_work() as uow:
                uow.outbox.release(
                    message_ids, self.worker_id, self._clock(), f"released unsent: {reason}"
                )
                uow.commit()
        except Exception:
            log.exception("could not release %d claimed outbox rows", len(message_ids))

    def _prepare(self, batch: list[OutboxMessage]) -> list[_Ready]:
        """Settle the rows that need no send (unreachable recipient, edit of a message nobody
        got, edit of one still queued) and resolve the platform id an edit replaces."""
        ready: list[_Ready] = []
        identity_ids = {m.identity_id for m in batch if m.identity_id is not None}
        with self._database.unit_of_work() as uow:
            unreachable = uow.identities.unreachable_among(identity_ids)
            for message in batch:
                if message.identity_id is not None and message.identity_id in unreachable:
                    uow.outbox.mark_failed(
                        message.id, self.worker_id, UNREACHABLE, None, attempted=False
                    )
                    uow.commit()
                    continue
                try:
                    outgoing = Outgoing.from_payload(message.payload)
                except Exception as error:
                    log.error(
                        "outbox message %s: unreadable payload (%s)",
                        message.id,
                        type(error).__name__,
                    )
                    uow.outbox.mark_failed(
                        message.id, self.worker_id, "unreadable payload", None, attempted=False
                    )
                    uow.commit()
                    continue
                replaces: str | None = None
                if outgoing.replaces is not None:
                    original = uow.outbox.get_by_key(outgoing.replaces)
                    if original is None or original.status in (
                        OutboxStatus.FAILED,
                        OutboxStatus.CANCELLED,
                    ):
                        # a follow-up to a message nobody got would make no sense to them
                        uow.outbox.cancel(
                            message.id, self.worker_id, "the edited message was never delivered"
                        )
                        uow.commit()
                        continue
                    if original.status is not OutboxStatus.SENT:
                        uow.outbox.release(
                            [message.id],
                            self.worker_id,
                            _after(self._clock(), EDIT_WAIT_S),
                            "waiting for the edited message to go out",
                        )
                        uow.commit()
                        continue
                    # without a platform id (console) the edit goes out as a new message
                    replaces = original.platform_message_id
                group = self._sender.is_group(message.chat_id)
                ready.append(_Ready(message, outgoing, replaces, group))
        return ready

    def _defer(self, items: list[_Ready], deferred: dict[int, datetime]) -> None:
        """Hand back the rows whose chat must wait, each due when its chat may send again."""
        now = self._clock()
        with self._database.unit_of_work() as uow:
            for item in items:
                wait = self.limiter.chat_wait(item.message.chat_id, group=item.group)
                at = _after(now, wait)
                uow.outbox.release([item.message.id], self.worker_id, at, "deferred: rate limit")
                deferred[item.message.id] = at
            uow.commit()

    # -- one send -------------------------------------------------------------------------------

    async def _send(self, item: _Ready, finished: Callable[[], None]) -> bool:
        """Send one row and commit its outcome; True when it went out."""
        message = item.message
        scope = asyncio.timeout(self._send_timeout_s)
        calls = [finished]  # each call of this message ends when the next begins, or at the end

        async def pace() -> None:
            calls[-1]()
            await self.limiter.until_allowed(message.chat_id, group=item.group, sleep=self._sleep)
            calls.append(self.limiter.begin(message.chat_id, group=item.group))

        try:
            async with scope:
                try:
                    platform_id = await self._sender.send(
                        item.outgoing,
                        replaces=item.replaces,
                        transaction_id=message.transaction_id or f"outbox-{message.id}",
                        pace=pace,
                    )
                finally:
                    calls[-1]()
        except RetryLater as error:
            if error.retry_after_s and error.whole_platform:
                self.limiter.pause_all(error.retry_after_s)
            elif error.retry_after_s:
                self.limiter.pause_chat(
                    message.chat_id, group=item.group, seconds=error.retry_after_s
                )
            self._retry(message, str(error), error.retry_after_s)
            return False
        except Undeliverable as error:
            self._undeliverable(message, error)
            return False
        except TimeoutError as error:
            if not scope.expired():
                self._unexpected(message, error)
            else:
                # it may have gone out; not sending it again could lose it
                self._retry(message, "outcome unknown: send timed out", None)
            return False
        except Exception as error:
            self._unexpected(message, error)
            return False
        with self._database.unit_of_work() as uow:
            kept = uow.outbox.mark_sent(message.id, self.worker_id, platform_id, at=self._clock())
            uow.commit()
        if not kept:
            log.warning("outbox message %s went out after its claim was recovered", message.id)
        return True

    def _unexpected(self, message: OutboxMessage, error: Exception) -> None:
        log.error(
            "outbox message %s: sender raised %s\n%s",
            message.id,
            type(error).__name__,
            _where(error),
        )
        self._retry(message, f"sender raised {type(error).__name__}", None)

    def _retry(self, message: OutboxMessage, reason: str, retry_after_s: float | None) -> None:
        attempts = message.attempts + 1
        if attempts >= self._max_attempts:
            log.warning("outbox message %s given up after %d attempts", message.id, attempts)
            self._fail(message, f"gave up after {attempts} attempts: {reason}")
            return
        wait = max(retry_after_s or 0.0, backoff_s(message.attempts))
        with self._database.unit_of_work() as uow:
            uow.outbox.mark_failed(message.id, self.worker_id, reason, _after(self._clock(), wait))
            uow.commit()

    def _fail(self, message: OutboxMessage, reason: str) -> None:
        with self._database.unit_of_work() as uow:
            uow.outbox.mark_failed(message.id, self.worker_id, reason, None)
            uow.commit()

    def _undeliverable(self, message: OutboxMessage, error: Undeliverable) -> None:
        log.warning(
            "outbox message %s undeliverable%s", message.id, " (blocked)" if error.blocked else ""
        )
        with self._database.unit_of_work() as uow:
            uow.outbox.mark_failed(message.id, self.worker_id, str(error), None)
            if error.blocked and message.identity_id is not None:
                # blocked by this bot: unreachable only if it is still the user's bot
                uow.identities.mark_unreachable(
                    message.identity_id, self._clock(), via=message.front_end
                )
            uow.commit()


def _moving_from(now: datetime) -> Clock:
    # time still moves on from `now`, or a wait for a later time would never end
    start = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - start)


def deliver_due(
    database: Database,
    platform: Platform,
    sender: AsyncSender,
    *,
    now: datetime | None = None,
    limit: int = 50,
    chat_id: str | None = None,
) -> int:
    """Deliver what is due, synchronously (the console); returns how many messages went out."""
    if platform is not sender.platform:
        raise ValueError(f"a {sender.platform.value} sender cannot deliver {platform.value}")
    clock = _utcnow if now is None else _moving_from(now)
    worker = OutboxWorker(
        database,
        sender,
        CONSOLE_LIMITS,
        worker_id=default_worker_id(),
        batch_size=limit,
        clock=clock,
    )
    return asyncio.run(worker.drain(chat_id))
