"""The outbox worker on fake time: a fake monotonic clock, a wall clock that follows it, and a
sleep that only moves them on, so no test waits for real."""

from __future__ import annotations

import asyncio
import logging
import threading
import time as time_module
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery import (
    UNREACHABLE,
    OutboxWorker,
    Pace,
    RateLimits,
    RetryLater,
    Undeliverable,
    backoff_s,
    deliver_due,
)
from bot.messages import Outgoing
from domain.actors import Platform, PlatformIdentity
from storage.records import OutboxMessage, OutboxStatus
from storage.unit_of_work import Database

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
TELEGRAM = RateLimits(messages_per_second=25, per_chat_per_second=1, per_group_per_minute=20)
GENEROUS = RateLimits(
    messages_per_second=10_000, per_chat_per_second=10_000, per_group_per_minute=1e6
)


class FakeTime:
    def __init__(self) -> None:
        self.elapsed = 0.0

    def monotonic(self) -> float:
        return 1000.0 + self.elapsed

    def now(self) -> datetime:
        return NOW + timedelta(seconds=self.elapsed)

    async def sleep(self, seconds: float) -> None:
        # sends already started run first, at the time they were started
        await asyncio.sleep(0)
        self.elapsed += max(seconds, 0.0)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds


@dataclass
class Call:
    text: str
    chat_id: str
    replaces: str | None
    at: float  # fake seconds since the start
    transaction_id: str | None = None


@dataclass
class RecordingSender:
    """Records every call; `failures` maps a text to what its next calls raise, in turn."""

    time: FakeTime | None = None
    groups: frozenset[str] = frozenset()
    failures: dict[str, list[Exception]] = field(default_factory=dict)
    idempotent: bool = True
    platform: Platform = Platform.TELEGRAM
    calls: list[Call] = field(default_factory=list)
    sent: list[Call] = field(default_factory=list)

    def is_group(self, chat_id: str) -> bool:
        return chat_id in self.groups

    async def send(
        self,
        message: Outgoing,
        *,
        replaces: str | None = None,
        transaction_id: str | None = None,
        pace: Pace | None = None,
    ) -> str | None:
        elapsed = self.time.elapsed if self.time else 0
        call = Call(message.text, message.chat_id, replaces, elapsed, transaction_id)
        self.calls.append(call)
        planned = self.failures.get(message.text)
        if planned:
            raise planned.pop(0)
        self.sent.append(call)
        return f"tg-{len(self.sent)}"

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.sent]


def queue(
    database: Database,
    chat_id: str,
    text: str,
    *,
    at: datetime = NOW,
    identity_id: int | None = None,
    replaces: str | None = None,
    key: str | None = None,
) -> int:
    with database.unit_of_work() as uow:
        message_id = uow.outbox.enqueue(
            idempotency_key=key or text,
            platform="telegram",
            chat_id=chat_id,
            identity_id=identity_id,
            payload=Outgoing(chat_id=chat_id, text=text, replaces=replaces).to_payload(),
            not_before=at,
        )
        uow.commit()
    return message_id


def identity(database: Database, user: str) -> int:
    with database.unit_of_work() as uow:
        record = uow.identities.get_or_create(PlatformIdentity(Platform.TELEGRAM, user))
        uow.commit()
    return record.id


def row(database: Database, message_id: int) -> OutboxMessage:
    with database.unit_of_work() as uow:
        return uow.outbox.get(message_id)


def worker(
    database: Database,
    sender: RecordingSender,
    time: FakeTime,
    limits: RateLimits = TELEGRAM,
    *,
    worker_id: str = "w1",
    sleep: Callable[[float], Awaitable[object]] | None = None,
    **options: int,
) -> OutboxWorker:
    return OutboxWorker(
        database,
        sender,
        limits,
        worker_id=worker_id,
        clock=time.now,
        monotonic=time.monotonic,
        sleep=sleep or time.sleep,
        **options,
    )


def drain(outbox_worker: OutboxWorker, chat_id: str | None = None) -> int:
    return asyncio.run(outbox_worker.drain(chat_id))


def window_violations(times: list[float], limit: int, window_s: float) -> int:
    ordered = sorted(times)
    return sum(
        1 for i in range(len(ordered) - limit) if ordered[i + limit] - ordered[i] < window_s - 1e-9
    )


# --- order and rate ------------------------------------------------------------------------------


