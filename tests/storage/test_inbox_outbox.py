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


def test_outbox_delivers_due_messages_in_order_and_retries(database: Database) -> None:
    now = datetime.now(UTC)
    with database.unit_of_work() as uow:
        first = uow.outbox.enqueue(
            idempotency_key="k1",
            platform="console",
            chat_id="a",
            identity_id=None,
            payload={"text": "eins"},
        )
        later = uow.outbox.enqueue(
            idempotency_key="k2",
            platform="console",
            chat_id="a",
            identity_id=None,
            payload={"text": "später"},
            not_before=now + timedelta(minutes=5),
        )
        uow.commit()
    with database.unit_of_work() as uow:
        assert [m.id for m in uow.outbox.due("console", now + timedelta(seconds=1))] == [first]
        uow.outbox.mark_failed(first, "timeout", retry_at=now + timedelta(minutes=10))
        uow.commit()
    with database.unit_of_work() as uow:
        due = uow.outbox.due("console", now + timedelta(minutes=6))
        assert [m.id for m in due] == [later]
        uow.outbox.mark_sent(later, "m-17")
        uow.outbox.mark_failed(first, "403 Forbidden: bot was blocked by the user", retry_at=None)
        uow.commit()
    with database.unit_of_work() as uow:
        sent, failed = uow.outbox.get(later), uow.outbox.get(first)
        assert sent.status is OutboxStatus.SENT
        assert sent.platform_message_id == "m-17"
        assert failed.status is OutboxStatus.FAILED
        assert failed.attempts == 2
        assert uow.outbox.due("console", now + timedelta(days=1)) == []


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
