"""One bot per municipality on one database (migration 0009), on SQLite and PostgreSQL: a
chat's queue is per front end, a worker claims and recovers only its own front end's messages,
and an identity remembers the bot the user last wrote to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect

from domain.actors import Platform, PlatformIdentity
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.unit_of_work import Database

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
ANNA = PlatformIdentity(Platform.TELEGRAM, "6001")
SHARED, STOLBERG = "", "stolberg"


def _queue(database: Database, key: str, front_end: str, chat_id: str = "6001") -> int:
    with database.unit_of_work() as uow:
        message_id = uow.outbox.enqueue(
            idempotency_key=key,
            platform="telegram",
            chat_id=chat_id,
            identity_id=None,
            payload={"chat_id": chat_id, "text": key},
            not_before=NOW,
            front_end=front_end,
        )
        uow.commit()
    return message_id


def _claim(database: Database, front_end: str, worker: str, now: datetime = NOW) -> list[int]:
    with database.unit_of_work() as uow:
        claimed = uow.outbox.claim("telegram", now, 50, worker, now + LEASE, front_end=front_end)
        uow.commit()
    assert all(message.front_end == front_end for message in claimed)
    return [message.id for message in claimed]


def test_each_front_end_claims_only_its_own_messages(database: Database) -> None:
    shared = _queue(database, "s1", SHARED)
    stolberg = _queue(database, "t1", STOLBERG)
    shared_later = _queue(database, "s2", SHARED)
    # the same user id in both: two bots, two queues, each with its own head
    assert _claim(database, STOLBERG, "w-stolberg") == [stolberg]
    assert _claim(database, SHARED, "w-shared") == [shared]
    assert _claim(database, "eschweiler", "w-eschweiler") == []
    with database.unit_of_work() as uow:
        uow.outbox.mark_sent(shared, "w-shared", "m-1", at=NOW)
        uow.commit()
    assert _claim(database, SHARED, "w-shared") == [shared_later]


def test_a_worker_recovers_only_its_own_front_ends_expired_claims(database: Database) -> None:
    _queue(database, "s1", SHARED)
    stolberg = _queue(database, "t1", STOLBERG)
    _claim(database, SHARED, "dead")
    _claim(database, STOLBERG, "dead")
    later = NOW + 2 * LEASE
    with database.unit_of_work() as uow:
        assert uow.outbox.recover_claims("telegram", later, front_end=STOLBERG) == ["6001"]
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.outbox.get(stolberg).claimed_by is None
        assert uow.outbox.recover_claims("telegram", later) == ["6001"]  # the shared one


def test_the_same_update_number_of_two_bots_is_recorded_twice(database: Database) -> None:
    with database.unit_of_work() as uow:
        identity = uow.identities.get_or_create(ANNA)
        entries = [
            uow.inbox.record(
                platform="telegram",
                update_id=f"{bot_id}:1",  # bot.channels.telegram.updates.update_key
                chat_id=ANNA.external_id,
                identity_id=identity.id,
                payload={},
                front_end=front_end,
            )
            for bot_id, front_end in ((111, SHARED), (222, STOLBERG))
        ]
        uow.commit()
    assert None not in entries
    with database.unit_of_work() as uow:
        mine = uow.inbox.unhandled("telegram", front_end=STOLBERG)
        everything = uow.inbox.unhandled("telegram")
    assert [entry.update_id for entry in mine] == ["222:1"]
    assert {entry.front_end for entry in everything} == {SHARED, STOLBERG}


def test_an_identity_follows_the_bot_it_wrote_to_and_ignores_blocks_of_another(
    database: Database,
) -> None:
    with database.unit_of_work() as uow:
        identity = uow.identities.get_or_create(ANNA)
        assert identity.front_end == SHARED
        uow.identities.wrote_through({identity.id}, STOLBERG)
        # blocking the shared bot, which Anna no longer talks to, changes nothing
        uow.identities.mark_unreachable(identity.id, NOW, via=SHARED)
        uow.commit()
    with database.unit_of_work() as uow:
        found = uow.identities.find(ANNA)
        assert found is not None
        assert (found.front_end, found.unreachable) == (STOLBERG, False)
        uow.identities.mark_unreachable(identity.id, NOW, via=STOLBERG)
        uow.commit()
    with database.unit_of_work() as uow:
        found = uow.identities.find(ANNA)
        assert found is not None
        assert found.unreachable
        # writing to another bot: that bot can answer, so the mark (the old bot's) ends
        uow.identities.wrote_through({identity.id}, SHARED)
        uow.commit()
    with database.unit_of_work() as uow:
        found = uow.identities.find(ANNA)
        assert found is not None
        assert (found.front_end, found.unreachable) == (SHARED, False)


def test_migration_0009_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    tables = ("platform_identities", "inbox", "outbox", "group_subscriptions")
    try:
        upgrade(engine)
        downgrade(engine, "0008")
        assert current_revision(engine) == "0008"
        for table in tables:
            assert "front_end" not in {c["name"] for c in inspect(engine).get_columns(table)}
        indexes = {index["name"] for index in inspect(engine).get_indexes("outbox")}
        assert "ix_outbox_platform_chat_id_id" in indexes
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        for table in tables:
            assert "front_end" in {c["name"] for c in inspect(engine).get_columns(table)}
        indexes = {index["name"] for index in inspect(engine).get_indexes("outbox")}
        assert "ix_outbox_platform_front_end_chat_id_id" in indexes
    finally:
        engine.dispose()
