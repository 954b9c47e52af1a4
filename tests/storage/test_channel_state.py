"""What the Matrix channel keeps (migration 0006), on SQLite and PostgreSQL: the sync position,
a user's direct room, the transaction id of each outgoing message, and the lookups that match
an answer to the list it answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect

from domain.actors import Platform, PlatformIdentity
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.unit_of_work import Database

ANNA = PlatformIdentity(Platform.MATRIX, "@anna:example.org")


def test_the_sync_position_starts_empty_and_advances(database: Database) -> None:
    started = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    with database.unit_of_work() as uow:
        assert uow.cursors.get("matrix:@bot:x") is None
        cursor = uow.cursors.begin("matrix:@bot:x", at=started)
        assert cursor.position is None
        uow.commit()
    with database.unit_of_work() as uow:
        uow.cursors.advance("matrix:@bot:x", "s72_594_0_1")
        again = uow.cursors.begin("matrix:@bot:x", at=started + timedelta(days=1))
        uow.commit()
    assert again.position == "s72_594_0_1"
    assert again.started_at == started  # the first start stays


def test_a_direct_room_is_kept_with_the_identity(database: Database) -> None:
    with database.unit_of_work() as uow:
        identity = uow.identities.get_or_create(ANNA)
        uow.identities.set_direct_chat(identity.id, "!dm:example.org")
        uow.commit()
    with database.unit_of_work() as uow:
        found = uow.identities.find(ANNA)
        partners = uow.identities.with_direct_chat("matrix", "!dm:example.org")
        uow.identities.set_direct_chat(identity.id, None)
        uow.commit()
    assert found is not None
    assert found.direct_chat_id == "!dm:example.org"
    assert [p.external_id for p in partners] == [ANNA.external_id]
    with database.unit_of_work() as uow:
        assert uow.identities.with_direct_chat("matrix", "!dm:example.org") == []


def test_outgoing_messages_carry_a_transaction_id_and_are_found_by_their_event(
    database: Database,
) -> None:
    chat = ANNA.external_id
    with database.unit_of_work() as uow:
        identity = uow.identities.get_or_create(ANNA)
        ids = [
            uow.outbox.enqueue(
                idempotency_key=f"k{n}",
                platform="matrix",
                chat_id=chat,
                identity_id=identity.id,
                payload={"n": n},
            )
            for n in range(3)
        ]
        uow.commit()
    with database.unit_of_work() as uow:
        claimed = uow.outbox.claim(
            "matrix", datetime.now(UTC) + timedelta(seconds=1), 10, "w", datetime.now(UTC)
        )
        assert [m.id for m in claimed] == ids[:1]  # one per chat
        uow.outbox.mark_sent(ids[0], "w", "$original")
        uow.commit()
    for message_id in ids[1:]:
        with database.unit_of_work() as uow:
            uow.outbox.claim(
                "matrix", datetime.now(UTC) + timedelta(seconds=1), 10, "w", datetime.now(UTC)
            )
            # the last one is an edit: it keeps the original's event id
            event = "$original" if message_id == ids[2] else "$second"
            uow.outbox.mark_sent(message_id, "w", event)
            uow.commit()
    with database.unit_of_work() as uow:
        rows = uow.outbox.for_chat("matrix", chat)
        recent = uow.outbox.recent_sent("matrix", chat, limit=2)
        edited = uow.outbox.sent_as("matrix", chat, "$original")
        elsewhere = uow.outbox.sent_as("matrix", "@other:x", "$original")
    transaction_ids = {row.transaction_id for row in rows}
    assert None not in transaction_ids
    assert len(transaction_ids) == 3
    assert [m.id for m in recent] == [ids[2], ids[1]]  # newest first
    assert edited is not None
    assert edited.id == ids[2]  # the latest version of the message
    assert elsewhere is None


def test_the_inbox_knows_what_it_saw_and_when_a_user_last_wrote(database: Database) -> None:
    with database.unit_of_work() as uow:
        identity = uow.identities.get_or_create(ANNA)
        assert uow.inbox.last_received_at(identity.id) is None
        uow.inbox.record(
            platform="matrix",
            update_id="$e1",
            chat_id=ANNA.external_id,
            identity_id=identity.id,
            payload={},
        )
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.inbox.seen("matrix", "$e1")
        assert not uow.inbox.seen("matrix", "$e2")
        assert not uow.inbox.seen("telegram", "$e1")
        assert uow.inbox.last_received_at(identity.id) is not None


def test_migration_0006_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        upgrade(engine)
        downgrade(engine, "0005")
        assert current_revision(engine) == "0005"
        assert "channel_cursors" not in inspect(engine).get_table_names()
        columns = {c["name"] for c in inspect(engine).get_columns("outbox")}
        assert "transaction_id" not in columns
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        columns = {c["name"] for c in inspect(engine).get_columns("platform_identities")}
        assert "direct_chat_id" in columns
    finally:
        engine.dispose()
