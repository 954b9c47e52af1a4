from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from domain.actors import Platform, PlatformIdentity
from storage.records import ConversationState, OutboxStatus
from storage.unit_of_work import Database


def test_a_replayed_update_is_recorded_once(database: Database) -> None:
    with database.unit_of_work() as uow:
        first = uow.inbox.record(
            platform="telegram", update_id="900", chat_id="1", identity_id=None, payload={"t": 1}
        )
        uow.commit()
    with database.unit_of_work() as uow:
        replay = uow.inbox.record(
            platform="telegram", update_id="900", chat_id="1", identity_id=None, payload={"t": 1}
        )
        other_platform = uow.inbox.record(
            platform="matrix", update_id="900", chat_id="!r:x", identity_id=None, payload=None
        )
        uow.commit()
    assert first is not None
    assert replay is None
    assert other_platform is not None


def test_handled_inbox_entry_forgets_its_text(database: Database) -> None:
    with database.unit_of_work() as uow:
        entry = uow.inbox.record(
            platform="console",
            update_id="a",
            chat_id="anna",
            identity_id=None,
            payload={"text": "Ich wohne in der Jakobstraße 12"},
        )
        assert entry is not None
        assert [e.id for e in uow.inbox.unhandled("console")] == [entry]
        uow.inbox.mark_handled(entry)
        uow.commit()
    with database.unit_of_work() as uow:
        handled = uow.inbox.get(entry)
        assert handled.payload is None
        assert handled.handled_at is not None
        assert uow.inbox.unhandled("console") == []


