from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import IllegalTransition, NotFound
from domain.lifecycle import PostingEvent, PostingStatus
from domain.timewindow import OpenEnded
from storage.unit_of_work import Database
from tests.storage.helpers import BERLIN, add_person, seed_municipalities, tafel_need, weekly_window


def test_one_off_need_round_trips_with_every_field(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        assert anna.id is not None
        stored = uow.postings.add(tafel_need(anna.id))
        uow.commit()
    with database.unit_of_work() as uow:
        assert stored.id is not None
        loaded = uow.postings.get(stored.id)
    original = tafel_need(anna.id)
    for field in (
        "kind",
        "type",
        "category",
        "title",
        "description",
        "time_window",
        "place",
        "owner",
        "municipality_key",
        "qualifications",
        "quantity",
        "urgency",
        "status",
    ):
        assert getattr(loaded, field) == getattr(original, field), field
    # stored in UTC, equal as instants to the Berlin wall-clock time it was given as
    assert loaded.time_window.bounds()[0] == datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert loaded.created_at is not None
    assert loaded.created_at.tzinfo is not None


def test_weekly_and_open_windows_round_trip(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        assert anna.id is not None
        weekly = uow.postings.add(tafel_need(anna.id, weekly_window()))
        open_ended = uow.postings.add(
            tafel_need(anna.id, OpenEnded(valid_from=datetime(2026, 12, 1, tzinfo=BERLIN)))
        )
        uow.commit()
    with database.unit_of_work() as uow:
        assert weekly.id
        assert open_ended.id
        assert uow.postings.get(weekly.id).time_window == weekly_window()
        assert uow.postings.get(open_ended.id).time_window == OpenEnded(
            valid_from=datetime(2026, 12, 1, tzinfo=BERLIN)
        )


def test_lifecycle_transition_is_stored(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        assert anna.id is not None
        posting = uow.postings.add(tafel_need(anna.id))
        assert posting.id is not None
        uow.postings.transition(posting.id, PostingEvent.SUBMIT)
        uow.postings.transition(posting.id, PostingEvent.APPROVE)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.postings.get(posting.id).status is PostingStatus.PUBLISHED
        assert uow.postings.count_by_status() == {PostingStatus.PUBLISHED: 1}


def test_illegal_transition_raises_and_changes_nothing(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        assert anna.id is not None
        posting = uow.postings.add(tafel_need(anna.id))
        assert posting.id is not None
        uow.postings.transition(posting.id, PostingEvent.WITHDRAW)
        uow.commit()
    with database.unit_of_work() as uow:
        with pytest.raises(IllegalTransition) as raised:
            uow.postings.transition(posting.id, PostingEvent.APPROVE)
        assert raised.value.status == "withdrawn"
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.postings.get(posting.id).status is PostingStatus.WITHDRAWN


def test_update_cannot_change_status(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        assert anna.id is not None
        posting = uow.postings.add(tafel_need(anna.id))
        with pytest.raises(ValueError, match="transition"):
            uow.postings.update(posting.changed(status=PostingStatus.PUBLISHED))
        edited = uow.postings.update(posting.changed(title="Helfer für die Tafel gesucht"))
        assert edited.title == "Helfer für die Tafel gesucht"


def test_missing_posting_is_not_found(database: Database) -> None:
    with database.unit_of_work() as uow, pytest.raises(NotFound):
        uow.postings.get(999_999)


def test_posting_needs_a_known_municipality(database: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        assert anna.id is not None
        with pytest.raises(IntegrityError):
            uow.postings.add(tafel_need(anna.id).changed(municipality_key="atlantis"))
