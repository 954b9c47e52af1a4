"""How well two sides fit: pure functions, each factor explainable.

A score is a product of factors in [0, 1], so a hard mismatch (no common time, a required
qualification missing, a topic the volunteer excluded, out of reach) makes it zero, and every
factor that made it non-zero leaves a reason the bot can show: "2,1 km · Sa 10–12 Uhr · braucht
Führerschein — hast du".

Three pairings: need ↔ offer (symmetric: the order of the arguments does not matter), need ↔
volunteer profile (home, interests, qualifications, usual availability) and need ↔ "free now"
window (a place and the next hours)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.actors import Availability
from domain.categories import Category
from domain.places import GeoPoint
from domain.postings import Posting, PostingKind, Urgency
from domain.qualifications import Qualification
from domain.timewindow import Interval, TimeWindow

HORIZON = timedelta(days=14)  # a match is about the next two weeks
DISTANCE_SCALE_KM = 3.0  # at 3 km the distance factor is one half
FULL_OVERLAP = timedelta(hours=2)  # two common hours count as a full fit
NO_INTEREST_FACTOR = 0.7  # a volunteer who named no topics fits every topic, a bit less
OTHER_TOPIC_FACTOR = 0.4  # free now: a topic they didn't name still shows, lower down
UNKNOWN_AVAILABILITY_FACTOR = 0.6
NORMAL_URGENCY_FACTOR = 0.85
FRESHNESS_SPAN = timedelta(days=30)
STALE_FACTOR = 0.85  # a month-old posting keeps 85 % of its score


# ---- reasons -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Near:
    km: float


@dataclass(frozen=True, slots=True)
class When:
    """The first common time, or the need's next time a volunteer's usual availability covers."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Brings:
    """Qualifications the need requires and the other side has."""

    qualifications: frozenset[Qualification]


@dataclass(frozen=True, slots=True)
class Topic:
    category: Category
    named: bool  # the volunteer named this topic as an interest


@dataclass(frozen=True, slots=True)
class Urgent:
    pass


Reason = Near | When | Brings | Topic | Urgent


@dataclass(frozen=True, slots=True)
class Score:
    value: float
    reasons: tuple[Reason, ...] = ()

    @property
    def matched(self) -> bool:
        return self.value > 0.0

    def reason(self, kind: type[Reason]) -> Reason | None:
        return next((r for r in self.reasons if isinstance(r, kind)), None)


NO_MATCH = Score(0.0)


# ---- the other sides of a need ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VolunteerProfile:
    """What a volunteer told us about themselves, as matching reads it."""

    account_id: int
    home: GeoPoint
    reach_km: float  # how far from home they would go
    time_zone: str
    interests: frozenset[Category] = frozenset()
    qualifications: frozenset[Qualification] = frozenset()
    availability: frozenset[Availability] = frozenset()


@dataclass(frozen=True, slots=True)
class FreeNow:
    """ "I have time now, here": a place and a window from now until it closes."""

    account_id: int
    point: GeoPoint
    radius_km: float
    start: datetime
    end: datetime
    interests: frozenset[Category] = frozenset()
    qualifications: frozenset[Qualification] = frozenset()


# ---- factors ------------------------------------------------------------------------------------


def distance_factor(km: float, reach_km: float) -> float:
    """1 on the spot, ½ at DISTANCE_SCALE_KM, 0 beyond reach; never rises with distance."""
    if km > reach_km:
        return 0.0
    return 1.0 / (1.0 + max(0.0, km) / DISTANCE_SCALE_KM)


def overlap_factor(common: timedelta) -> float:
    if common <= timedelta(0):
        return 0.0
    return 0.5 + 0.5 * min(1.0, common / FULL_OVERLAP)


def urgency_factor(urgency: Urgency) -> float:
    return 1.0 if urgency is Urgency.URGENT else NORMAL_URGENCY_FACTOR


def freshness_factor(created_at: datetime | None, now: datetime) -> float:
    if created_at is None:
        return 1.0
    age = max(timedelta(0), now - created_at)
    return 1.0 - (1.0 - STALE_FACTOR) * min(1.0, age / FRESHNESS_SPAN)


def topic_factor(
    category: Category, interests: frozenset[Category], *, strict: bool = True
) -> float:
    """Interests filter what reaches someone unasked (strict); for someone who said "I'm free
    now" they only rank, since anything needed nearby right now is worth seeing."""
    if not interests:
        return NO_INTEREST_FACTOR
    if category in interests:
        return 1.0
    return 0.0 if strict else OTHER_TOPIC_FACTOR


def common_time(a: TimeWindow, b: TimeWindow, start: datetime, end: datetime) -> list[Interval]:
    """The intervals within [start, end) in which both windows apply."""
    common: list[Interval] = []
    for a_start, a_end in a.intervals(start, end):
        common.extend(b.intervals(a_start, a_end))
    return sorted(common)


def _total(intervals: Iterable[Interval]) -> timedelta:
    return sum((end - start for start, end in intervals), timedelta())


# ---- pairings -----------------------------------------------------------------------------------