def test_outbox_idempotency_key_is_unique(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.outbox.enqueue(
            idempotency_key="in:1:0",
            platform="console",
            chat_id="a",
            identity_id=None,
            payload={"text": "x"},
        )
        uow.commit()
    with database.unit_of_work() as uow:
        with pytest.raises(IntegrityError):
            uow.outbox.enqueue(
                idempotency_key="in:1:0",
                platform="console",
                chat_id="a",
                identity_id=None,
                payload={"text": "y"},
            )
        uow.rollback()


def _queue(
    database: Database,
    chat_id: str,
    key: str,
    at: datetime,
    *,
    platform: str = "telegram",
    identity_id: int | None = None,
) -> int:
    with database.unit_of_work() as uow:
        message_id = uow.outbox.enqueue(
            idempotency_key=key,
            platform=platform,
            chat_id=chat_id,
            identity_id=identity_id,
            payload={"chat_id": chat_id, "text": key},
            not_before=at,
        )
        uow.commit()
    return message_id


def _claim(
    database: Database, now: datetime, worker: str = "w1", limit: int = 50, chat: str | None = None
) -> list[int]:
    with database.unit_of_work() as uow:
        claimed = uow.outbox.claim("telegram", now, limit, worker, now + LEASE, chat)
        uow.commit()
    return [m.id for m in claimed]


NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def test_outbox_claim_send_retry_and_give_up(database: Database) -> None:
    first = _queue(database, "a", "k1", NOW)
    later = _queue(database, "b", "k2", NOW + timedelta(minutes=5))
    assert _claim(database, NOW + timedelta(seconds=1)) == [first]
    with database.unit_of_work() as uow:
        claimed = uow.outbox.get(first)
        assert claimed.status is OutboxStatus.SENDING
        assert claimed.claimed_by == "w1"
        assert claimed.claimed_until == NOW + timedelta(seconds=1) + LEASE
        assert uow.outbox.mark_failed(first, "w1", "timeout", NOW + timedelta(minutes=10))
        uow.commit()
    assert _claim(database, NOW + timedelta(minutes=6)) == [later]
    with database.unit_of_work() as uow:
        assert uow.outbox.mark_sent(later, "w1", "m-17", at=NOW + timedelta(minutes=6))
        uow.commit()
    assert _claim(database, NOW + timedelta(minutes=11)) == [first]
    with database.unit_of_work() as uow:
        error = "403 Forbidden: bot was blocked by the user"
        assert uow.outbox.mark_failed(first, "w1", error, None)
        uow.commit()
    with database.unit_of_work() as uow:
        sent, failed = uow.outbox.get(later), uow.outbox.get(first)
        assert sent.status is OutboxStatus.SENT
        assert sent.platform_message_id == "m-17"
        assert sent.sent_at == NOW + timedelta(minutes=6)
        assert (sent.claimed_by, sent.claimed_until) == (None, None)
        assert failed.status is OutboxStatus.FAILED
        assert failed.attempts == 2
        assert failed.last_error == "403 Forbidden: bot was blocked by the user"
        assert uow.outbox.count_by_status("telegram") == {
            OutboxStatus.SENT: 1,
            OutboxStatus.FAILED: 1,
        }
    assert _claim(database, NOW + timedelta(days=1)) == []


def test_claim_takes_one_head_per_chat_oldest_first(database: Database) -> None:
    a1 = _queue(database, "a", "a1", NOW)
    a2 = _queue(database, "a", "a2", NOW)
    b1 = _queue(database, "b", "b1", NOW)
    c1 = _queue(database, "c", "c1", NOW)
    _queue(database, "x", "other-platform", NOW, platform="matrix")
    assert _claim(database, NOW, limit=2) == [a1, b1]
    # a2 waits for a1 (being sent), whoever asks
    assert _claim(database, NOW, worker="w2") == [c1]
    with database.unit_of_work() as uow:
        uow.outbox.mark_sent(a1, "w1", None)
        uow.commit()
    assert _claim(database, NOW, worker="w2", chat="a") == [a2]


def test_only_the_claiming_worker_changes_a_claimed_row(database: Database) -> None:
    message = _queue(database, "a", "k", NOW)
    assert _claim(database, NOW, worker="w1") == [message]
    with database.unit_of_work() as uow:
        assert not uow.outbox.mark_sent(message, "w2", "x")
        assert not uow.outbox.mark_failed(message, "w2", "boom", None)
        assert uow.outbox.release([message], "w2", NOW, "no") == 0
        assert not uow.outbox.cancel(message, "w2", "no")
        uow.commit()
        assert uow.outbox.get(message).status is OutboxStatus.SENDING
        assert uow.outbox.get(message).attempts == 0


def test_a_released_row_keeps_its_place_in_the_chat(database: Database) -> None:
    first = _queue(database, "a", "a1", NOW)
    second = _queue(database, "a", "a2", NOW)
    assert _claim(database, NOW) == [first]
    with database.unit_of_work() as uow:
        released = uow.outbox.release([first], "w1", NOW + timedelta(seconds=1), "rate limit")
        uow.commit()
        assert released == 1
        row = uow.outbox.get(first)
        assert (row.status, row.attempts, row.claimed_by) == (OutboxStatus.PENDING, 0, None)
    # not due yet, and the chat's later row still waits behind it
    assert _claim(database, NOW) == []
    assert _claim(database, NOW + timedelta(seconds=1)) == [first]
    with database.unit_of_work() as uow:
        uow.outbox.mark_sent(first, "w1", None)
        uow.commit()
    assert _claim(database, NOW + timedelta(seconds=1)) == [second]


def test_a_row_scheduled_for_later_holds_nothing_back(database: Database) -> None:
    _queue(database, "a", "reminder", NOW + timedelta(hours=4))
    reply = _queue(database, "a", "reply", NOW)
    assert _claim(database, NOW) == [reply]


def test_cancelled_edit_and_lookup_by_key(database: Database) -> None:
    message = _queue(database, "a", "alert:1", NOW)
    _claim(database, NOW)
    with database.unit_of_work() as uow:
        assert uow.outbox.cancel(message, "w1", "the edited message was never delivered")
        uow.commit()
        found = uow.outbox.get_by_key("alert:1")
        assert found is not None
        assert found.status is OutboxStatus.CANCELLED
        assert uow.outbox.get_by_key("alert:2") is None


def test_expired_claims_go_back_to_be_sent_again(database: Database) -> None:
    expired = _queue(database, "a", "a1", NOW)
    _claim(database, NOW, worker="dead")
    live = _queue(database, "b", "b1", NOW + timedelta(seconds=50))
    _claim(database, NOW + timedelta(seconds=50), worker="alive")
    later = NOW + LEASE + timedelta(seconds=1)
    with database.unit_of_work() as uow:
        assert uow.outbox.recover_claims("telegram", later) == ["a"]
        uow.commit()
        row = uow.outbox.get(expired)
        assert row.attempts == 1
        assert row.claimed_by is None
        assert uow.outbox.get(live).status is OutboxStatus.SENDING
        # the dead worker, were it only slow, can no longer touch the row
        assert not uow.outbox.mark_sent(expired, "dead", "x")
    assert row.status is OutboxStatus.PENDING
    assert row.last_error == "outcome unknown: worker stopped while sending; resent"
    assert _claim(database, later, worker="w2") == [expired]


def test_a_new_leader_takes_back_every_other_workers_claim_at_once(database: Database) -> None:
    theirs = _queue(database, "a", "a1", NOW)
    _claim(database, NOW, worker="old leader")
    ours = _queue(database, "b", "b1", NOW)
    _claim(database, NOW, worker="new leader")
    with database.unit_of_work() as uow:
        # long before the lease runs out
        taken = uow.outbox.recover_claims("telegram", NOW, other_than="new leader")
        uow.commit()
        assert taken == ["a"]
        assert uow.outbox.get(theirs).status is OutboxStatus.PENDING
        assert uow.outbox.get(ours).status is OutboxStatus.SENDING


def test_recent_sends_of_a_front_end(database: Database) -> None:
    sent = _queue(database, "a", "a1", NOW)
    _claim(database, NOW, worker="w1")
    _queue(database, "b", "b1", NOW)  # still pending
    with database.unit_of_work() as uow:
        uow.outbox.mark_sent(sent, "w1", "7", at=NOW)
        uow.commit()
        assert uow.outbox.recent_sends("telegram", NOW - timedelta(seconds=60)) == [("a", NOW)]
        assert uow.outbox.recent_sends("telegram", NOW + timedelta(seconds=1)) == []
        assert uow.outbox.recent_sends("telegram", NOW - timedelta(1), front_end="x") == []


def test_recovery_gives_up_after_max_attempts(database: Database) -> None:
    message = _queue(database, "a", "a1", NOW)
    _claim(database, NOW, worker="dead")
    with database.unit_of_work() as uow:
        uow.outbox.recover_claims("telegram", NOW + 2 * LEASE, max_attempts=1)
        uow.commit()
        assert uow.outbox.get(message).status is OutboxStatus.FAILED


def test_identity_unreachable_and_back(database: Database) -> None:
    with database.unit_of_work() as uow:
        anna = uow.identities.get_or_create(PlatformIdentity(Platform.TELEGRAM, "1"))
        ben = uow.identities.get_or_create(PlatformIdentity(Platform.TELEGRAM, "2"))
        uow.identities.mark_unreachable(anna.id, NOW)
        uow.identities.mark_unreachable(anna.id, NOW + timedelta(hours=1))
        uow.commit()
        assert uow.identities.unreachable_among({anna.id, ben.id}) == {anna.id}
        found = uow.identities.find(PlatformIdentity(Platform.TELEGRAM, "1"))
        assert found is not None
        assert found.unreachable
        uow.identities.mark_reachable(anna.id)
        uow.commit()
        assert uow.identities.unreachable_among({anna.id, ben.id}) == set()
        assert uow.identities.unreachable_among(set()) == set()


@pytest.mark.postgres
def test_concurrent_claims_skip_locked_rows_on_postgres(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's")
    ids = [_queue(database, f"c{n % 3}", f"k{n}", NOW) for n in range(6)]
    first, second = database.unit_of_work(), database.unit_of_work()
    with first, second:
        # the first claim is not committed yet: its rows are locked, not yet "sending"
        mine = first.outbox.claim("telegram", NOW, 2, "w1", NOW + LEASE)
        theirs = second.outbox.claim("telegram", NOW, 10, "w2", NOW + LEASE)
        first.commit()
        second.commit()
    assert [m.id for m in mine] == ids[:2]
    # c0 and c1 are locked by w1, and their later rows wait behind them
    assert [m.id for m in theirs] == [ids[2]]


def test_conversation_state_survives_a_new_session(database: Database) -> None:
    with database.unit_of_work() as uow:
        identity = uow.identities.get_or_create(PlatformIdentity(Platform.CONSOLE, "anna"))
        state = uow.conversations.load(identity.id)
        assert state == ConversationState(identity_id=identity.id)
        state.flow, state.step, state.language = "post", "ask_time", "en"
        state.slots["title"] = "Tafel-Ausgabe"
        uow.conversations.save(state)
        uow.commit()
    with database.unit_of_work() as uow:
        loaded = uow.conversations.load(identity.id)
    assert (loaded.flow, loaded.step, loaded.language) == ("post", "ask_time", "en")
    assert loaded.slots == {"title": "Tafel-Ausgabe"}
    assert loaded.version == 1


def test_a_database_error_does_not_quote_what_people_wrote(database: Database) -> None:
    """Errors reach log lines and tracebacks: they name the statement, never its values."""
    secret = "Zitronenfalterwiese-hinter-dem-Bahnhof"
    with database.unit_of_work() as uow:
        uow.outbox.enqueue(
            idempotency_key="twice",
            platform="telegram",
            chat_id=secret,
            identity_id=None,
            payload={"text": secret},
        )
        with pytest.raises(Exception, match=r"(?i)unique") as error:
            uow.outbox.enqueue(
                idempotency_key="twice",
                platform="telegram",
                chat_id=secret,
                identity_id=None,
                payload={"text": secret},
            )
    assert secret not in str(error.value)
    assert secret not in repr(error.value)
