"""Scoring: the factors, the three pairings, usual availability and the reasons a match gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.actors import Availability
from domain.categories import Category
from domain.places import GeoPoint, Place
from domain.postings import Posting, PostingKind, Urgency
from domain.qualifications import Qualification
from domain.timewindow import Interval, OneOff, OpenEnded, TimeWindow, Weekly, WeeklySlot
from matching.scoring import (
    DISTANCE_SCALE_KM,
    NO_INTEREST_FACTOR,
    NORMAL_URGENCY_FACTOR,
    OTHER_TOPIC_FACTOR,
    STALE_FACTOR,
    UNKNOWN_AVAILABILITY_FACTOR,
    Brings,
    FreeNow,
    Near,
    Topic,
    Urgent,
    VolunteerProfile,
    When,
    common_time,
    covers,
    distance_factor,
    freshness_factor,
    overlap_factor,
    score_free_now,
    score_postings,
    score_volunteer,
    topic_factor,
    urgency_factor,
)
from tests.matching.builders import (
    AACHEN,
    BERLIN,
    DRIVING,
    FIRST_AID,
    FOOD_HYGIENE,
    NOW,
    east_of,
    need,
    north_of,
    offer,
    soon,
)

# ---- strategies ---------------------------------------------------------------------------------

QUALIFICATIONS = (FOOD_HYGIENE, DRIVING, FIRST_AID)
qualification_sets = st.frozensets(st.sampled_from(QUALIFICATIONS), max_size=3)
points = st.builds(
    GeoPoint, st.floats(50.70, 50.85, allow_nan=False), st.floats(5.95, 6.25, allow_nan=False)
)
radii = st.floats(0.5, 20.0, allow_nan=False)


@st.composite
def one_offs(draw: st.DrawFn) -> OneOff:
    start = NOW + timedelta(minutes=draw(st.integers(-6 * 60, 14 * 24 * 60)))
    return OneOff(start, start + timedelta(minutes=draw(st.integers(15, 10 * 60))))


@st.composite
def weeklies(draw: st.DrawFn) -> Weekly:
    slots = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(6 * 60, 20 * 60))
        end = start + draw(st.integers(30, 180))
        slots.append(
            WeeklySlot(
                draw(st.integers(0, 6)), time(start // 60, start % 60), time(end // 60, end % 60)
            )
        )
    return Weekly(tuple(slots), "Europe/Berlin")


@st.composite
def open_endeds(draw: st.DrawFn) -> OpenEnded:
    start = draw(st.none() | st.integers(-30, 20).map(lambda d: NOW + timedelta(days=d)))
    length = draw(st.none() | st.integers(1, 60).map(lambda d: timedelta(days=d)))
    until = (start or NOW) + length if length is not None else None
    return OpenEnded(start, until)


windows: st.SearchStrategy[TimeWindow] = st.one_of(one_offs(), weeklies(), open_endeds())
created = st.none() | st.integers(0, 60 * 24).map(lambda h: NOW - timedelta(hours=h))


@st.composite
def postings(
    draw: st.DrawFn, kind: PostingKind | None = None, at: GeoPoint | None = None
) -> Posting:
    kind = kind or draw(st.sampled_from(PostingKind))
    urgency = Urgency.NORMAL
    if kind is PostingKind.NEED:
        urgency = draw(st.sampled_from(Urgency))
    return (need if kind is PostingKind.NEED else offer)(
        category=draw(st.sampled_from([Category.FOOD, Category.SENIORS])),
        at=at or draw(points),
        radius_km=draw(radii),
        window=draw(windows),
        qualifications=draw(qualification_sets),
        urgency=urgency,
        created_at=draw(created),
    )


# ---- factors ------------------------------------------------------------------------------------


def test_distance_factor_is_one_on_the_spot_half_at_the_scale_and_zero_beyond_reach() -> None:
    assert distance_factor(0.0, 5.0) == 1.0
    assert distance_factor(DISTANCE_SCALE_KM, 5.0) == pytest.approx(0.5)
    assert distance_factor(5.0, 5.0) == pytest.approx(1 / (1 + 5 / DISTANCE_SCALE_KM))
    assert distance_factor(5.0001, 5.0) == 0.0


@given(st.floats(0, 50), st.floats(0, 50), st.floats(0.1, 50))
def test_distance_factor_never_rises_with_distance(a: float, b: float, reach: float) -> None:
    near, far = sorted((a, b))
    assert distance_factor(far, reach) <= distance_factor(near, reach)


def test_the_other_factors() -> None:
    assert overlap_factor(timedelta(0)) == 0.0
    assert overlap_factor(timedelta(hours=1)) == pytest.approx(0.75)
    assert overlap_factor(timedelta(hours=2)) == 1.0
    assert overlap_factor(timedelta(hours=9)) == 1.0
    assert urgency_factor(Urgency.URGENT) == 1.0
    assert urgency_factor(Urgency.NORMAL) == NORMAL_URGENCY_FACTOR
    assert freshness_factor(None, NOW) == 1.0
    assert freshness_factor(NOW, NOW) == 1.0
    assert freshness_factor(NOW - timedelta(days=15), NOW) == pytest.approx(
        1 - (1 - STALE_FACTOR) / 2
    )
    assert freshness_factor(NOW - timedelta(days=300), NOW) == pytest.approx(STALE_FACTOR)
    assert topic_factor(Category.FOOD, frozenset()) == NO_INTEREST_FACTOR
    assert topic_factor(Category.FOOD, frozenset({Category.FOOD})) == 1.0
    assert topic_factor(Category.FOOD, frozenset({Category.ANIMALS})) == 0.0


def test_common_time_of_a_one_off_and_a_weekly_window() -> None:
    # Saturday 21 Nov, 14–18 h in Aachen; the weekly offer is Saturdays 16–20 h
    saturday = OneOff(
        datetime(2026, 11, 21, 14, tzinfo=BERLIN), datetime(2026, 11, 21, 18, tzinfo=BERLIN)
    )
    weekly = Weekly((WeeklySlot(5, time(16), time(20)),))
    common = common_time(saturday, weekly, NOW - timedelta(days=1), NOW + timedelta(days=14))
    assert common == [
        (
            datetime(2026, 11, 21, 16, tzinfo=BERLIN),
            datetime(2026, 11, 21, 18, tzinfo=BERLIN),
        )
    ]


# ---- need ↔ offer -------------------------------------------------------------------------------


def test_a_near_need_and_offer_with_common_time_score_the_product_of_their_factors() -> None:
    a_need = need(at=north_of(AACHEN, 1.5), urgency=Urgency.URGENT, window=soon(2, 1))
    an_offer = offer(window=OpenEnded())
    score = score_postings(a_need, an_offer, NOW)
    # 1.5 km → 1/(1 + 0.5); one common hour → 0.75; urgent → 1; no created_at → fresh
    assert score.value == pytest.approx((1 / 1.5) * 0.75)
    assert score.matched


@settings(max_examples=60)
@given(
    postings(PostingKind.NEED),
    postings(PostingKind.OFFER, at=AACHEN),
    st.floats(0.0, 25.0),
    st.floats(0.0, 25.0),
)
def test_the_score_never_rises_as_the_need_moves_farther_away(
    a_need: Posting, an_offer: Posting, d1: float, d2: float
) -> None:
    near_km, far_km = sorted((d1, d2))
    nearer = a_need.changed(place=Place(north_of(AACHEN, near_km), "A", a_need.place.radius_km))
    farther = a_need.changed(place=Place(north_of(AACHEN, far_km), "B", a_need.place.radius_km))
    assert (
        score_postings(farther, an_offer, NOW).value <= score_postings(nearer, an_offer, NOW).value
    )


def test_a_matching_pair_scores_less_as_the_need_moves_away() -> None:
    # the property above must not hold only because every score is zero
    an_offer = offer(window=OpenEnded(), radius_km=10.0)
    scores = [
        score_postings(need(at=north_of(AACHEN, km)), an_offer, NOW).value for km in (0, 2, 4, 8)
    ]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == 4
    assert scores[-1] > 0
    assert score_postings(need(at=north_of(AACHEN, 10.5)), an_offer, NOW).value == 0.0


@settings(max_examples=60)
@given(postings(), postings())
def test_the_need_offer_score_is_the_same_both_ways(a: Posting, b: Posting) -> None:
    assert score_postings(a, b, NOW) == score_postings(b, a, NOW)


@settings(max_examples=60)
@given(postings(PostingKind.NEED), postings(PostingKind.OFFER))
def test_the_need_offer_score_is_the_same_both_ways_for_a_same_topic_pair(
    a_need: Posting, an_offer: Posting
) -> None:
    an_offer = an_offer.changed(category=a_need.category)
    assert score_postings(a_need, an_offer, NOW) == score_postings(an_offer, a_need, NOW)


def test_symmetry_holds_for_a_real_match_with_reasons() -> None:
    a_need = need(at=east_of(AACHEN, 2.0), qualifications=[DRIVING], urgency=Urgency.URGENT)
    an_offer = offer(qualifications=[DRIVING, FIRST_AID], window=OpenEnded())
    forwards, backwards = (
        score_postings(a_need, an_offer, NOW),
        score_postings(an_offer, a_need, NOW),
    )
    assert forwards.matched
    assert forwards == backwards


@settings(max_examples=25)
@given(postings(PostingKind.NEED), postings(PostingKind.NEED))
def test_two_needs_never_match(a: Posting, b: Posting) -> None:
    assert score_postings(a, b.changed(category=a.category), NOW).value == 0.0


@settings(max_examples=25)
@given(postings(PostingKind.OFFER), postings(PostingKind.OFFER))
def test_two_offers_never_match(a: Posting, b: Posting) -> None:
    assert score_postings(a, b.changed(category=a.category), NOW).value == 0.0


def test_two_identical_needs_at_one_place_do_not_match() -> None:
    assert score_postings(need(window=OpenEnded()), need(window=OpenEnded()), NOW).value == 0.0
    assert score_postings(offer(window=OpenEnded()), offer(window=OpenEnded()), NOW).value == 0.0


@given(one_offs(), st.integers(0, 24 * 60))
def test_no_common_time_scores_zero(window: OneOff, gap_minutes: int) -> None:
    later_start = window.end + timedelta(minutes=gap_minutes)
    later = OneOff(later_start, later_start + timedelta(hours=3))
    assert score_postings(need(window=window), offer(window=later), NOW).value == 0.0
    assert score_postings(need(window=later), offer(window=window), NOW).value == 0.0


def test_common_time_only_in_the_past_or_beyond_the_horizon_scores_zero() -> None:
    past = OneOff(NOW - timedelta(hours=5), NOW - timedelta(hours=1))
    assert score_postings(need(window=past), offer(window=OpenEnded()), NOW).value == 0.0
    far = OneOff(NOW + timedelta(days=20), NOW + timedelta(days=20, hours=2))
    assert score_postings(need(window=far), offer(window=OpenEnded()), NOW).value == 0.0


@given(
    st.frozensets(st.sampled_from(QUALIFICATIONS), min_size=1),
    qualification_sets,
)
def test_a_missing_required_qualification_scores_zero(
    required: frozenset[Qualification], brought: frozenset[Qualification]
) -> None:
    score = score_postings(
        need(qualifications=required), offer(qualifications=brought, window=OpenEnded()), NOW
    )
    assert score.matched is (required <= brought)


def test_different_topics_never_match() -> None:
    a_need = need(category=Category.SENIORS)
    assert score_postings(a_need, offer(window=OpenEnded()), NOW).value == 0.0


def test_reach_is_the_wider_of_the_two_radii() -> None:
    far = north_of(AACHEN, 8.0)
    narrow = offer(window=OpenEnded(), radius_km=2.0)
    assert score_postings(need(at=far, radius_km=9.0), narrow, NOW).matched
    assert not score_postings(need(at=far, radius_km=7.5), narrow, NOW).matched


# ---- need ↔ volunteer profile and "free now" ---------------------------------------------------


def _volunteer(**changes: object) -> VolunteerProfile:
    values: dict[str, object] = {
        "account_id": 7,
        "home": AACHEN,
        "reach_km": 5.0,
        "time_zone": "Europe/Berlin",
    }
    values.update(changes)
    return VolunteerProfile(**values)  # type: ignore[arg-type]


def _free_now(**changes: object) -> FreeNow:
    values: dict[str, object] = {
        "account_id": 7,
        "point": AACHEN,
        "radius_km": 5.0,
        "start": NOW,
        "end": NOW + timedelta(hours=4),
    }
    values.update(changes)
    return FreeNow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("km", [5.01, 6.0, 30.0])
def test_volunteer_and_free_now_score_zero_beyond_reach(km: float) -> None:
    far_need = need(at=north_of(AACHEN, km))
    assert score_volunteer(far_need, _volunteer(), NOW).value == 0.0
    assert score_free_now(far_need, _free_now(), NOW).value == 0.0
    # …and inside it they match: the cut is the reach, not something else
    wider = km + 1.0
    assert score_volunteer(far_need, _volunteer(reach_km=wider), NOW).matched
    assert score_free_now(far_need, _free_now(radius_km=wider), NOW).matched


@settings(max_examples=50)
@given(postings(PostingKind.NEED, at=AACHEN), st.floats(0.0, 12.0), st.floats(0.0, 12.0))
def test_volunteer_and_free_now_scores_never_rise_with_distance(
    a_need: Posting, d1: float, d2: float
) -> None:
    near_km, far_km = sorted((d1, d2))
    window_end = NOW + timedelta(days=3)
    nearer = _volunteer(reach_km=10.0, home=north_of(AACHEN, near_km))
    farther = _volunteer(reach_km=10.0, home=north_of(AACHEN, far_km))
    assert score_volunteer(a_need, farther, NOW).value <= score_volunteer(a_need, nearer, NOW).value
    near_window = _free_now(radius_km=10.0, end=window_end, point=north_of(AACHEN, near_km))
    far_window = _free_now(radius_km=10.0, end=window_end, point=north_of(AACHEN, far_km))
    assert score_free_now(a_need, far_window, NOW).value <= (
        score_free_now(a_need, near_window, NOW).value
    )


def test_an_excluded_topic_scores_zero_and_a_named_one_scores_more_than_none() -> None:
    a_need = need()
    animals = frozenset({Category.ANIMALS})
    food = frozenset({Category.FOOD, Category.ANIMALS})
    assert score_volunteer(a_need, _volunteer(interests=animals), NOW).value == 0.0
    # someone free now still sees it, ranked below what they named or would take anything
    other = score_free_now(a_need, _free_now(interests=animals), NOW)
    anything = score_free_now(a_need, _free_now(), NOW)
    assert other.value == pytest.approx(anything.value * OTHER_TOPIC_FACTOR / NO_INTEREST_FACTOR)
    named = score_volunteer(a_need, _volunteer(interests=food), NOW)
    unnamed = score_volunteer(a_need, _volunteer(), NOW)
    assert named.value == pytest.approx(unnamed.value / NO_INTEREST_FACTOR)
    assert named.reason(Topic) == Topic(Category.FOOD, True)
    assert unnamed.reason(Topic) == Topic(Category.FOOD, False)


def test_volunteer_and_free_now_need_the_required_qualifications() -> None:
    a_need = need(qualifications=[FOOD_HYGIENE, DRIVING])
    assert not score_volunteer(a_need, _volunteer(qualifications=frozenset({DRIVING})), NOW).matched
    assert not score_free_now(a_need, _free_now(qualifications=frozenset({DRIVING})), NOW).matched
    both = frozenset({FOOD_HYGIENE, DRIVING, FIRST_AID})
    assert score_volunteer(a_need, _volunteer(qualifications=both), NOW).matched
    assert score_free_now(a_need, _free_now(qualifications=both), NOW).matched


def test_an_offer_is_not_scored_against_a_volunteer_or_a_free_now_window() -> None:
    assert score_volunteer(offer(), _volunteer(), NOW).value == 0.0
    assert score_free_now(offer(), _free_now(), NOW).value == 0.0


def test_free_now_needs_time_in_common_with_the_window() -> None:
    window = _free_now(end=NOW + timedelta(hours=2))
    assert score_free_now(need(window=soon(1, 3)), window, NOW).matched
    assert not score_free_now(need(window=soon(2, 3)), window, NOW).matched  # starts at its end
    assert not score_free_now(need(window=soon(5, 1)), window, NOW).matched


def test_free_now_counts_time_from_now_not_from_when_the_window_opened() -> None:
    # opened an hour ago; the need was 1 h ago–now: nothing of it is left
    window = _free_now(start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=2))
    past = OneOff(NOW - timedelta(hours=1), NOW)
    assert not score_free_now(need(window=past), window, NOW).matched


def test_a_volunteer_whose_usual_availability_misses_the_need_scores_zero() -> None:
    monday_morning = OneOff(
        datetime(2026, 11, 23, 9, tzinfo=BERLIN), datetime(2026, 11, 23, 11, tzinfo=BERLIN)
    )
    a_need = need(window=monday_morning)
    weekends = _volunteer(availability=frozenset({Availability.WEEKENDS}))
    daytime = _volunteer(availability=frozenset({Availability.WEEKDAY_DAYTIME}))
    unknown = _volunteer()
    assert score_volunteer(a_need, weekends, NOW).value == 0.0
    assert score_volunteer(a_need, daytime, NOW).matched
    # without a stated availability the volunteer might fit: a lower score, not none
    assert score_volunteer(a_need, unknown, NOW).value == pytest.approx(
        score_volunteer(a_need, daytime, NOW).value * UNKNOWN_AVAILABILITY_FACTOR
    )


# ---- usual availability -------------------------------------------------------------------------


def _local(day: date, start: time, end: time) -> Interval:
    return datetime.combine(day, start, BERLIN), datetime.combine(day, end, BERLIN)


MONDAY, SATURDAY, SUNDAY = date(2026, 11, 23), date(2026, 11, 28), date(2026, 11, 29)
FAR = datetime(2026, 11, 1, 12, tzinfo=BERLIN)  # "now" far before, so spontaneity never applies


@pytest.mark.parametrize(
    ("availability", "interval", "covered"),
    [
        (Availability.WEEKDAY_DAYTIME, _local(MONDAY, time(9), time(11)), True),
        (Availability.WEEKDAY_DAYTIME, _local(MONDAY, time(16, 30), time(18)), True),
        (Availability.WEEKDAY_DAYTIME, _local(MONDAY, time(17), time(19)), False),
        (Availability.WEEKDAY_DAYTIME, _local(MONDAY, time(6), time(8)), False),
        (Availability.WEEKDAY_DAYTIME, _local(SATURDAY, time(10), time(12)), False),
        (Availability.WEEKDAY_EVENINGS, _local(MONDAY, time(18), time(20)), True),
        (Availability.WEEKDAY_EVENINGS, _local(MONDAY, time(9), time(11)), False),
        (Availability.WEEKDAY_EVENINGS, _local(MONDAY, time(22), time(23)), False),
        (Availability.WEEKDAY_EVENINGS, _local(SUNDAY, time(18), time(20)), False),
        (Availability.WEEKENDS, _local(SATURDAY, time(10), time(12)), True),
        (Availability.WEEKENDS, _local(SUNDAY, time(21), time(23)), True),
        (Availability.WEEKENDS, _local(SUNDAY, time(22), time(23)), False),
        (Availability.WEEKENDS, _local(MONDAY, time(10), time(12)), False),
        (Availability.SPONTANEOUS, _local(MONDAY, time(10), time(12)), False),
    ],
)
def test_covers_each_pattern_in_the_volunteers_zone(
    availability: Availability, interval: Interval, covered: bool
) -> None:
    assert covers(frozenset({availability}), interval, "Europe/Berlin", FAR) is covered


def test_a_friday_night_into_saturday_is_covered_by_weekends() -> None:
    friday_night = (
        datetime(2026, 11, 27, 23, tzinfo=BERLIN),
        datetime(2026, 11, 28, 9, tzinfo=BERLIN),
    )
    assert covers(frozenset({Availability.WEEKENDS}), friday_night, "Europe/Berlin", FAR)
    assert not covers(
        frozenset({Availability.WEEKDAY_EVENINGS}), friday_night, "Europe/Berlin", FAR
    )


def test_spontaneous_covers_what_starts_within_a_day() -> None:
    now = datetime(2026, 11, 23, 9, tzinfo=BERLIN)
    spontaneous = frozenset({Availability.SPONTANEOUS})
    tonight = _local(MONDAY, time(23), time(23, 59))
    tomorrow_late = (now + timedelta(hours=24, minutes=1), now + timedelta(hours=26))
    ongoing = (now - timedelta(hours=1), now + timedelta(hours=1))
    assert covers(spontaneous, tonight, "Europe/Berlin", now)
    assert covers(spontaneous, ongoing, "Europe/Berlin", now)
    assert not covers(spontaneous, tomorrow_late, "Europe/Berlin", now)


def test_availability_is_read_in_the_volunteers_own_zone() -> None:
    # Monday 16–17 h in Berlin is 10–11 h in New York: daytime there, not evening
    interval = _local(MONDAY, time(16), time(17))
    assert covers(frozenset({Availability.WEEKDAY_DAYTIME}), interval, "America/New_York", FAR)
    assert not covers(frozenset({Availability.WEEKDAY_EVENINGS}), interval, "America/New_York", FAR)
    # Monday 23:30 in Berlin is Tuesday 07:30 in Tokyo: before daytime there
    late = _local(MONDAY, time(23, 30), time(23, 59))
    assert not covers(frozenset({Availability.WEEKDAY_DAYTIME}), late, "Asia/Tokyo", FAR)


def test_weekends_across_the_change_to_winter_time() -> None:
    weekends = frozenset({Availability.WEEKENDS})
    hour = timedelta(hours=1)
    # the Sunday before: summer time, 06:00 UTC = 08:00 CEST → inside the weekend day
    before = datetime(2026, 10, 18, 6, tzinfo=UTC)
    assert covers(weekends, (before, before + hour), "Europe/Berlin", FAR)
    # the change day, Sun 25 Oct: 06:00 UTC = 07:00 CET → 07–08 h, before the weekend day starts
    change = datetime(2026, 10, 25, 6, tzinfo=UTC)
    assert not covers(weekends, (change, change + hour), "Europe/Berlin", FAR)
    assert covers(weekends, (change + hour, change + 2 * hour), "Europe/Berlin", FAR)
    # the end of the day moves too: 21:00 UTC = 22:00 CET, the weekend day is over
    evening = datetime(2026, 10, 25, 21, tzinfo=UTC)
    assert not covers(weekends, (evening, evening + hour), "Europe/Berlin", FAR)
    assert covers(weekends, (evening - hour, evening), "Europe/Berlin", FAR)
    # the night of the change (02:00–03:00 happens twice) is no weekend day time
    night = (datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 2, tzinfo=UTC))
    assert not covers(weekends, night, "Europe/Berlin", FAR)


def test_weekends_across_the_change_to_summer_time() -> None:
    weekends = frozenset({Availability.WEEKENDS})
    hour = timedelta(hours=1)
    # Sun 28 Mar 2027: 06:00 UTC = 08:00 CEST (it was 07:00 CET the Sunday before)
    change = datetime(2027, 3, 28, 6, tzinfo=UTC)
    assert covers(weekends, (change, change + hour), "Europe/Berlin", FAR)
    week_before = datetime(2027, 3, 21, 6, tzinfo=UTC)
    assert not covers(weekends, (week_before, week_before + hour), "Europe/Berlin", FAR)
    # 20:00 UTC = 22:00 CEST: over
    evening = datetime(2027, 3, 28, 20, tzinfo=UTC)
    assert not covers(weekends, (evening, evening + hour), "Europe/Berlin", FAR)


# ---- reasons ------------------------------------------------------------------------------------


def test_a_match_says_why_near_when_brings_topic_urgent() -> None:
    start = datetime(2026, 11, 22, 10, tzinfo=BERLIN)
    a_need = need(
        at=north_of(AACHEN, 2.1),
        window=OneOff(start, start + timedelta(hours=4)),
        qualifications=[DRIVING],
        urgency=Urgency.URGENT,
    )
    an_offer = offer(
        window=Weekly((WeeklySlot(6, time(11), time(13)),)), qualifications=[DRIVING, FIRST_AID]
    )
    score = score_postings(a_need, an_offer, NOW)
    near = score.reason(Near)
    assert isinstance(near, Near)
    assert near.km == pytest.approx(2.1)
    assert score.reason(When) == When(
        datetime(2026, 11, 22, 11, tzinfo=BERLIN), datetime(2026, 11, 22, 13, tzinfo=BERLIN)
    )
    assert score.reason(Brings) == Brings(frozenset({DRIVING}))
    assert score.reason(Urgent) == Urgent()
    assert score.reason(Topic) == Topic(Category.FOOD, False)


def test_without_required_qualifications_or_urgency_there_is_no_such_reason() -> None:
    score = score_postings(need(), offer(qualifications=[DRIVING], window=OpenEnded()), NOW)
    assert score.matched
    assert score.reason(Brings) is None
    assert score.reason(Urgent) is None
    assert [type(r) for r in score.reasons] == [Near, When, Topic]


def test_a_volunteer_match_is_when_their_availability_covers_the_need() -> None:
    # Monday 9–11 h and Saturday 10–12 h: a weekend volunteer is told about the Saturday
    a_need = need(
        window=Weekly((WeeklySlot(0, time(9), time(11)), WeeklySlot(5, time(10), time(12)))),
        urgency=Urgency.URGENT,
        qualifications=[FOOD_HYGIENE],
    )
    profile = _volunteer(
        availability=frozenset({Availability.WEEKENDS}), qualifications=frozenset({FOOD_HYGIENE})
    )
    score = score_volunteer(a_need, profile, NOW)
    assert score.reason(When) == When(
        datetime(2026, 11, 28, 10, tzinfo=BERLIN), datetime(2026, 11, 28, 12, tzinfo=BERLIN)
    )
    assert score.reason(Brings) == Brings(frozenset({FOOD_HYGIENE}))
    assert score.reason(Urgent) == Urgent()
    near = score.reason(Near)
    assert isinstance(near, Near)
    assert near.km == 0.0


def test_a_free_now_match_is_when_the_need_and_the_window_overlap() -> None:
    a_need = need(at=east_of(AACHEN, 1.0), window=soon(1, 5), urgency=Urgency.URGENT)
    window = _free_now(end=NOW + timedelta(hours=3))
    score = score_free_now(a_need, window, NOW)
    assert score.reason(When) == When(NOW + timedelta(hours=1), NOW + timedelta(hours=3))
    near = score.reason(Near)
    assert isinstance(near, Near)
    assert near.km == pytest.approx(1.0, abs=0.01)
    assert score.reason(Urgent) == Urgent()
    # two common hours are a full fit; 1 km → 1/(1 + 1/3); no topics named; urgent; fresh
    assert score.value == pytest.approx(NO_INTEREST_FACTOR / (1 + near.km / 3))
