from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.demo_data import PLACEHOLDER_OWNER, DemoDataset, build_demo_dataset
from domain.actors import Platform
from domain.categories import Category
from domain.errors import ValidationError
from domain.lifecycle import PostingStatus
from domain.municipalities import District, Municipality
from domain.places import GeoPoint
from domain.postings import PostingKind, PostingType, Urgency
from domain.timewindow import OneOff, TimeWindowKind

BERLIN = ZoneInfo("Europe/Berlin")
AACHEN_CENTRE = GeoPoint(50.7753, 6.0839)
MUNICIPALITIES = (
    Municipality(
        "aachen",
        "Aachen",
        AACHEN_CENTRE,
        districts=(
            District("Brand", GeoPoint(50.7485, 6.1655)),
            District("Kornelimünster", GeoPoint(50.7275, 6.1780)),
            District("Eilendorf", GeoPoint(50.7810, 6.1560)),
        ),
    ),
    Municipality("stolberg", "Stolberg (Rhld.)", GeoPoint(50.7706, 6.2278)),
    Municipality("eschweiler", "Eschweiler", GeoPoint(50.8180, 6.2650)),
    Municipality("wuerselen", "Würselen", GeoPoint(50.8180, 6.1300)),
)
NOW = datetime(2026, 3, 14, 10, 30, tzinfo=BERLIN)  # summer time starts within four weeks
NOWS = (
    NOW,
    datetime(2026, 3, 28, 23, 45, tzinfo=UTC),  # late at night, the eve of summer time
    datetime(2026, 10, 20, 6, 0, tzinfo=BERLIN),
)


@pytest.fixture(scope="module", params=NOWS, ids=lambda now: now.isoformat())
def built(request: pytest.FixtureRequest) -> tuple[datetime, DemoDataset]:
    now: datetime = request.param
    return now, build_demo_dataset(now, MUNICIPALITIES)


def test_sizes(built: tuple[datetime, DemoDataset]) -> None:
    _, data = built
    assert len(data.postings) >= 220
    assert 8 <= len(data.organisations) <= 14
    assert 12 <= len(data.people) <= 20
    assert all(org.organisation.id is None for org in data.organisations)
    assert all(person.account.id is None for person in data.people)
    assert all(demo.posting.id is None for demo in data.postings)
    assert all(demo.posting.owner == PLACEHOLDER_OWNER for demo in data.postings)


def test_every_category_with_both_kinds_and_every_type(
    built: tuple[datetime, DemoDataset],
) -> None:
    _, data = built
    present = {(demo.posting.category, demo.posting.kind) for demo in data.postings}
    assert present == {(category, kind) for category in Category for kind in PostingKind}
    assert {demo.posting.type for demo in data.postings} == set(PostingType)


def test_postings_are_near_aachen(built: tuple[datetime, DemoDataset]) -> None:
    _, data = built
    for demo in data.postings:
        place = demo.posting.place
        assert place.point.distance_km(AACHEN_CENTRE) <= 45, place
        assert 1.0 <= place.radius_km <= 15.0
        assert place.lat == round(place.lat, 4)
        assert place.lon == round(place.lon, 4)


def test_time_windows_lie_in_the_next_four_weeks(built: tuple[datetime, DemoDataset]) -> None:
    now, data = built
    horizon = now + timedelta(days=28)
    kinds = Counter(demo.posting.time_window.kind for demo in data.postings)
    assert len(kinds) == 3
    assert kinds[TimeWindowKind.ONE_OFF] > len(data.postings) / 2
    for demo in data.postings:
        window = demo.posting.time_window
        assert window.intervals(now, horizon), demo.posting.title
        for bound in window.bounds():
            assert bound is None or bound.tzinfo is not None
        if isinstance(window, OneOff):
            assert now < window.start < horizon
            start, end = window.start.astimezone(BERLIN), window.end.astimezone(BERLIN)
            assert time(8) <= start.time()
            assert end.time() <= time(21)
            assert start.date() == end.date()
            assert timedelta(hours=1) <= window.end - window.start <= timedelta(hours=5)


def test_urgent_needs_start_within_two_days(built: tuple[datetime, DemoDataset]) -> None:
    now, data = built
    urgent = [demo.posting for demo in data.postings if demo.posting.urgency is Urgency.URGENT]
    needs = [demo.posting for demo in data.postings if demo.posting.kind is PostingKind.NEED]
    assert len(urgent) >= 5
    assert len(urgent) <= 0.15 * len(needs)
    for posting in urgent:
        assert posting.kind is PostingKind.NEED
        assert isinstance(posting.time_window, OneOff)
        assert now < posting.time_window.start <= now + timedelta(hours=48)