def test_drain_delivers_each_chats_messages_in_id_order(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    for n in range(4):
        for chat in ("anna", "ben", "cem"):
            queue(database, chat, f"{chat}-{n}")
    assert drain(worker(database, sender, time)) == 12
    for chat in ("anna", "ben", "cem"):
        mine = [c for c in sender.sent if c.chat_id == chat]
        assert [c.text for c in mine] == [f"{chat}-{n}" for n in range(4)]
        assert window_violations([c.at for c in mine], 1, 1.0) == 0
    # the chats take turns: three messages a second, not one chat after another
    assert [c.at for c in sender.sent] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_a_busy_chat_does_not_stall_the_others(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    for n in range(10):
        queue(database, "busy", f"busy-{n}")
    for chat in ("a", "b", "c"):
        queue(database, chat, f"{chat}-0")
    assert drain(worker(database, sender, time)) == 13
    quiet = [c for c in sender.sent if c.chat_id != "busy"]
    assert [c.at for c in quiet] == [0, 0, 0]
    busy = [c for c in sender.sent if c.chat_id == "busy"]
    assert [c.text for c in busy] == [f"busy-{n}" for n in range(10)]
    assert busy[-1].at == pytest.approx(9)


def test_group_chats_are_held_to_their_minute_limit(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time, groups=frozenset({"-100group"}))
    for n in range(25):
        queue(database, "-100group", f"group-{n}")
    queue(database, "anna", "private-0")
    queue(database, "anna", "private-1")
    assert drain(worker(database, sender, time)) == 27
    group = [c for c in sender.sent if c.chat_id == "-100group"]
    assert [c.text for c in group] == [f"group-{n}" for n in range(25)]
    assert window_violations([c.at for c in group], 20, 60.0) == 0
    assert group[20].at == pytest.approx(60)
    # the group's wait is its own: the private chat goes on at 1/s meanwhile
    assert [c.at for c in sender.sent if c.chat_id == "anna"] == [0, 1]


def test_throughput_500_chats_at_25_per_second(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    for n in range(500):
        queue(database, f"chat-{n}", f"hello-{n}")
    assert drain(worker(database, sender, time)) == 500
    times = [c.at for c in sender.sent]
    assert window_violations(times, 25, 1.0) == 0
    # 25 a second: the 500th message leaves in the 20th second, at ≥ 95 % of the rate
    assert 19.0 <= time.elapsed <= 20 / 0.95
    assert sorted(sender.texts) == sorted(f"hello-{n}" for n in range(500))


@pytest.mark.parametrize("idempotent", [True, False])
def test_sends_overlap_only_where_a_resend_cannot_duplicate(
    sqlite_database: Database, idempotent: bool
) -> None:
    """Real time here: 40 sends of 50 ms each would take 2 s one after another. Overlapping,
    latency does not cap the rate; but where a resend after a crash would duplicate
    (Telegram), only one send may be in flight, so a crash doubles at most one message."""
    chats = 40 if idempotent else 6
    for n in range(chats):
        queue(sqlite_database, f"chat-{n}", f"m-{n}")
    overlapping = 0
    most = 0

    class SlowSender(RecordingSender):
        async def send(
            self,
            message: Outgoing,
            *,
            replaces: str | None = None,
            transaction_id: str | None = None,
            pace: Pace | None = None,
        ) -> str | None:
            nonlocal overlapping, most
            overlapping += 1
            most = max(most, overlapping)
            await asyncio.sleep(0.05)
            overlapping -= 1
            return await super().send(message, replaces=replaces)

    sender = SlowSender(idempotent=idempotent)
    limits = RateLimits(messages_per_second=200, per_chat_per_second=1, per_group_per_minute=20)
    outbox_worker = OutboxWorker(
        sqlite_database, sender, limits, worker_id="w", max_in_flight=8, clock=lambda: NOW
    )
    started = time_module.monotonic()
    assert asyncio.run(outbox_worker.drain()) == chats
    if idempotent:
        assert time_module.monotonic() - started < 1.5
        assert most == 8
    else:
        assert most == 1


# --- failures ------------------------------------------------------------------------------------


def test_a_429_requeues_with_its_wait_and_is_sent_once_later(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time, failures={"first": [RetryLater("429", retry_after_s=30)]})
    first = queue(database, "anna", "first")
    second = queue(database, "anna", "second")
    other = queue(database, "ben", "other")
    outbox_worker = worker(database, sender, time)
    assert drain(outbox_worker) == 1  # ben's
    retried = row(database, first)
    assert retried.status is OutboxStatus.PENDING
    assert retried.attempts == 1
    assert retried.not_before == NOW + timedelta(seconds=30)
    assert row(database, other).status is OutboxStatus.SENT
    time.advance(29)
    assert drain(outbox_worker) == 0  # anna's second waits behind her first
    assert sender.texts == ["other"]
    time.advance(1)
    assert drain(outbox_worker) == 2
    assert sender.texts == ["other", "first", "second"]
    assert [c.text for c in sender.calls].count("first") == 2
    assert row(database, first).status is OutboxStatus.SENT
    assert row(database, second).status is OutboxStatus.SENT
    # every try of a message carries its stored transaction id (Matrix: a retry cannot post twice)
    tries = {c.transaction_id for c in sender.calls if c.text == "first"}
    assert tries == {row(database, first).transaction_id}
    assert row(database, first).transaction_id != row(database, second).transaction_id


def test_a_429_for_the_whole_account_holds_every_chat(database: Database) -> None:
    time = FakeTime()
    limited = RetryLater("429", retry_after_s=30, whole_platform=True)
    sender = RecordingSender(time, failures={"first": [limited]})
    first = queue(database, "anna", "first")
    outbox_worker = worker(database, sender, time)
    assert drain(outbox_worker) == 0
    queue(database, "ben", "other", at=NOW + timedelta(seconds=1))
    time.advance(1)
    # ben's waited until the account could send again (and anna's retry came due with it)
    assert drain(outbox_worker) == 2
    (other,) = [call for call in sender.sent if call.text == "other"]
    assert other.at >= 30
    assert row(database, first).status is OutboxStatus.SENT


def test_retries_back_off_and_give_up_after_max_attempts(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time, failures={"flaky": [RetryLater("503")] * 10})
    message = queue(database, "anna", "flaky")
    outbox_worker = worker(database, sender, time, max_attempts=3)
    drain(outbox_worker)
    assert row(database, message).not_before == NOW + timedelta(seconds=backoff_s(0))
    time.advance(backoff_s(0))
    drain(outbox_worker)
    assert row(database, message).not_before == time.now() + timedelta(seconds=backoff_s(1))
    time.advance(backoff_s(1))
    drain(outbox_worker)
    time.advance(3600)
    drain(outbox_worker)
    given_up = row(database, message)
    assert given_up.status is OutboxStatus.FAILED
    assert given_up.attempts == 3
    assert given_up.last_error == "gave up after 3 attempts: 503"
    assert len(sender.calls) == 3


def test_backoff_doubles_up_to_ten_minutes() -> None:
    assert [backoff_s(n) for n in range(4)] == [2, 4, 8, 16]
    assert backoff_s(20) == backoff_s(1000) == 600


def test_a_blocked_user_is_marked_unreachable_and_gets_nothing_more(database: Database) -> None:
    time = FakeTime()
    anna, ben = identity(database, "101"), identity(database, "102")
    sender = RecordingSender(
        time, failures={"anna-1": [Undeliverable("403 blocked by the user", blocked=True)]}
    )
    first = queue(database, "anna", "anna-1", identity_id=anna)
    second = queue(database, "anna", "anna-2", identity_id=anna)
    queue(database, "ben", "ben-1", identity_id=ben)
    queue(database, "ben", "ben-2", identity_id=ben)
    outbox_worker = worker(database, sender, time)
    assert drain(outbox_worker) == 2
    assert sender.texts == ["ben-1", "ben-2"]
    assert [c.text for c in sender.calls if c.chat_id == "anna"] == ["anna-1"]
    assert row(database, first).status is OutboxStatus.FAILED
    unsent = row(database, second)
    assert (unsent.status, unsent.attempts, unsent.last_error) == (
        OutboxStatus.FAILED,
        0,
        UNREACHABLE,
    )
    with database.unit_of_work() as uow:
        assert uow.identities.unreachable_among({anna, ben}) == {anna}
    # a message queued later for her is failed unsent too
    later = queue(database, "anna", "anna-3", identity_id=anna)
    drain(outbox_worker)
    assert row(database, later).status is OutboxStatus.FAILED
    assert len(sender.calls) == 3


def test_undeliverable_without_a_block_fails_only_that_message(database: Database) -> None:
    time = FakeTime()
    anna = identity(database, "101")
    sender = RecordingSender(time, failures={"too long": [Undeliverable("400 message too long")]})
    broken = queue(database, "anna", "too long", identity_id=anna)
    queue(database, "anna", "fine", identity_id=anna)
    assert drain(worker(database, sender, time)) == 1
    assert row(database, broken).last_error == "400 message too long"
    with database.unit_of_work() as uow:
        assert uow.identities.unreachable_among({anna}) == set()


def test_a_crashing_send_is_retried_and_logged_without_the_text(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    time = FakeTime()
    secret = "Ich wohne in der Jakobstraße 12"
    sender = RecordingSender(time, failures={secret: [RuntimeError(f"cannot send {secret!r}")]})
    message = queue(database, "anna", secret, key="k1")
    outbox_worker = worker(database, sender, time)
    with caplog.at_level(logging.DEBUG, logger="bot.delivery"):
        assert drain(outbox_worker) == 0
    assert "RuntimeError" in caplog.text
    assert "Jakobstraße" not in caplog.text
    assert row(database, message).status is OutboxStatus.PENDING
    time.advance(backoff_s(0))
    assert drain(outbox_worker) == 1


# --- edits ---------------------------------------------------------------------------------------


def test_an_edit_of_a_sent_message_edits_it_on_the_platform(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    queue(database, "anna", "🚨 Need a driver", key="alert:7")
    outbox_worker = worker(database, sender, time)
    drain(outbox_worker)
    queue(database, "anna", "Already taken, thanks!", key="alert:7:closed", replaces="alert:7")
    time.advance(1)
    drain(outbox_worker)
    assert [(c.text, c.replaces) for c in sender.sent] == [
        ("🚨 Need a driver", None),
        ("Already taken, thanks!", "tg-1"),
    ]


def test_an_edit_of_a_message_without_platform_id_goes_out_as_new(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    original = queue(database, "anna", "alert", key="alert:7")
    edit = queue(database, "anna", "closed", key="alert:7:closed", replaces="alert:7")
    with database.unit_of_work() as uow:
        uow.outbox.claim("telegram", NOW, 1, "console", NOW + timedelta(minutes=1))
        uow.outbox.mark_sent(original, "console", None)
        uow.commit()
    drain(worker(database, sender, time))
    assert [(c.text, c.replaces) for c in sender.sent] == [("closed", None)]
    assert row(database, edit).status is OutboxStatus.SENT


def test_an_edit_waits_while_its_original_is_queued(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    # the original is scheduled for later, the edit is due now
    queue(database, "anna", "alert", key="alert:7", at=NOW + timedelta(seconds=3))
    edit = queue(database, "anna", "closed", key="alert:7:closed", replaces="alert:7")
    outbox_worker = worker(database, sender, time)
    assert drain(outbox_worker) == 0
    waiting = row(database, edit)
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 0)
    assert waiting.not_before == NOW + timedelta(seconds=5)
    assert sender.calls == []
    time.advance(5)
    assert drain(outbox_worker) == 2
    assert [(c.text, c.replaces) for c in sender.sent] == [("alert", None), ("closed", "tg-1")]


@pytest.mark.parametrize("original_fate", ["failed", "missing"])
def test_an_edit_of_a_message_nobody_got_is_cancelled(
    database: Database, original_fate: str
) -> None:
    time = FakeTime()
    sender = RecordingSender(time, failures={"alert": [Undeliverable("400 chat not found")]})
    if original_fate == "failed":
        queue(database, "anna", "alert", key="alert:7")
    edit = queue(database, "anna", "closed", key="alert:7:closed", replaces="alert:7")
    assert drain(worker(database, sender, time)) == 0
    cancelled = row(database, edit)
    assert cancelled.status is OutboxStatus.CANCELLED
    assert cancelled.last_error == "the edited message was never delivered"
    assert all(c.text != "closed" for c in sender.calls)


def test_an_edit_of_a_cancelled_edit_is_cancelled(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    first = queue(database, "anna", "edit-1", key="e1", replaces="never-queued")
    second = queue(database, "anna", "edit-2", key="e2", replaces="e1")
    drain(worker(database, sender, time))
    assert row(database, first).status is OutboxStatus.CANCELLED
    assert row(database, second).status is OutboxStatus.CANCELLED
    assert sender.calls == []


# --- restarts and claims -------------------------------------------------------------------------


def test_a_new_worker_delivers_what_a_dropped_one_left(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    for n in range(6):
        queue(database, f"chat-{n}", f"m-{n}")
    slow = RateLimits(messages_per_second=2, per_chat_per_second=1, per_group_per_minute=20)

    async def stuck(seconds: float) -> None:
        await asyncio.Event().wait()

    async def interrupted() -> None:
        first = worker(database, sender, time, slow, worker_id="first", sleep=stuck)
        task = asyncio.create_task(first.drain())
        while len(sender.sent) < 2:
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    with database.unit_of_work() as uow:
        counts = uow.outbox.count_by_status("telegram")
    assert counts == {OutboxStatus.SENT: 2, OutboxStatus.PENDING: 4}
    second = worker(database, sender, time, slow, worker_id="second")
    assert drain(second) == 4
    assert Counter(sender.texts) == Counter(f"m-{n}" for n in range(6))


def test_a_send_cut_off_midway_is_left_to_recovery_then_resent(database: Database) -> None:
    time = FakeTime()
    hanging = queue(database, "anna", "hangs")
    others = [queue(database, chat, chat) for chat in ("ben", "cem")]
    in_send = asyncio.Event()

    class HangingSender(RecordingSender):
        async def send(
            self,
            message: Outgoing,
            *,
            replaces: str | None = None,
            transaction_id: str | None = None,
            pace: Pace | None = None,
        ) -> str | None:
            if message.text == "hangs" and not in_send.is_set():
                in_send.set()
                await asyncio.Event().wait()
            return await super().send(message, replaces=replaces)

    sender = HangingSender(time)

    async def cut_off() -> None:
        # one send at a time: ben and cem are still waiting their turn when it is cut off
        one_at_a_time = worker(database, sender, time, max_in_flight=1)
        task = asyncio.create_task(one_at_a_time.drain())
        await in_send.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cut_off())
    # it may have gone out: it stays claimed until its lease runs out
    assert row(database, hanging).status is OutboxStatus.SENDING
    assert [row(database, m).status for m in others] == [OutboxStatus.PENDING] * 2
    time.advance(61)
    successor = worker(database, sender, time, worker_id="w2")
    assert successor.recover_expired() == 1
    assert drain(successor) == 3
    # it may have gone out before: a rare duplicate beats a silent loss
    assert row(database, hanging).status is OutboxStatus.SENT
    assert sorted(sender.texts) == ["ben", "cem", "hangs"]


def test_expired_claims_are_resent(database: Database) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    message = queue(database, "anna", "maybe sent")
    with database.unit_of_work() as uow:
        uow.outbox.claim("telegram", NOW, 10, "dead", NOW + timedelta(seconds=60))
        uow.commit()
    outbox_worker = worker(database, sender, time)
    assert drain(outbox_worker) == 0  # still claimed by the dead worker
    assert outbox_worker.recover_expired() == 0
    time.advance(61)
    assert outbox_worker.recover_expired() == 1
    drain(outbox_worker)
    recovered = row(database, message)
    assert recovered.status is OutboxStatus.SENT
    assert sender.texts == ["maybe sent"]
    assert recovered.attempts == 2  # the unknown try counts


def test_a_new_leader_takes_back_every_claim_of_the_one_before_at_once(
    database: Database,
) -> None:
    time = FakeTime()
    sender = RecordingSender(time)
    claimed = queue(database, "anna", "in flight when the leader died")
    with database.unit_of_work() as uow:
        uow.outbox.claim("telegram", NOW, 10, "dead", NOW + timedelta(seconds=60))
        uow.commit()
    successor = worker(database, sender, time, worker_id="next")
    assert successor.take_over() == 1  # no waiting for the lease to run out
    assert drain(successor) == 1
    assert row(database, claimed).status is OutboxStatus.SENT
    assert sender.texts == ["in flight when the leader died"]


def test_a_new_leader_counts_what_the_bot_sent_in_the_last_minute(database: Database) -> None:
    time = FakeTime()
    with database.unit_of_work() as uow:
        for chat in ("anna", "club"):
            message_id = uow.outbox.enqueue(
                idempotency_key=f"before-{chat}",
                platform="telegram",
                chat_id=chat,
                identity_id=None,
                payload=Outgoing(chat_id=chat, text="x").to_payload(),
                not_before=NOW,
            )
            uow.outbox.claim("telegram", NOW, 10, "old", NOW + timedelta(seconds=60))
            uow.outbox.mark_sent(message_id, "old", "1", at=NOW)
        uow.commit()
    queue(database, "anna", "next one")
    sender = RecordingSender(time, groups=frozenset({"club"}))
    successor = worker(database, sender, time, worker_id="next")
    successor.take_over()
    assert successor.limiter.chat_wait("anna", group=False) == pytest.approx(1.0)
    assert successor.limiter.chat_wait("club", group=True) == 0  # one of 20 a minute
    drain(successor)
    assert [c.at for c in sender.sent] == [pytest.approx(1.0)]


def test_every_call_of_a_message_counts_against_the_chat_limit(database: Database) -> None:
    time = FakeTime()

    class TwoCalls(RecordingSender):
        async def send(
            self,
            message: Outgoing,
            *,
            replaces: str | None = None,
            transaction_id: str | None = None,
            pace: Pace | None = None,
        ) -> str | None:
            sent = await super().send(message, replaces=replaces)
            assert pace is not None
            await pace()  # e.g. the location-request keyboard after a text with buttons
            self.sent.append(
                Call(f"{message.text} (keyboard)", message.chat_id, None, time.elapsed)
            )
            return sent

    sender = TwoCalls(time)
    for n in range(3):
        queue(database, "anna", f"m-{n}")
    assert drain(worker(database, sender, time)) == 3
    # one call a second in the chat, the follow-ups included
    assert [c.at for c in sender.sent] == pytest.approx([0, 1, 2, 3, 4, 5])


def test_run_recovers_delivers_survives_and_stops(database: Database) -> None:
    time = FakeTime()
    long_ago = NOW - timedelta(minutes=5)
    dead = queue(database, "zoe", "from a dead worker", at=long_ago)
    with database.unit_of_work() as uow:
        uow.outbox.claim("telegram", long_ago, 10, "dead", long_ago + timedelta(minutes=1))
        uow.commit()
    sender = RecordingSender(time, failures={"b": [RuntimeError("network down")]})
    for text in ("a", "b", "c"):
        queue(database, text, text)
    outbox_worker = worker(database, sender, time)
    stop = asyncio.Event()

    async def scenario() -> None:
        task = asyncio.create_task(outbox_worker.run(stop, poll_interval=0.5))
        while len(sender.sent) < 4:
            await asyncio.sleep(0)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(asyncio.wait_for(scenario(), timeout=30))
    assert sorted(sender.texts) == ["a", "b", "c", "from a dead worker"]
    assert row(database, dead).status is OutboxStatus.SENT
    assert time.elapsed >= backoff_s(0)


@pytest.mark.postgres
def test_two_workers_on_postgres_send_each_of_200_messages_once(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("concurrent claims are PostgreSQL's")
    for n in range(200):
        queue(database, f"chat-{n % 20}", f"m-{n:03d}", at=datetime.now(UTC) - timedelta(1))
    lock = threading.Lock()
    sent: list[tuple[str, str, str]] = []  # (worker, chat, text) in the order they went out
    start = threading.Barrier(2)

    @dataclass
    class SharedSender:
        name: str
        platform: Platform = Platform.TELEGRAM
        idempotent: bool = True

        def is_group(self, chat_id: str) -> bool:
            return False

        async def send(
            self,
            message: Outgoing,
            *,
            replaces: str | None = None,
            transaction_id: str | None = None,
            pace: Pace | None = None,
        ) -> str | None:
            await asyncio.sleep(0)
            with lock:
                sent.append((self.name, message.chat_id, message.text))
            return None

    errors: list[BaseException] = []

    def run_worker(name: str) -> None:
        try:
            own = Database(database.url, engine=database.engine)
            outbox_worker = OutboxWorker(
                own, SharedSender(name), GENEROUS, worker_id=name, batch_size=7
            )
            start.wait()
            asyncio.run(outbox_worker.drain())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run_worker, args=(n,)) for n in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    texts = Counter(text for _, _, text in sent)
    assert len(texts) == 200
    assert set(texts.values()) == {1}
    assert {name for name, _, _ in sent} == {"w1", "w2"}
    for chat in range(20):
        in_chat = [text for _, c, text in sent if c == f"chat-{chat}"]
        assert in_chat == sorted(in_chat)
    with database.unit_of_work() as uow:
        assert uow.outbox.count_by_status("telegram") == {OutboxStatus.SENT: 200}


# --- the console's synchronous entry -------------------------------------------------------------


def test_deliver_due_sends_synchronously(database: Database) -> None:
    sender = RecordingSender()
    for n in range(3):
        queue(database, "anna", f"reply-{n}", at=datetime.now(UTC) - timedelta(seconds=1))
    queue(database, "ben", "not for anna", at=datetime.now(UTC) - timedelta(seconds=1))
    assert deliver_due(database, Platform.TELEGRAM, sender, chat_id="anna") == 3
    assert sender.texts == ["reply-0", "reply-1", "reply-2"]
    with pytest.raises(ValueError, match="cannot deliver"):
        deliver_due(database, Platform.MATRIX, sender)