def score_postings(a: Posting, b: Posting, now: datetime) -> Score:
    """A need and an offer, in either order (the same score both ways)."""
    kinds = {a.kind, b.kind}
    if kinds != {PostingKind.NEED, PostingKind.OFFER} or a.category is not b.category:
        return NO_MATCH
    need, offer = (a, b) if a.kind is PostingKind.NEED else (b, a)
    km = need.place.point.distance_km(offer.place.point)
    distance = distance_factor(km, max(need.place.radius_km, offer.place.radius_km))
    if distance == 0.0 or not need.required_qualifications <= offer.offered_qualifications:
        return NO_MATCH
    common = common_time(need.time_window, offer.time_window, now, now + HORIZON)
    timing = overlap_factor(_total(common))
    if timing == 0.0:
        return NO_MATCH
    value = (
        distance * timing * urgency_factor(need.urgency) * freshness_factor(need.created_at, now)
    )
    return Score(value, _reasons(km, common[0], need, Topic(need.category, False)))


def score_volunteer(need: Posting, volunteer: VolunteerProfile, now: datetime) -> Score:
    """A need and a volunteer's profile: home within their reach, topics, qualifications, and
    whether their usual availability covers the need's next time."""
    if need.kind is not PostingKind.NEED:
        return NO_MATCH
    km = volunteer.home.distance_km(need.place.point)
    distance = distance_factor(km, volunteer.reach_km)
    topic = topic_factor(need.category, volunteer.interests)
    if distance == 0.0 or topic == 0.0:
        return NO_MATCH
    if not need.required_qualifications <= volunteer.qualifications:
        return NO_MATCH
    upcoming = need.time_window.intervals(now, now + HORIZON)
    if not upcoming:
        return NO_MATCH
    fitting = [
        interval
        for interval in upcoming
        if covers(volunteer.availability, interval, volunteer.time_zone, now)
    ]
    if volunteer.availability and not fitting:
        return NO_MATCH
    timing = 1.0 if fitting else UNKNOWN_AVAILABILITY_FACTOR
    value = (
        distance
        * topic
        * timing
        * urgency_factor(need.urgency)
        * freshness_factor(need.created_at, now)
    )
    when = (fitting or upcoming)[0]
    return Score(
        value,
        _reasons(km, when, need, Topic(need.category, need.category in volunteer.interests)),
    )


def score_free_now(need: Posting, window: FreeNow, now: datetime) -> Score:
    """A need and someone who is free now at a place: near, and some time in common; their
    topics rank the needs but exclude none."""
    if need.kind is not PostingKind.NEED:
        return NO_MATCH
    km = window.point.distance_km(need.place.point)
    distance = distance_factor(km, window.radius_km)
    topic = topic_factor(need.category, window.interests, strict=False)
    if distance == 0.0 or topic == 0.0:
        return NO_MATCH
    if not need.required_qualifications <= window.qualifications:
        return NO_MATCH
    common = need.time_window.intervals(max(now, window.start), window.end)
    timing = overlap_factor(_total(common))
    if timing == 0.0:
        return NO_MATCH
    value = (
        distance
        * topic
        * timing
        * urgency_factor(need.urgency)
        * freshness_factor(need.created_at, now)
    )
    return Score(
        value,
        _reasons(km, common[0], need, Topic(need.category, need.category in window.interests)),
    )


def _reasons(km: float, when: Interval, need: Posting, topic: Topic) -> tuple[Reason, ...]:
    reasons: list[Reason] = [Near(km), When(*when), topic]
    if need.required_qualifications:
        reasons.append(Brings(need.required_qualifications))
    if need.urgency is Urgency.URGENT:
        reasons.append(Urgent())
    return tuple(reasons)


# ---- usual availability -------------------------------------------------------------------------

DAYTIME = (time(8, 0), time(17, 0))
EVENING = (time(17, 0), time(22, 0))
WEEKEND_DAY = (time(8, 0), time(22, 0))
SHORT_NOTICE = timedelta(hours=24)


def covers(
    availability: frozenset[Availability], interval: Interval, time_zone: str, now: datetime
) -> bool:
    """Whether a volunteer's usual availability covers (part of) an interval: weekday daytime
    is Mon–Fri 8–17 h, evenings Mon–Fri 17–22 h, weekends Sat–Sun 8–22 h, all in their own
    zone; "spontaneous" covers anything starting within the next 24 hours."""
    start, end = interval
    if Availability.SPONTANEOUS in availability and start - now <= SHORT_NOTICE:
        return True
    zone = ZoneInfo(time_zone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    while day <= local_end.date():
        weekend = day.weekday() >= 5
        spans = []
        if weekend and Availability.WEEKENDS in availability:
            spans.append(WEEKEND_DAY)
        if not weekend and Availability.WEEKDAY_DAYTIME in availability:
            spans.append(DAYTIME)
        if not weekend and Availability.WEEKDAY_EVENINGS in availability:
            spans.append(EVENING)
        for span_start, span_end in spans:
            lo = datetime.combine(day, span_start, zone)
            hi = datetime.combine(day, span_end, zone)
            if lo < local_end and hi > local_start:
                return True
        day += timedelta(days=1)
    return False