def test_statuses(built: tuple[datetime, DemoDataset]) -> None:
    _, data = built
    verified = {org.key for org in data.organisations if org.organisation.verified}
    statuses = Counter(demo.posting.status for demo in data.postings)
    assert statuses[PostingStatus.PUBLISHED] > len(data.postings) / 2
    for status in (PostingStatus.PENDING_REVIEW, PostingStatus.DRAFT, PostingStatus.PAUSED):
        assert statuses[status] > 0
    for demo in data.postings:
        if demo.posting.status is PostingStatus.PENDING_REVIEW:
            assert demo.organisation_key not in verified


def test_owners_exist_and_act_for_their_organisations(
    built: tuple[datetime, DemoDataset],
) -> None:
    _, data = built
    people = {person.key: person for person in data.people}
    organisations = {org.key for org in data.organisations}
    assert len(people) == len(data.people)
    assert len(organisations) == len(data.organisations)
    for demo in data.postings:
        assert demo.owner_key in people
        if demo.organisation_key is not None:
            assert demo.organisation_key in organisations
            assert demo.organisation_key in people[demo.owner_key].organisation_keys
    for person in data.people:
        assert set(person.organisation_keys) <= organisations
    members = {key for person in data.people for key in person.organisation_keys}
    assert members == organisations


def test_needs_mostly_from_organisations_offers_mostly_from_people(
    built: tuple[datetime, DemoDataset],
) -> None:
    _, data = built
    needs = [demo for demo in data.postings if demo.posting.kind is PostingKind.NEED]
    offers = [demo for demo in data.postings if demo.posting.kind is PostingKind.OFFER]
    assert sum(demo.organisation_key is not None for demo in needs) > 0.8 * len(needs)
    assert sum(demo.organisation_key is None for demo in offers) > 0.7 * len(offers)
    assert any(demo.organisation_key is not None for demo in offers)


def test_municipalities_and_editors(built: tuple[datetime, DemoDataset]) -> None:
    _, data = built
    keys = {m.key for m in MUNICIPALITIES}
    used = Counter(demo.posting.municipality_key for demo in data.postings)
    assert set(used) <= keys
    assert len(used) >= 2
    assert {org.organisation.municipality_key for org in data.organisations} <= keys
    assert {person.account.municipality_key for person in data.people} <= keys
    editors = {person.editor_of for person in data.people if person.editor_of}
    assert editors >= {"aachen", "stolberg"}


def test_people(built: tuple[datetime, DemoDataset]) -> None:
    now, data = built
    identities = [identity for person in data.people for identity in person.account.identities]
    assert len(identities) == len(set(identities))
    platforms = {identity.platform for identity in identities}
    assert platforms == set(Platform)
    for identity in identities:
        if identity.platform is Platform.TELEGRAM:
            assert int(identity.external_id) < 0  # never a real Telegram user
        if identity.platform is Platform.MATRIX:
            assert identity.external_id.endswith(":demo.invalid")
    languages = Counter(person.account.language for person in data.people)
    assert languages["de"] > languages["en"] > 0
    for person in data.people:
        account = person.account
        assert any(i.platform is Platform.CONSOLE for i in account.identities)
        assert account.home is not None
        assert account.home.point.distance_km(AACHEN_CENTRE) <= 45
        assert account.consent_at is not None
        assert account.consent_at < now


def test_deterministic() -> None:
    assert build_demo_dataset(NOW, MUNICIPALITIES) == build_demo_dataset(NOW, MUNICIPALITIES)
    assert build_demo_dataset(NOW, MUNICIPALITIES, seed=7) == build_demo_dataset(
        NOW, MUNICIPALITIES, seed=7
    )


def test_another_seed_gives_another_dataset() -> None:
    assert build_demo_dataset(NOW, MUNICIPALITIES, seed=1) != build_demo_dataset(
        NOW, MUNICIPALITIES, seed=2
    )


def test_refuses_a_naive_now() -> None:
    with pytest.raises(ValidationError):
        build_demo_dataset(datetime(2026, 3, 14, 10, 30), MUNICIPALITIES)  # noqa: DTZ001


def test_needs_municipalities() -> None:
    with pytest.raises(ValidationError):
        build_demo_dataset(NOW, ())
