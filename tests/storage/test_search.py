from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.actors import Availability, QuietHours
from domain.categories import Category
from domain.errors import ValidationError
from domain.lifecycle import PostingEvent
from domain.places import GeoPoint
from domain.postings import PostingKind
from domain.qualifications import Qualification
from domain.search import PostingFilter
from storage.repositories.conversations import StaleConversation
from storage.unit_of_work import Database
from tests.storage.helpers import add_person, seed_municipalities, tafel_need, weekly_window

ROTHE_ERDE = GeoPoint(50.7700, 6.1150)
NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


def _published(database: Database, **changes: object) -> int:
    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        owner = uow.accounts.find_by_identity(add_person_identity()) or add_person(uow)
        assert owner.id is not None
        posting = uow.postings.add(tafel_need(owner.id).changed(**changes))
        assert posting.id is not None
        uow.postings.transition(posting.id, PostingEvent.PUBLISH)
        uow.commit()
    return posting.id


def add_person_identity():  # type: ignore[no-untyped-def]
    from domain.actors import Platform, PlatformIdentity

    return PlatformIdentity(Platform.TELEGRAM, "4711")


def test_search_by_place_category_and_time(database: Database) -> None:
    near = _published(database)
    _published(database, category=Category.ANIMALS)
    from domain.places import Place

    far = _published(database, place=Place(GeoPoint(50.9375, 6.9603), "Köln", 3.0))
    with database.unit_of_work() as uow:
        found = uow.postings.search(
            PostingFilter(
                centre=ROTHE_ERDE,
                radius_km=10,
                categories=frozenset({Category.FOOD}),
                time_from=NOW,
                time_to=NOW + timedelta(days=14),
            )
        )
    assert [(p.id, round(km or 0, 1)) for p, km in found] == [(near, 0.0)]
    assert far not in [p.id for p, _ in found]


def test_search_skips_past_unpublished_and_own_postings(database: Database) -> None:
    _published(database)
    with database.unit_of_work() as uow:
        owner = uow.accounts.find_by_identity(add_person_identity())
        assert owner is not None
        assert owner.id is not None
        uow.postings.add(tafel_need(owner.id))  # a draft
        uow.commit()
    later = PostingFilter(time_from=datetime(2026, 12, 24, tzinfo=UTC))
    mine = PostingFilter(exclude_owner_id=owner.id)
    with database.unit_of_work() as uow:
        assert len(uow.postings.search(PostingFilter())) == 1
        assert uow.postings.search(later) == []
        assert uow.postings.search(mine) == []


def test_search_by_qualification_and_kind(database: Database) -> None:
    posting_id = _published(database)
    with database.unit_of_work() as uow:
        arabic = uow.postings.search(
            PostingFilter(qualifications=frozenset({Qualification("language:ar")}))
        )
        offers = uow.postings.search(PostingFilter(kinds=frozenset({PostingKind.OFFER})))
    assert [p.id for p, _ in arabic] == [posting_id]
    assert offers == []


def test_weekly_posting_found_only_when_a_slot_falls_in_the_window(database: Database) -> None:
    posting_id = _published(database, time_window=weekly_window(), urgency=_normal())
    tuesday = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 16:00 in Aachen: the Tuesday slot
    with database.unit_of_work() as uow:
        hit = uow.postings.search(
            PostingFilter(time_from=tuesday, time_to=tuesday + timedelta(hours=2))
        )
        miss = uow.postings.search(
            PostingFilter(
                time_from=tuesday + timedelta(hours=4), time_to=tuesday + timedelta(hours=6)
            )
        )
    assert [p.id for p, _ in hit] == [posting_id]
    assert miss == []


def _normal():  # type: ignore[no-untyped-def]
    from domain.postings import Urgency

    return Urgency.NORMAL


def test_filter_validation() -> None:
    with pytest.raises(ValidationError):
        PostingFilter(centre=ROTHE_ERDE)
    with pytest.raises(ValidationError):
        PostingFilter(time_from=NOW, time_to=NOW)


def test_interest_is_recorded_once(database: Database) -> None:
    posting_id = _published(database)
    with database.unit_of_work() as uow:
        ben = add_person(uow, "Ben", "4712")
        assert ben.id is not None
        assert uow.postings.record_interest(posting_id, ben.id) is True
        assert uow.postings.record_interest(posting_id, ben.id) is False
        assert uow.postings.interested_count(posting_id) == 1
        uow.commit()


def test_profile_fields_round_trip(database: Database) -> None:
    import dataclasses

    with database.unit_of_work() as uow:
        seed_municipalities(uow)
        anna = add_person(uow)
        updated = uow.accounts.update(
            dataclasses.replace(
                anna,
                availability=frozenset({Availability.WEEKENDS, Availability.SPONTANEOUS}),
                notifications_enabled=False,
                quiet_hours=QuietHours(time(22), time(7)),
            )
        )
        uow.commit()
    with database.unit_of_work() as uow:
        assert updated.id is not None
        loaded = uow.accounts.get(updated.id)
    assert loaded.availability == {Availability.WEEKENDS, Availability.SPONTANEOUS}
    assert loaded.notifications_enabled is False
    assert loaded.quiet_hours == QuietHours(time(22), time(7))
    assert loaded.quiet_hours.contains(time(23, 30))
    assert not loaded.quiet_hours.contains(time(12))


def test_a_stale_conversation_state_is_refused(database: Database) -> None:
    from domain.actors import Platform, PlatformIdentity

    with database.unit_of_work() as uow:
        identity = uow.identities.get_or_create(PlatformIdentity(Platform.CONSOLE, "zoe"))
        uow.conversations.save(uow.conversations.load(identity.id))
        uow.commit()
    with database.unit_of_work() as first, database.unit_of_work() as second:
        mine = first.conversations.load(identity.id)
        theirs = second.conversations.load(identity.id)
        theirs.flow = "search"
        second.conversations.save(theirs)
        second.commit()
        mine.flow = "posting"
        with pytest.raises(StaleConversation):
            first.conversations.save(mine)
        first.rollback()
    with database.unit_of_work() as uow:
        assert uow.conversations.load(identity.id).flow == "search"
