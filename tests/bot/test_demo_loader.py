from __future__ import annotations

from datetime import UTC, datetime

from bot.demo_loader import load_demo_data
from domain.actors import Platform, PlatformIdentity
from domain.lifecycle import PostingStatus
from storage.unit_of_work import Database
from tests.storage.helpers import AACHEN, STOLBERG

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_demo_set_is_stored_with_owners_and_organisations(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.municipalities.sync([AACHEN, STOLBERG])
        uow.commit()
    summary = load_demo_data(database, [AACHEN, STOLBERG], NOW)
    assert summary.postings >= 200
    with database.unit_of_work() as uow:
        assert uow.postings.count() == summary.postings
        by_status = uow.postings.count_by_status()
        assert by_status[PostingStatus.PUBLISHED] > 100
        anna = uow.accounts.find_by_identity(PlatformIdentity(Platform.CONSOLE, "anna"))
    assert anna is not None


def test_replace_reloads_without_touching_other_users(database: Database) -> None:
    from domain.actors import Account

    with database.unit_of_work() as uow:
        uow.municipalities.sync([AACHEN, STOLBERG])
        uow.accounts.add(
            Account("Zoe", identities=(PlatformIdentity(Platform.TELEGRAM, "999000"),))
        )
        uow.commit()
    first = load_demo_data(database, [AACHEN, STOLBERG], NOW)
    assert load_demo_data(database, [AACHEN, STOLBERG], NOW).skipped
    again = load_demo_data(database, [AACHEN, STOLBERG], NOW, replace=True)
    assert again.postings == first.postings
    with database.unit_of_work() as uow:
        assert uow.postings.count() == first.postings
        assert uow.accounts.count() == first.people + 1
        assert uow.accounts.find_by_identity(PlatformIdentity(Platform.TELEGRAM, "999000"))


def test_demo_editors_are_editors_in_the_shipped_config() -> None:
    from pathlib import Path

    from bot.config import load_config
    from bot.demo_data import build_demo_dataset

    config = load_config(Path(__file__).resolve().parents[2] / "config.yml", environ={})
    municipalities = {m.key: m for m in config.domain_municipalities()}
    dataset = build_demo_dataset(NOW, tuple(municipalities.values()))
    editors = [p for p in dataset.people if p.editor_of]
    assert len(editors) >= 2
    for person in editors:
        assert person.editor_of is not None
        console_identity = PlatformIdentity(Platform.CONSOLE, person.key)
        assert municipalities[person.editor_of].is_editor(console_identity), person.key
