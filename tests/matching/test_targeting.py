"""Who is alerted about an urgent need (on both databases), and how the waves of a campaign go."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest

from domain.actors import Availability, QuietHours
from domain.categories import Category
from domain.places import GeoPoint
from domain.postings import Posting, Urgency
from domain.qualifications import Qualification
from domain.timewindow import OneOff
from matching.scoring import (
    Brings,
    FreeNow,
    Urgent,
    VolunteerProfile,
    score_free_now,
    score_volunteer,
)
from matching.targeting import (
    CampaignEnd,
    PushPolicy,
    Target,
    WavePlan,
    after_wave,
    digest_recipients,
    in_quiet_hours,
    plan_wave,
    select_targets,
)
from storage.unit_of_work import Database, UnitOfWork
from tests.matching.builders import (
    AACHEN,
    DRIVING,
    FIRST_AID,
    NOW,
    add_volunteer,
    east_of,
    need,
    north_of,
)
from tests.storage.helpers import seed_municipalities

POLICY = PushPolicy()
FREE_FOR = timedelta(hours=4)


def _poster(uow: UnitOfWork) -> int:
    seed_municipalities(uow)
    return add_volunteer(uow, AACHEN, name="Tafel")


def _urgent(uow: UnitOfWork, poster: int, **changes: object) -> Posting:
    values: dict[str, object] = {"owner": poster, "urgency": Urgency.URGENT, "created_at": NOW}
    values.update(changes)
    stored = uow.postings.add(need(**values))
    assert stored.id is not None
    return stored


def _targets(
    database: Database,
    the_need: Posting,
    radius_km: float = 10.0,
    k: int = 20,
    policy: PushPolicy = POLICY,
    now: datetime = NOW,
) -> list[Target]:
    with database.unit_of_work() as uow:
        return select_targets(uow.candidates, the_need, now, policy, radius_km, k)


def _accounts(targets: list[Target]) -> list[int]:
    return [t.account_id for t in targets]


def _free_now(uow: UnitOfWork, account_id: int, at: GeoPoint, radius_km: float = 5.0) -> None:
    uow.pushes.open_window(
        account_id, at, "hier", radius_km, NOW - timedelta(minutes=10), NOW + FREE_FOR
    )


# ---- who, in which order ------------------------------------------------------------------------


def test_the_nearest_eligible_volunteers_first_at_most_k(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster = _poster(uow)
        the_need = _urgent(uow, poster)
        by_km = {km: add_volunteer(uow, north_of(AACHEN, km)) for km in (3.0, 0.5, 2.0, 1.0, 7.0)}
        uow.commit()
    three = _targets(database, the_need, k=3)
    assert _accounts(three) == [by_km[0.5], by_km[1.0], by_km[2.0]]
    assert [round(t.km, 3) for t in three] == [0.5, 1.0, 2.0]
    assert all(not t.free_now and t.score.matched for t in three)
    # the wave's radius limits them too
    assert _accounts(_targets(database, the_need, radius_km=2.5)) == [
        by_km[0.5],
        by_km[1.0],
        by_km[2.0],
    ]
    everyone = _targets(database, the_need)
    assert _accounts(everyone) == [by_km[km] for km in (0.5, 1.0, 2.0, 3.0, 7.0)]
    assert _targets(database, the_need, k=0) == []


def test_a_volunteers_own_reach_limits_them(database: Database) -> None:
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow))
        stays_close = add_volunteer(uow, north_of(AACHEN, 3.0), reach_km=2.5)
        goes_far = add_volunteer(uow, north_of(AACHEN, 4.0), reach_km=20.0)
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [goes_far]
    assert stays_close not in _accounts(_targets(database, the_need))


def test_never_the_poster(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster = _poster(uow)  # lives right at the need
        the_need = _urgent(uow, poster)
        _free_now(uow, poster, AACHEN)
        neighbour = add_volunteer(uow, north_of(AACHEN, 1.0))
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [neighbour]


def test_nobody_is_alerted_twice_about_one_need(database: Database) -> None:
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow))
        assert the_need.id is not None
        first = add_volunteer(uow, north_of(AACHEN, 1.0))
        second = add_volunteer(uow, north_of(AACHEN, 2.0))
        free = add_volunteer(uow, north_of(AACHEN, 9.0))
        _free_now(uow, free, north_of(AACHEN, 0.2))
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [free, first, second]
    with database.unit_of_work() as uow:
        assert uow.pushes.record_alert(the_need.id, first, "urgent", 1.0, NOW, wave=1)
        assert uow.pushes.record_alert(the_need.id, free, "free_now", 0.2, NOW)
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [second]


# ---- quiet hours --------------------------------------------------------------------------------


def test_quiet_hours_of_the_volunteer_hold_an_alert_back(database: Database) -> None:
    # NOW is Saturday 15:00 in Aachen; the need is on Sunday morning
    sunday = OneOff(NOW + timedelta(hours=20), NOW + timedelta(hours=22))
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow), window=sunday)
        napping = add_volunteer(
            uow, north_of(AACHEN, 1.0), quiet_hours=QuietHours(time(14), time(16))
        )
        nights = add_volunteer(
            uow, north_of(AACHEN, 2.0), quiet_hours=QuietHours(time(22), time(7))
        )
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [nights]
    # at 23:30 the night owl is quiet too, and the napper is not
    late = datetime(2026, 11, 21, 22, 30, tzinfo=NOW.tzinfo)
    assert _accounts(_targets(database, the_need, now=late)) == [napping]


def test_the_policy_default_applies_only_to_those_without_quiet_hours(database: Database) -> None:
    policy = PushPolicy(default_quiet_hours=QuietHours(time(14, 30), time(16)))
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow))
        default = add_volunteer(uow, north_of(AACHEN, 1.0))
        own = add_volunteer(uow, north_of(AACHEN, 2.0), quiet_hours=QuietHours(time(22), time(7)))
        uow.commit()
    assert _accounts(_targets(database, the_need, policy=policy)) == [own]
    assert _accounts(_targets(database, the_need)) == [default, own]


def test_quiet_hours_are_read_in_the_volunteers_time_zone(database: Database) -> None:
    # 15:00 in Aachen is 23:00 in Tokyo and 09:00 in New York
    nights = QuietHours(time(22), time(7))
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow))
        tokyo = add_volunteer(
            uow, north_of(AACHEN, 1.0), time_zone="Asia/Tokyo", quiet_hours=nights
        )
        new_york = add_volunteer(
            uow, north_of(AACHEN, 2.0), time_zone="America/New_York", quiet_hours=nights
        )
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [new_york]
    assert tokyo not in _accounts(_targets(database, the_need))
    assert in_quiet_hours(nights, "Asia/Tokyo", NOW)
    assert not in_quiet_hours(nights, "Europe/Berlin", NOW)
    assert not in_quiet_hours(None, "Asia/Tokyo", NOW)


# ---- the daily cap ------------------------------------------------------------------------------


def _alerted_before(
    uow: UnitOfWork, poster: int, account_id: int, *ages_and_reasons: tuple[float, str]
) -> None:
    for hours, reason in ages_and_reasons:
        other = _urgent(uow, poster)
        assert other.id is not None
        assert uow.pushes.record_alert(
            other.id, account_id, reason, 1.0, NOW - timedelta(hours=hours)
        )


def test_the_daily_cap_counts_urgent_alerts_of_the_last_24_hours(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster = _poster(uow)
        capped = add_volunteer(uow, north_of(AACHEN, 0.5))
        yesterday = add_volunteer(uow, north_of(AACHEN, 1.0))
        free_now_pushes = add_volunteer(uow, north_of(AACHEN, 1.5))
        two = add_volunteer(uow, north_of(AACHEN, 2.0))
        _alerted_before(uow, poster, capped, (1, "urgent"), (5, "urgent"), (23.9, "urgent"))
        _alerted_before(uow, poster, yesterday, (1, "urgent"), (5, "urgent"), (24.1, "urgent"))
        _alerted_before(
            uow, poster, free_now_pushes, (1, "urgent"), (2, "free_now"), (3, "free_now")
        )
        _alerted_before(uow, poster, two, (1, "urgent"), (2, "urgent"))
        the_need = _urgent(uow, poster)
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [yesterday, free_now_pushes, two]
    # a higher cap lets the capped one through
    wider = PushPolicy(daily_cap=4)
    assert _accounts(_targets(database, the_need, policy=wider)) == [
        capped,
        yesterday,
        free_now_pushes,
        two,
    ]


# ---- consent, notifications, reachability -------------------------------------------------------


def test_only_consenting_reachable_volunteers_with_notifications_on(database: Database) -> None:
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow))
        muted = add_volunteer(uow, north_of(AACHEN, 0.5), notifications=False)
        no_consent = add_volunteer(uow, north_of(AACHEN, 1.0), consent=False)
        blocked = add_volunteer(uow, north_of(AACHEN, 1.5))
        (identity,) = uow.identities.for_account(blocked)
        uow.identities.mark_unreachable(identity.id, NOW - timedelta(days=1))
        fine = add_volunteer(uow, north_of(AACHEN, 2.0))
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [fine]
    assert {muted, no_consent, blocked}.isdisjoint(_accounts(_targets(database, the_need)))


def test_an_unreachable_volunteer_is_not_alerted_even_when_free_now(database: Database) -> None:
    # an alert nobody can receive would take a place in the wave (and under the cap)
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow))
        blocked = add_volunteer(uow, north_of(AACHEN, 0.5))
        _free_now(uow, blocked, AACHEN)
        (identity,) = uow.identities.for_account(blocked)
        uow.identities.mark_unreachable(identity.id, NOW - timedelta(hours=1))
        no_consent = add_volunteer(uow, north_of(AACHEN, 0.6), consent=False)
        _free_now(uow, no_consent, AACHEN)
        reachable = add_volunteer(uow, north_of(AACHEN, 8.0))
        _free_now(uow, reachable, north_of(AACHEN, 0.3))
        uow.commit()
    targets = _targets(database, the_need)
    assert _accounts(targets) == [reachable]
    assert targets[0].free_now


# ---- topics, qualifications, availability -------------------------------------------------------


def test_interests_and_qualifications_must_fit(database: Database) -> None:
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow), qualifications=[DRIVING])
        animals_only = add_volunteer(
            uow, north_of(AACHEN, 0.5), interests=[Category.ANIMALS], qualifications=[DRIVING]
        )
        no_licence = add_volunteer(uow, north_of(AACHEN, 1.0), interests=[Category.FOOD])
        food_driver = add_volunteer(
            uow,
            north_of(AACHEN, 1.5),
            interests=[Category.FOOD, Category.ANIMALS],
            qualifications=[DRIVING],
        )
        any_topic_driver = add_volunteer(uow, north_of(AACHEN, 2.0), qualifications=[DRIVING])
        # the same holds for someone free now: their window carries their topics and skills
        free_animals = add_volunteer(uow, north_of(AACHEN, 9.0), interests=[Category.ANIMALS])
        _free_now(uow, free_animals, north_of(AACHEN, 0.1))
        uow.commit()
    targets = _targets(database, the_need)
    assert _accounts(targets) == [food_driver, any_topic_driver]
    assert {animals_only, no_licence, free_animals}.isdisjoint(_accounts(targets))
    assert targets[0].score.reason(Brings) == Brings(frozenset({DRIVING}))
    assert targets[0].score.reason(Urgent) == Urgent()
    # a named topic fits better than none named
    assert targets[0].score.value > targets[1].score.value


def test_usual_availability_must_cover_the_needs_time(database: Database) -> None:
    # the need is Saturday 17–19 h
    with database.unit_of_work() as uow:
        the_need = _urgent(uow, _poster(uow))
        weekdays = add_volunteer(
            uow,
            north_of(AACHEN, 0.5),
            availability=[Availability.WEEKDAY_DAYTIME, Availability.WEEKDAY_EVENINGS],
        )
        weekends = add_volunteer(uow, north_of(AACHEN, 1.0), availability=[Availability.WEEKENDS])
        spontaneous = add_volunteer(
            uow, north_of(AACHEN, 1.5), availability=[Availability.SPONTANEOUS]
        )
        unknown = add_volunteer(uow, north_of(AACHEN, 2.0))
        uow.commit()
    targets = _targets(database, the_need)
    assert _accounts(targets) == [weekends, spontaneous, unknown]
    assert weekdays not in _accounts(targets)


def test_someone_free_now_is_eligible_despite_quiet_hours_cap_and_availability(
    database: Database,
) -> None:
    with database.unit_of_work() as uow:
        poster = _poster(uow)
        everything_against = add_volunteer(
            uow,
            north_of(AACHEN, 15.0),  # home far away, beyond their reach
            reach_km=2.0,
            quiet_hours=QuietHours(time(14), time(16)),
            availability=[Availability.WEEKDAY_DAYTIME],
        )
        _alerted_before(
            uow, poster, everything_against, (1, "urgent"), (2, "urgent"), (3, "urgent")
        )
        _free_now(uow, everything_against, north_of(AACHEN, 1.0))
        # the same without a window: not eligible
        at_home = add_volunteer(
            uow,
            north_of(AACHEN, 0.5),
            quiet_hours=QuietHours(time(14), time(16)),
            availability=[Availability.WEEKDAY_DAYTIME],
        )
        the_need = _urgent(uow, poster)
        uow.commit()
    targets = _targets(database, the_need)
    assert _accounts(targets) == [everything_against]
    assert targets[0].free_now
    assert targets[0].km == pytest.approx(1.0)
    assert at_home not in _accounts(targets)


def test_a_free_now_window_counts_only_within_its_own_radius_and_time(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster = _poster(uow)
        small_radius = add_volunteer(uow, north_of(AACHEN, 30.0))
        _free_now(uow, small_radius, north_of(AACHEN, 3.0), radius_km=2.0)
        gone = add_volunteer(uow, north_of(AACHEN, 30.0))
        uow.pushes.open_window(
            gone, AACHEN, "hier", 5.0, NOW - timedelta(hours=3), NOW - timedelta(minutes=1)
        )
        near = add_volunteer(uow, north_of(AACHEN, 30.0))
        _free_now(uow, near, east_of(AACHEN, 1.0))
        the_need = _urgent(uow, poster)
        # a need after the window closes: nobody free now fits it
        later = _urgent(
            uow, poster, window=OneOff(NOW + FREE_FOR, NOW + FREE_FOR + timedelta(hours=2))
        )
        uow.commit()
    assert _accounts(_targets(database, the_need)) == [near]
    assert _targets(database, later) == []


def test_the_nearest_by_place_whether_free_now_or_at_home(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster = _poster(uow)
        home_1km = add_volunteer(uow, north_of(AACHEN, 1.0))
        free_2km = add_volunteer(uow, north_of(AACHEN, 12.0))
        _free_now(uow, free_2km, north_of(AACHEN, 2.0))
        home_3km = add_volunteer(uow, north_of(AACHEN, 3.0))
        the_need = _urgent(uow, poster)
        uow.commit()
    targets = _targets(database, the_need)
    assert [(t.account_id, t.free_now) for t in targets] == [
        (home_1km, False),
        (free_2km, True),
        (home_3km, False),
    ]


# ---- the daily digest ---------------------------------------------------------------------------


def test_digest_recipients_are_fitting_profiles_best_first(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster = _poster(uow)
        the_need = uow.postings.add(need(owner=poster, created_at=NOW))
        # quiet hours and the cap don't matter: the digest comes at the volunteer's own time
        quiet = add_volunteer(
            uow, north_of(AACHEN, 2.0), quiet_hours=QuietHours(time(14), time(16))
        )
        named = add_volunteer(uow, north_of(AACHEN, 3.0), interests=[Category.FOOD])
        other_topic = add_volunteer(uow, north_of(AACHEN, 1.0), interests=[Category.SPORTS])
        out_of_reach = add_volunteer(uow, north_of(AACHEN, 6.0), reach_km=5.0)
        uow.commit()
    with database.unit_of_work() as uow:
        fitting = digest_recipients(uow.candidates, the_need, NOW)
    # 3 km with a named topic: 1/(1+1) = 0.5 beats 2 km without: 0.7/(1+2/3) = 0.42
    assert _accounts(fitting) == [named, quiet]
    assert {other_topic, out_of_reach, poster}.isdisjoint(_accounts(fitting))


# ---- waves --------------------------------------------------------------------------------------


def test_each_wave_widens_the_radius_and_the_last_step_repeats() -> None:
    policy = PushPolicy(radius_steps_km=(2.0, 5.0, 10.0), wave_size=10, max_alerts_per_need=500)
    radii = [plan_wave(policy, sent, 0, 0, 1).radius_km for sent in range(5)]
    assert radii == [2.0, 5.0, 10.0, 10.0, 10.0]
    assert plan_wave(policy, 0, 0, 0, 1) == WavePlan(1, 2.0, 10)
    assert plan_wave(policy, 3, 0, 0, 1).wave == 4


def test_a_campaign_ends_when_enough_helpers_said_yes() -> None:
    assert plan_wave(POLICY, 2, 20, 4, 4).end is CampaignEnd.ENOUGH
    assert plan_wave(POLICY, 2, 20, 5, 4).end is CampaignEnd.ENOUGH
    assert plan_wave(POLICY, 2, 20, 3, 4).end is None


def test_a_campaign_ends_at_the_cap_and_a_wave_fills_only_the_room_left() -> None:
    policy = PushPolicy(wave_size=10, max_alerts_per_need=50)
    assert plan_wave(policy, 5, 50, 0, 4).end is CampaignEnd.CAP
    assert plan_wave(policy, 5, 53, 0, 4).end is CampaignEnd.CAP
    assert plan_wave(policy, 4, 45, 0, 4) == WavePlan(5, 20.0, 5)
    assert plan_wave(policy, 4, 40, 0, 4).size == 10
    # enough helpers is the better reason to stop, even at the cap
    assert plan_wave(policy, 5, 50, 4, 4).end is CampaignEnd.ENOUGH


def test_a_campaign_is_exhausted_when_the_widest_wave_alerted_nobody() -> None:
    policy = PushPolicy(radius_steps_km=(2.0, 5.0))
    first, widest = plan_wave(policy, 0, 0, 0, 1), plan_wave(policy, 1, 0, 0, 1)
    assert after_wave(policy, first, 0) is None  # widen and try again
    assert after_wave(policy, widest, 3) is None  # someone may still answer
    assert after_wave(policy, widest, 0) is CampaignEnd.EXHAUSTED
    assert after_wave(policy, plan_wave(policy, 4, 0, 0, 1), 0) is CampaignEnd.EXHAUSTED


# ---- against checking everyone ------------------------------------------------------------------


@dataclass
class _Volunteer:
    account_id: int
    home: GeoPoint
    reach_km: float
    interests: frozenset[Category]
    qualifications: frozenset[Qualification]
    availability: frozenset[Availability]
    quiet_hours: QuietHours | None
    notifications: bool
    consent: bool
    reachable: bool
    window: tuple[GeoPoint, float, datetime, datetime] | None
    urgent_today: int


def _around(rng: random.Random, spread_km: float) -> GeoPoint:
    return north_of(
        east_of(AACHEN, rng.uniform(-spread_km, spread_km)), rng.uniform(-spread_km, spread_km)
    )


def _random_volunteer(uow: UnitOfWork, rng: random.Random, poster: int, dense: bool) -> _Volunteer:
    home = _around(rng, 1.2 if dense else 22.0)
    volunteer = _Volunteer(
        account_id=0,
        home=home,
        reach_km=rng.choice([2.0, 5.0, 10.0, 25.0]),
        interests=frozenset(
            rng.sample([Category.FOOD, Category.SENIORS, Category.SPORTS], rng.choice([0, 1, 1, 2]))
        ),
        qualifications=frozenset(rng.sample([DRIVING, FIRST_AID], rng.choice([0, 0, 1, 2]))),
        availability=frozenset(rng.sample(list(Availability), rng.choice([0, 1, 2]))),
        quiet_hours=rng.choice(
            [None, None, QuietHours(time(14), time(16)), QuietHours(time(22), time(7))]
        ),
        notifications=rng.random() < 0.9,
        consent=rng.random() < 0.95,
        reachable=rng.random() < 0.95,
        window=None,
        urgent_today=rng.choice([0, 0, 0, 1, 3]),
    )
    volunteer.account_id = add_volunteer(
        uow,
        home,
        reach_km=volunteer.reach_km,
        interests=volunteer.interests,
        qualifications=volunteer.qualifications,
        availability=volunteer.availability,
        quiet_hours=volunteer.quiet_hours,
        notifications=volunteer.notifications,
        consent=volunteer.consent,
    )
    if not volunteer.reachable:
        (identity,) = uow.identities.for_account(volunteer.account_id)
        uow.identities.mark_unreachable(identity.id, NOW - timedelta(days=1))
    if rng.random() < 0.15:
        start = NOW - timedelta(minutes=rng.choice([5, 60]))
        end = NOW + timedelta(minutes=rng.choice([-1, 90, 600]))
        at, radius = _around(rng, rng.choice([1.0, 15.0])), rng.choice([2.0, 5.0, 10.0])
        uow.pushes.open_window(volunteer.account_id, at, "hier", radius, start, end)
        volunteer.window = (at, radius, start, end)
    if volunteer.urgent_today:
        _alerted_before(
            uow, poster, volunteer.account_id, *[(1.0, "urgent")] * volunteer.urgent_today
        )
    return volunteer


def _everyone(
    need_: Posting,
    volunteers: Sequence[_Volunteer],
    alerted: set[int],
    radius_km: float,
    k: int,
    policy: PushPolicy = POLICY,
) -> list[tuple[int, bool]]:
    """select_targets by checking every volunteer, as its docstring reads."""
    centre = need_.place.point
    found: list[tuple[float, int, bool]] = []
    for v in volunteers:
        if v.account_id in alerted or v.account_id == need_.owner.account_id:
            continue
        if not (v.consent and v.reachable):
            continue
        if v.window is not None and v.window[2] <= NOW < v.window[3]:
            at, radius, start, end = v.window
            km = centre.distance_km(at)
            if km <= radius_km:  # free now: counts there, never at home
                window = FreeNow(
                    v.account_id, at, radius, start, end, v.interests, v.qualifications
                )
                if score_free_now(need_, window, NOW).matched:
                    found.append((km, v.account_id, True))
                continue
        km = centre.distance_km(v.home)
        if not v.notifications or km > radius_km or km > v.reach_km:
            continue
        if in_quiet_hours(v.quiet_hours or policy.default_quiet_hours, "Europe/Berlin", NOW):
            continue
        if v.urgent_today >= policy.daily_cap:
            continue
        profile = VolunteerProfile(
            v.account_id,
            v.home,
            v.reach_km,
            "Europe/Berlin",
            v.interests,
            v.qualifications,
            v.availability,
        )
        if score_volunteer(need_, profile, NOW).matched:
            found.append((km, v.account_id, False))
    found.sort()
    return [(account_id, free) for _, account_id, free in found[:k]]


def test_select_targets_finds_what_checking_everyone_finds(database: Database) -> None:
    rng = random.Random(20261122)
    with database.unit_of_work() as uow:
        poster = _poster(uow)
        # a dense centre (pages of homes, most of them not fitting) and a wide country around
        volunteers = [_random_volunteer(uow, rng, poster, dense=n % 3 == 0) for n in range(240)]
        needs = []
        for n in range(8):
            needs.append(
                _urgent(
                    uow,
                    poster,
                    at=_around(rng, 3.0 if n % 2 else 15.0),
                    category=rng.choice([Category.FOOD, Category.SENIORS]),
                    qualifications=rng.sample([DRIVING, FIRST_AID], rng.choice([0, 0, 1])),
                    window=rng.choice(
                        [
                            OneOff(NOW + timedelta(hours=1), NOW + timedelta(hours=3)),
                            OneOff(NOW + timedelta(hours=40), NOW + timedelta(hours=42)),
                            OneOff(NOW + timedelta(hours=60), NOW + timedelta(hours=61)),
                        ]
                    ),
                )
            )
        # some were alerted about a need before
        alerted: dict[int, set[int]] = {}
        for the_need in needs[:4]:
            assert the_need.id is not None
            chosen = {v.account_id for v in rng.sample(volunteers, 12)}
            for account_id in chosen:
                assert uow.pushes.record_alert(the_need.id, account_id, "urgent", 1.0, NOW)
            alerted[the_need.id] = chosen
        uow.commit()
    found = 0
    for the_need in needs:
        assert the_need.id is not None
        for radius_km, k in ((2.0, 3), (5.0, 10), (20.0, 10), (20.0, 60)):
            expected = _everyone(
                the_need, volunteers, alerted.get(the_need.id, set()), radius_km, k
            )
            actual = _targets(database, the_need, radius_km=radius_km, k=k)
            assert [(t.account_id, t.free_now) for t in actual] == expected, (radius_km, k)
            found += len(actual)
    assert found > 150  # not vacuous


def test_a_window_in_the_circle_keeps_someone_from_counting_at_home(database: Database) -> None:
    with database.unit_of_work() as uow:
        poster = _poster(uow)
        near_home_far_window = add_volunteer(uow, north_of(AACHEN, 0.5))
        _free_now(uow, near_home_far_window, north_of(AACHEN, 15.0), radius_km=20.0)
        window_outside = add_volunteer(uow, north_of(AACHEN, 1.0))
        _free_now(uow, window_outside, north_of(AACHEN, 25.0))
        neighbours = [add_volunteer(uow, north_of(AACHEN, 1.5 + 0.1 * n)) for n in range(3)]
        the_need = _urgent(uow, poster)
        uow.commit()
    # within 20 km: the first counts 15 km away, where they are; the window 25 km away doesn't
    # count, so the second is at home
    targets = _targets(database, the_need, radius_km=20.0, k=10)
    assert [(t.account_id, t.free_now) for t in targets] == [
        (window_outside, False),
        *[(n, False) for n in neighbours],
        (near_home_far_window, True),
    ]
    # the k nearest at home settle it before the window 15 km away is looked at
    assert _accounts(_targets(database, the_need, radius_km=20.0, k=2)) == [
        window_outside,
        neighbours[0],
    ]
