"""Candidate retrieval on both databases: the SQL prefilter and the threshold algorithm give the
same k best as scoring every posting would."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.categories import Category
from domain.lifecycle import PostingEvent, PostingStatus
from domain.places import GEO_BAND_DEG, GeoPoint, Place, geo_band
from domain.postings import Posting, PostingKind, Urgency
from domain.timewindow import OneOff, OpenEnded, TimeWindow, Weekly, WeeklySlot
from matching.retrieval import (
    LOAD_MIN,
    MATCH_SEARCH_RADIUS_KM,
    CandidateQuery,
    Match,
    PostingSketch,
    Stream,
    in_ring,
    local_spans,
    matches_for_posting,
    needs_for_free_now,
    rect_around,
    spans_of,
    top_matches,
)
from matching.scoring import HORIZON, FreeNow, distance_factor, score_free_now, score_postings
from storage.unit_of_work import Database, UnitOfWork
from tests.matching.builders import (
    AACHEN,
    DRIVING,
    FOOD_HYGIENE,
    NOW,
    add_volunteer,
    east_of,
    need,
    north_of,
    offer,
    soon,
)
from tests.storage.helpers import seed_municipalities


def _owners(uow: UnitOfWork, n: int) -> list[int]:
    seed_municipalities(uow)
    return [add_volunteer(uow, name=f"Owner {i}") for i in range(n)]


def _store(uow: UnitOfWork, posting: Posting) -> Posting:
    # a fixed age, not the wall clock's: freshness is part of every score
    stored = uow.postings.add(posting.changed(created_at=posting.created_at or NOW))
    assert stored.id is not None
    return stored


def _ids(matches: Sequence[Match]) -> list[int]:
    return [m.posting.id or 0 for m in matches]  # a match is always a stored posting


# ---- matches_for_posting ------------------------------------------------------------------------


def test_matches_for_a_need_are_the_k_best_offers_in_order(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, other, third = _owners(uow, 3)
        the_need = _store(uow, need(owner=poster, radius_km=5.0, qualifications=[DRIVING]))
        open_offer = {"window": OpenEnded(), "qualifications": [DRIVING], "owner": other}
        by_km = {
            km: _store(uow, offer(at=north_of(AACHEN, km), **open_offer))
            for km in (3.0, 0.5, 2.0, 1.0)
        }
        # an hour in common instead of two: nearer than three of them, but ranked below 2 km
        short = _store(
            uow,
            offer(
                at=north_of(AACHEN, 0.9), window=soon(3, 4), qualifications=[DRIVING], owner=third
            ),
        )
        never = [
            _store(uow, offer(**open_offer, category=Category.ANIMALS)),
            _store(uow, need(window=OpenEnded(), owner=other)),  # the same kind
            _store(uow, offer(**open_offer, at=north_of(AACHEN, 5.5))),
            _store(uow, offer(at=east_of(AACHEN, 0.2), window=soon(5, 2), owner=other)),  # no time
            _store(uow, offer(window=OpenEnded(), owner=other)),  # no driving licence
            _store(uow, offer(**{**open_offer, "owner": poster})),
            _store(uow, offer(**open_offer, status=PostingStatus.DRAFT)),
            _store(uow, offer(**open_offer, status=PostingStatus.PAUSED)),
            _store(uow, offer(**open_offer, status=PostingStatus.WITHDRAWN)),
        ]
        uow.commit()
    with database.unit_of_work() as uow:
        best3 = matches_for_posting(uow.candidates, the_need, NOW, k=3)
        everything = matches_for_posting(uow.candidates, the_need, NOW, k=50)
    assert _ids(best3) == [by_km[0.5].id, by_km[1.0].id, by_km[2.0].id]
    assert _ids(everything) == [
        by_km[0.5].id,
        by_km[1.0].id,
        by_km[2.0].id,
        short.id,
        by_km[3.0].id,
    ]
    assert not {p.id for p in never} & set(_ids(everything))
    values = [m.score.value for m in everything]
    assert values == sorted(values, reverse=True)
    assert [round(m.km, 3) for m in everything] == [0.5, 1.0, 2.0, 0.9, 3.0]
    for match in everything:
        assert match.score == score_postings(the_need, match.posting, NOW)


def test_matches_for_an_offer_rank_an_urgent_need_above_a_nearer_normal_one(
    database: Database,
) -> None:
    with database.unit_of_work() as uow:
        poster, other = _owners(uow, 2)
        the_offer = _store(uow, offer(owner=poster, window=OpenEnded()))
        normal = _store(uow, need(at=north_of(AACHEN, 1.0), owner=other))
        urgent = _store(uow, need(at=north_of(AACHEN, 1.2), owner=other, urgency=Urgency.URGENT))
        uow.commit()
    with database.unit_of_work() as uow:
        found = matches_for_posting(uow.candidates, the_offer, NOW, k=5)
    # 1/(1+1.2/3) = 0.714 beats 0.85/(1+1/3) = 0.6375
    assert _ids(found) == [urgent.id, normal.id]


def test_withdrawn_or_paused_postings_are_never_matched(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, other = _owners(uow, 2)
        the_need = _store(uow, need(owner=poster))
        found_offer = _store(uow, offer(owner=other, window=OpenEnded()))
        gone = _store(uow, offer(owner=other, window=OpenEnded(), at=north_of(AACHEN, 0.1)))
        uow.commit()
    assert found_offer.id is not None
    assert gone.id is not None
    with database.unit_of_work() as uow:
        assert _ids(matches_for_posting(uow.candidates, the_need, NOW)) == [
            found_offer.id,
            gone.id,
        ]
        uow.postings.transition(found_offer.id, PostingEvent.PAUSE)
        uow.postings.transition(gone.id, PostingEvent.WITHDRAW)
        uow.commit()
    with database.unit_of_work() as uow:
        assert matches_for_posting(uow.candidates, the_need, NOW) == []
        uow.postings.transition(found_offer.id, PostingEvent.RESUME)
        uow.commit()
    with database.unit_of_work() as uow:
        assert _ids(matches_for_posting(uow.candidates, the_need, NOW)) == [found_offer.id]


def test_an_offer_that_reaches_farther_is_found_within_its_own_radius(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, other = _owners(uow, 2)
        the_need = _store(uow, need(owner=poster, radius_km=2.0))
        wide = _store(
            uow, offer(owner=other, window=OpenEnded(), at=north_of(AACHEN, 8.0), radius_km=9)
        )
        narrow = _store(
            uow, offer(owner=other, window=OpenEnded(), at=north_of(AACHEN, 6.0), radius_km=5)
        )
        uow.commit()
    with database.unit_of_work() as uow:
        found = matches_for_posting(uow.candidates, the_need, NOW)
    assert _ids(found) == [wide.id]
    assert narrow.id not in _ids(found)


# ---- needs_for_free_now -------------------------------------------------------------------------


def test_needs_for_free_now_overlap_the_window_near_the_point(database: Database) -> None:
    window = FreeNow(
        account_id=0,  # set below
        point=AACHEN,
        radius_km=3.0,
        start=NOW - timedelta(minutes=30),
        end=NOW + timedelta(hours=3),
    )
    with database.unit_of_work() as uow:
        poster, volunteer = _owners(uow, 2)
        window = replace(window, account_id=volunteer)
        inside = _store(uow, need(owner=poster, at=north_of(AACHEN, 1.0), window=soon(1, 2)))
        ongoing = _store(uow, need(owner=poster, at=east_of(AACHEN, 2.5), window=soon(-1, 2)))
        weekly = _store(
            uow,
            need(
                owner=poster,
                at=north_of(AACHEN, -2.0),
                # Saturdays 16–17 h in Aachen: NOW is Saturday 15 h
                window=Weekly((WeeklySlot(5, time(16), time(17)),)),
            ),
        )
        excluded = [
            _store(uow, need(owner=poster, window=soon(3, 2))),  # starts when the window ends
            _store(uow, need(owner=poster, window=soon(-3, 2.5))),  # over half an hour ago
            _store(uow, need(owner=poster, at=north_of(AACHEN, 3.1))),  # outside the radius
            _store(uow, need(owner=poster, at=east_of(AACHEN, 3.2))),
            _store(uow, offer(owner=poster, window=OpenEnded())),  # an offer
            _store(uow, need(owner=volunteer)),  # their own
            _store(uow, need(owner=poster, status=PostingStatus.PAUSED)),
        ]
        uow.commit()
    with database.unit_of_work() as uow:
        found = needs_for_free_now(uow.candidates, window, NOW, exclude_owner_id=volunteer)
        seniors_first = needs_for_free_now(
            uow.candidates,
            replace(window, interests=frozenset({Category.SENIORS})),
            NOW,
            exclude_owner_id=volunteer,
        )
    assert len(found) == 3
    assert set(_ids(found)) == {inside.id, ongoing.id, weekly.id}
    assert not {p.id for p in excluded} & set(_ids(found))
    # someone free now sees what is needed even beyond their topics, ranked lower
    assert set(_ids(seniors_first)) == set(_ids(found))
    assert all(
        other.score.value < plain.score.value
        for other, plain in zip(
            sorted(seniors_first, key=lambda m: m.posting.id or 0),
            sorted(found, key=lambda m: m.posting.id or 0),
            strict=True,
        )
    )
    for match in found:
        assert match.score == score_free_now(match.posting, window, NOW)
    values = [m.score.value for m in found]
    assert values == sorted(values, reverse=True)


def test_needs_for_free_now_need_the_required_qualifications(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, volunteer = _owners(uow, 2)
        hygiene = _store(uow, need(owner=poster, qualifications=[FOOD_HYGIENE]))
        uow.commit()
    window = FreeNow(volunteer, AACHEN, 3.0, NOW, NOW + timedelta(hours=4))
    with database.unit_of_work() as uow:
        assert needs_for_free_now(uow.candidates, window, NOW) == []
        trained = replace(window, qualifications=frozenset({FOOD_HYGIENE}))
        assert _ids(needs_for_free_now(uow.candidates, trained, NOW)) == [hygiene.id]


# ---- the threshold algorithm against scoring everything -----------------------------------------


def _random_window(rng: random.Random) -> TimeWindow:
    roll = rng.random()
    if roll < 0.5:
        start = NOW + timedelta(minutes=rng.randint(-120, 16 * 24 * 60))
        return OneOff(start, start + timedelta(minutes=rng.randint(30, 300)))
    if roll < 0.8:
        day, hour = rng.randint(0, 6), rng.randint(7, 19)
        slot = WeeklySlot(day, time(hour), time(hour + rng.randint(1, 4)))
        return Weekly((slot,), "Europe/Berlin")
    return OpenEnded(None, NOW + timedelta(days=rng.randint(-2, 30)))


def _random_posting(rng: random.Random, owners: Sequence[int], spread_km: float = 9.0) -> Posting:
    kind = rng.choice([PostingKind.NEED, PostingKind.OFFER])
    at = north_of(
        east_of(AACHEN, rng.uniform(-spread_km, spread_km)), rng.uniform(-spread_km, spread_km)
    )
    status = rng.choices(
        [PostingStatus.PUBLISHED, PostingStatus.PAUSED, PostingStatus.WITHDRAWN],
        weights=[0.85, 0.1, 0.05],
    )[0]
    return (need if kind is PostingKind.NEED else offer)(
        category=rng.choice([Category.FOOD, Category.FOOD, Category.SENIORS]),
        at=at,
        # at most the search radius: every possible match then lies within the searched box
        radius_km=rng.choice([1.0, 3.0, 5.0, 8.0, MATCH_SEARCH_RADIUS_KM]),
        window=_random_window(rng),
        qualifications=rng.sample([DRIVING, FOOD_HYGIENE], rng.choice([0, 0, 0, 1])),
        urgency=rng.choice(list(Urgency)) if kind is PostingKind.NEED else Urgency.NORMAL,
        owner=rng.choice(owners),
        created_at=NOW - timedelta(hours=rng.randint(0, 45 * 24)),
        status=status,
    )


def _brute_force(
    everything: Sequence[Posting], posting: Posting, k: int
) -> list[tuple[int | None, float]]:
    scored = []
    for candidate in everything:
        if (
            candidate.status is not PostingStatus.PUBLISHED
            or candidate.owner.account_id == posting.owner.account_id
        ):
            continue
        score = score_postings(posting, candidate, NOW)
        if score.matched:
            km = posting.place.point.distance_km(candidate.place.point)
            scored.append((-score.value, km, candidate.id))
    scored.sort()
    return [(posting_id, -value) for value, _, posting_id in scored[:k]]


def _as_pairs(matches: Sequence[Match]) -> list[tuple[int | None, float]]:
    return [(m.posting.id, m.score.value) for m in matches]


def test_the_threshold_algorithm_finds_what_scoring_everything_finds(database: Database) -> None:
    rng = random.Random(20261121)
    with database.unit_of_work() as uow:
        owners = _owners(uow, 25)
        # half in a dense centre: many candidates at similar distances make a loose bound show
        stored = [
            _store(uow, _random_posting(rng, owners, 1.0 if n % 2 else 9.0)) for n in range(300)
        ]
        uow.commit()
    published = [p for p in stored if p.status is PostingStatus.PUBLISHED]
    queries = [(query, (1, 5, 20)[n % 3]) for n, query in enumerate(rng.sample(published, 27))]
    # postings not stored yet (as while one is being written): urgent fresh needs among them
    urgent = need(owner=owners[0], urgency=Urgency.URGENT, window=OpenEnded(), created_at=NOW)
    elsewhere = urgent.changed(place=Place(east_of(AACHEN, 0.5), "Dom", 3.0))
    queries += [
        (urgent, 5),
        (urgent, 10),
        (elsewhere, 10),
        (elsewhere.changed(place=Place(AACHEN, "Markt", 10.0)), 20),
        (offer(owner=owners[1], window=OpenEnded(), at=east_of(AACHEN, 3.0), created_at=NOW), 5),
    ]
    found = 0
    with database.unit_of_work() as uow:
        everything = uow.candidates.postings([p.id for p in stored if p.id is not None])
        for query, k in queries:
            expected = _brute_force(everything, query, k)
            actual = _as_pairs(matches_for_posting(uow.candidates, query, NOW, k))
            assert [i for i, _ in actual] == [i for i, _ in expected], (query, k)
            assert [v for _, v in actual] == pytest.approx([v for _, v in expected])
            found += len(actual)
    # the comparison is not vacuous: most queries find several matches
    assert found > 80


def test_needs_for_free_now_finds_what_scoring_everything_finds(database: Database) -> None:
    rng = random.Random(4711)
    with database.unit_of_work() as uow:
        owners = _owners(uow, 10)
        stored = [_store(uow, _random_posting(rng, owners)) for _ in range(100)]
        uow.commit()
    with database.unit_of_work() as uow:
        everything = uow.candidates.postings([p.id for p in stored if p.id is not None])
        hits = 0
        for _ in range(10):
            window = FreeNow(
                account_id=owners[0],
                point=north_of(east_of(AACHEN, rng.uniform(-6, 6)), rng.uniform(-6, 6)),
                radius_km=rng.choice([2.0, 5.0, 8.0]),
                start=NOW - timedelta(minutes=10),
                end=NOW + timedelta(hours=rng.choice([6, 48, 120])),
                interests=frozenset(rng.choice([(), (Category.FOOD,)])),
                qualifications=frozenset(rng.choice([(), (DRIVING, FOOD_HYGIENE)])),
            )
            scored = sorted(
                (-s.value, window.point.distance_km(p.place.point), p.id)
                for p in everything
                if p.status is PostingStatus.PUBLISHED
                and p.owner.account_id != owners[0]
                and (s := score_free_now(p, window, NOW)).matched
            )
            expected = [(i, -v) for v, _, i in scored[:8]]
            actual = _as_pairs(
                needs_for_free_now(uow.candidates, window, NOW, k=8, exclude_owner_id=owners[0])
            )
            assert [i for i, _ in actual] == [i for i, _ in expected]
            assert [v for _, v in actual] == pytest.approx([v for _, v in expected])
            hits += len(actual)
    assert hits > 12


class MemorySource:
    """A CandidateSource without SQL: the published postings of the wanted kind and topic in
    the query's ring (or, `whole`, everywhere: a source that reads more than it is asked for),
    so the threshold algorithm is tested apart from the prefilter."""

    def __init__(self, postings: Sequence[Posting], *, whole: bool = False) -> None:
        self._by_id = {p.id: p for p in postings}
        self._whole = whole
        self.loaded = 0
        self.rings: list[tuple[float, float]] = []

    def posting_sketches(self, query: CandidateQuery) -> list[PostingSketch]:
        self.rings.append((query.skip_km, query.radius_km))
        rect, skip = query.rect, query.skip_rect
        return [
            PostingSketch(
                p.id,
                p.kind,
                p.category,
                p.place.lat,
                p.place.lon,
                p.place.radius_km,
                p.urgency,
                p.created_at,
                p.owner.account_id,
            )
            for p in self._by_id.values()
            if p.id is not None
            and p.status is PostingStatus.PUBLISHED
            and p.kind in query.kinds
            and (not query.categories or p.category in query.categories)
            and p.category not in query.other_categories
            and p.owner.account_id != query.exclude_owner_id
            and (self._whole or in_ring(rect, skip, p.place.lat, p.place.lon))
        ]

    def postings(self, ids: Sequence[int]) -> list[Posting]:
        self.loaded += len(ids)
        return [self._by_id[i] for i in ids if i in self._by_id]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(20, 250), st.integers(1, 25), st.booleans())
def test_the_threshold_algorithm_equals_brute_force_in_memory(
    seed: int, size: int, k: int, whole: bool
) -> None:
    rng = random.Random(seed)
    owners = list(range(1, 30))
    everything = [replace(_random_posting(rng, owners), id=i + 1) for i in range(size)]
    # a dense city centre: many candidates at similar distances make a loose bound show
    for i, posting in enumerate(everything[: size // 2]):
        near = north_of(east_of(AACHEN, rng.uniform(-1, 1)), rng.uniform(-1, 1))
        everything[i] = posting.changed(place=Place(near, "Mitte", posting.place.radius_km))
    # `whole`: a source that returns everything on every ring (duplicates must not count twice)
    source = MemorySource(everything, whole=whole)
    query = rng.choice([p for p in everything if p.status is PostingStatus.PUBLISHED])
    if rng.random() < 0.5:  # an urgent new need in the centre: its score bounds are the hard case
        query = need(urgency=Urgency.URGENT, window=OpenEnded(), created_at=NOW, owner=99)
    actual = _as_pairs(matches_for_posting(source, query, NOW, k))
    expected = _brute_force(everything, query, k)
    assert [i for i, _ in actual] == [i for i, _ in expected]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(20, 250), st.integers(1, 25))
def test_needs_for_free_now_equal_brute_force_in_memory(seed: int, size: int, k: int) -> None:
    # someone's own topics first (read first), the others only while they could still make it
    rng = random.Random(seed)
    owners = list(range(1, 30))
    everything = [replace(_random_posting(rng, owners), id=i + 1) for i in range(size)]
    for i, posting in enumerate(everything[: size // 2]):
        near = north_of(east_of(AACHEN, rng.uniform(-1, 1)), rng.uniform(-1, 1))
        everything[i] = posting.changed(place=Place(near, "Mitte", posting.place.radius_km))
    window = FreeNow(
        account_id=owners[0],
        point=north_of(east_of(AACHEN, rng.uniform(-2, 2)), rng.uniform(-2, 2)),
        radius_km=rng.choice([1.0, 3.0, 8.0]),
        start=NOW - timedelta(minutes=10),
        end=NOW + timedelta(hours=rng.choice([2, 30, 200])),
        interests=frozenset(rng.sample([Category.FOOD, Category.SENIORS], rng.choice([0, 1, 2]))),
        qualifications=frozenset(rng.choice([(), (DRIVING,), (DRIVING, FOOD_HYGIENE)])),
    )
    scored = sorted(
        (-s.value, window.point.distance_km(p.place.point), p.id)
        for p in everything
        if p.status is PostingStatus.PUBLISHED
        and p.owner.account_id != owners[0]
        and (s := score_free_now(p, window, NOW)).matched
    )
    expected = [i for _, _, i in scored[:k]]
    source = MemorySource(everything)
    actual = needs_for_free_now(source, window, NOW, k=k, exclude_owner_id=owners[0])
    assert _ids(actual) == expected


def test_ties_are_broken_by_distance_then_id_across_loads() -> None:
    # forty equal offers at one spot, ten a little farther: the nearest first, then the oldest
    offers = [
        offer(posting_id=i + 1, owner=2, at=north_of(AACHEN, 0.3), window=OpenEnded())
        for i in range(40)
    ] + [
        offer(posting_id=41 + i, owner=2, at=north_of(AACHEN, 0.2), window=OpenEnded())
        for i in range(10)
    ]
    found = matches_for_posting(MemorySource(offers), need(owner=1), NOW, k=23)
    assert _ids(found) == [*range(41, 51), *range(1, 14)]


def test_an_urgent_new_need_finds_the_same_offers_as_brute_force_in_a_dense_centre() -> None:
    # offers are never urgent and often older than the need: their own urgency × freshness is
    # no bound for the need's score, which carries the need's (this lost matches before)
    rng = random.Random(1)
    offers = [
        offer(
            posting_id=i + 1,
            owner=i + 2,
            at=north_of(east_of(AACHEN, rng.uniform(-1, 1)), rng.uniform(-1, 1)),
            radius_km=8.0,
            window=soon(rng.randint(1, 100), rng.randint(2, 4)),
            created_at=NOW - timedelta(days=rng.randint(0, 60)),
        )
        for i in range(300)
    ]
    urgent = need(
        owner=1,
        urgency=Urgency.URGENT,
        window=OneOff(NOW + timedelta(hours=1), NOW + timedelta(hours=200)),
        created_at=NOW,
        radius_km=8.0,
    )
    source = MemorySource(offers)
    actual = _as_pairs(matches_for_posting(source, urgent, NOW, k=5))
    assert actual == _brute_force(offers, urgent, 5)
    # …and the early stop still works: far fewer than all 300 were loaded whole
    assert source.loaded < 100


def test_the_search_stops_early_once_nothing_can_beat_the_kth_best() -> None:
    offers = [
        offer(posting_id=i + 1, owner=2, at=north_of(AACHEN, 0.02 * i), window=OpenEnded())
        for i in range(400)
    ]
    source = MemorySource(offers)
    found = matches_for_posting(source, need(owner=1), NOW, k=3)
    assert _ids(found) == [1, 2, 3]
    assert source.loaded <= LOAD_MIN + 3  # one batch, not all 400
    assert len(source.rings) == 1  # the first ring settles it: nothing beyond can beat them


# ---- the box's edges ----------------------------------------------------------------------------


EDGE_BAND = geo_band(AACHEN.lat) + 3
EDGE = EDGE_BAND * GEO_BAND_DEG  # the latitude where EDGE_BAND begins


def _free_now_at(centre: GeoPoint, radius_km: float, account_id: int) -> FreeNow:
    return FreeNow(account_id, centre, radius_km, NOW, NOW + timedelta(hours=4))


def test_a_need_just_inside_the_radius_in_the_next_band_is_found(database: Database) -> None:
    radius = 3.0
    # the circle reaches 30 m across the band boundary: the band must be searched
    centre = north_of(GeoPoint(EDGE, AACHEN.lon), -(radius - 0.03))
    with database.unit_of_work() as uow:
        poster, volunteer = _owners(uow, 2)
        inside = _store(uow, need(owner=poster, at=north_of(centre, radius - 0.01)))
        outside = _store(uow, need(owner=poster, at=north_of(centre, radius + 0.01)))
        south = _store(uow, need(owner=poster, at=north_of(centre, -(radius - 0.01))))
        uow.commit()
    # the circle reaches only 30 m into EDGE_BAND, and both needs lie in it
    assert geo_band(north_of(centre, radius - 0.04).lat) == EDGE_BAND - 1
    assert geo_band(inside.place.lat) == geo_band(outside.place.lat) == EDGE_BAND
    with database.unit_of_work() as uow:
        found = needs_for_free_now(uow.candidates, _free_now_at(centre, radius, volunteer), NOW)
    assert len(found) == 2
    assert set(_ids(found)) == {inside.id, south.id}
    assert outside.id not in _ids(found)


def test_a_need_at_the_very_edge_of_the_radius_across_a_band_boundary_is_found(
    database: Database,
) -> None:
    radius = 5.0
    # the need lies 1 cm across a band boundary and 10 cm inside the radius, due north
    at = GeoPoint(EDGE + 1e-7, AACHEN.lon)
    centre = north_of(at, -(radius - 0.0001))
    with database.unit_of_work() as uow:
        poster, volunteer = _owners(uow, 2)
        edge = _store(uow, need(owner=poster, at=at))
        uow.commit()
    assert edge.place.point.distance_km(centre) < radius
    assert geo_band(edge.place.lat) == EDGE_BAND
    with database.unit_of_work() as uow:
        found = needs_for_free_now(uow.candidates, _free_now_at(centre, radius, volunteer), NOW)
    assert _ids(found) == [edge.id]


def test_the_prefilter_reads_only_the_box_not_the_whole_table(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster, _ = _owners(uow, 2)
        near = _store(uow, need(owner=poster, at=north_of(AACHEN, 1.0)))
        _store(uow, need(owner=poster, at=north_of(AACHEN, 40.0)))
        _store(uow, need(owner=poster, at=east_of(AACHEN, 40.0)))
        uow.commit()
    with database.unit_of_work() as uow:
        sketches = uow.candidates.posting_sketches(
            CandidateQuery(
                centre=AACHEN,
                radius_km=5.0,
                kinds=frozenset({PostingKind.NEED}),
                time_from=NOW,
                time_to=NOW + HORIZON,
            )
        )
    assert [s.id for s in sketches] == [near.id]


def test_whether_a_wide_offer_is_found_does_not_depend_on_its_direction() -> None:
    # 12 km away with a 15 km radius: beyond the 10 km search circle, due north or in the
    # box's north-east corner alike
    corner = east_of(north_of(AACHEN, 12 / math.sqrt(2)), 12 / math.sqrt(2))
    offers = [
        offer(posting_id=1, owner=2, at=north_of(AACHEN, 12.0), radius_km=15.0),
        offer(posting_id=2, owner=2, at=corner, radius_km=15.0),
        offer(posting_id=3, owner=2, at=north_of(AACHEN, 8.0), radius_km=15.0),
    ]
    found = matches_for_posting(MemorySource(offers), need(owner=1), NOW)
    assert _ids(found) == [3]


# ---- rings --------------------------------------------------------------------------------------


def test_rings_read_each_posting_of_the_rectangle_once(database: Database) -> None:
    # postings on a grid, and on the very edges of the inner rectangles: rings of growing
    # radius, each leaving out what the smaller one read, together read the whole rectangle
    centre = north_of(GeoPoint(EDGE, AACHEN.lon), -0.7)
    radii = (0.6, 1.3, 2.9, 6.0)
    rects = [rect_around(centre, r) for r in radii]
    points = [
        north_of(east_of(centre, 0.45 * x), 0.45 * y)
        for x in range(-14, 15)
        for y in range(-14, 15)
    ]
    for rect in rects[:-1]:  # the edges of each rectangle left out by the next ring
        for lat in (rect.lat_min, rect.lat_max):
            for lon in (rect.lon_min, rect.lon_max, centre.lon):
                points.append(GeoPoint(lat, lon))
        for lon in (rect.lon_min, rect.lon_max):
            points.append(GeoPoint(centre.lat, lon))
    with database.unit_of_work() as uow:
        poster, _ = _owners(uow, 2)
        stored = [_store(uow, need(owner=poster, at=at, window=OpenEnded())) for at in points]
        uow.commit()
    query = CandidateQuery(
        centre=centre,
        radius_km=radii[-1],
        kinds=frozenset({PostingKind.NEED}),
        time_from=NOW,
        time_to=NOW + HORIZON,
    )
    inside = {p.id for p in stored if rects[-1].holds(p.place.lat, p.place.lon)}
    with database.unit_of_work() as uow:
        whole = [s.id for s in uow.candidates.posting_sketches(query)]
        by_ring: list[int] = []
        read = 0.0
        for radius in radii:
            ring = replace(query, radius_km=radius, skip_km=read)
            by_ring += [s.id for s in uow.candidates.posting_sketches(ring)]
            read = radius
    assert sorted(whole) == sorted(inside)
    assert sorted(by_ring) == sorted(inside)  # each once: no duplicates, nothing missed
    assert len(inside) > 400


def test_a_ring_holding_more_than_a_query_returns_is_read_in_narrower_rings() -> None:
    # the limit of each query (a safety net) cut a ring short: narrower rings read the rest,
    # and the result is still what scoring everything gives
    rng = random.Random(7)
    offers = [
        offer(
            posting_id=i + 1,
            owner=2,
            at=north_of(east_of(AACHEN, rng.uniform(-0.8, 0.8)), rng.uniform(-0.8, 0.8)),
            window=OpenEnded(),
            created_at=NOW - timedelta(days=rng.randint(0, 40)),
        )
        for i in range(120)
    ]
    the_need = need(owner=1, window=OpenEnded(), created_at=NOW)

    class Limited(MemorySource):
        def posting_sketches(self, query: CandidateQuery) -> list[PostingSketch]:
            found = super().posting_sketches(query)
            rng.shuffle(found)
            return found[: query.limit]

    query = CandidateQuery(
        centre=AACHEN,
        radius_km=MATCH_SEARCH_RADIUS_KM,
        kinds=frozenset({PostingKind.OFFER}),
        categories=frozenset({the_need.category}),
        time_from=NOW,
        time_to=NOW + HORIZON,
        exclude_owner_id=1,
        limit=15,
    )
    source = Limited(offers)

    def bound(sketch: PostingSketch, km: float) -> float:
        return distance_factor(km, MATCH_SEARCH_RADIUS_KM)

    found = top_matches(
        source, [Stream(query, 1.0)], bound, lambda o: score_postings(the_need, o, NOW), k=12
    )
    assert _as_pairs(found) == _brute_force(offers, the_need, 12)
    assert len(source.rings) > 4


def test_local_spans_round_out_to_whole_minutes_and_split_at_midnight() -> None:
    tuesday = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 17:30 in Berlin
    hour = timedelta(hours=1)
    assert local_spans(tuesday, tuesday + hour, "Europe/Berlin") == ((1, 1050, 1110),)
    # half a second past 18:30 still meets a slot from 18:30
    half = timedelta(microseconds=500_000)
    assert local_spans(tuesday + half, tuesday + hour + half, "Europe/Berlin") == ((1, 1050, 1111),)
    late = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    assert local_spans(late, late + hour, "Europe/Berlin") == ((1, 1410, 1440), (2, 0, 30))
    assert local_spans(tuesday, tuesday + timedelta(days=1), "Europe/Berlin") is None
    # the same span a week later once; a day-long interval leaves no rule
    week = timedelta(days=7)
    assert spans_of(
        [(tuesday, tuesday + hour), (tuesday + week, tuesday + week + hour)], "Europe/Berlin"
    ) == ((1, 1050, 1110),)
    assert spans_of([(tuesday, tuesday + timedelta(hours=30))], "Europe/Berlin") is None
