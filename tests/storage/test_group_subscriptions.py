"""A group's subscription without the admin's identity (migration 0011), on SQLite and PostgreSQL:
an admin who never wrote to the bot privately subscribes the group, and nobody is stored for it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from domain.actors import Platform, PlatformIdentity
from domain.categories import Category
from domain.groups import GroupSubscription
from domain.places import GeoPoint, Place
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.unit_of_work import Database

GROUP = "-100555"


def _subscription() -> GroupSubscription:
    return GroupSubscription(
        platform=Platform.TELEGRAM.value,
        chat_id=GROUP,
        area=Place(GeoPoint(50.7810, 6.1560), "Aachen-Eilendorf", 5.0),
        categories=frozenset({Category.ANIMALS}),
        language="de",
        title="Tierschutzverein Aachen",
    )


def test_a_group_is_subscribed_without_anyones_identity(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.groups.subscribe(_subscription(), None)
        uow.commit()
    with database.unit_of_work() as uow:
        found = uow.groups.subscription(Platform.TELEGRAM.value, GROUP)
        assert found is not None
        assert found.area.label == "Aachen-Eilendorf"
        assert uow.identities.find(PlatformIdentity(Platform.TELEGRAM, "7001")) is None


def test_migration_0011_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")

    def nullable() -> bool:
        columns = inspect(engine).get_columns("group_subscriptions")
        return next(c["nullable"] for c in columns if c["name"] == "subscribed_by_identity_id")

    try:
        upgrade(engine)
        assert nullable()
        downgrade(engine, "0010")
        assert current_revision(engine) == "0010"
        assert not nullable()
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert nullable()
    finally:
        engine.dispose()
