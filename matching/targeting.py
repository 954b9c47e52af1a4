"""Who is alerted about an urgent need, and when the alerting stops.

A wave alerts the K nearest eligible volunteers within the wave's radius. Eligible means: free
now nearby (an open "free now" window; they asked for pushes, so quiet hours and the daily cap
don't hold them back), or else by profile — home within their own reach, notifications on,
outside their quiet hours, under their daily cap, topics and qualifications fitting and their
usual availability covering the need's next time. Never the poster, never anyone alerted about
this need before (which also keeps those who said "not now" quiet)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.actors import DEFAULT_TIME_ZONE, Availability, QuietHours
from domain.categories import Category
from domain.places import KM_PER_DEG_LAT, GeoBox, GeoPoint, box_around, haversine_km
from domain.postings import Posting
from domain.qualifications import Qualification
from matching.scoring import (
    HORIZON,
    FreeNow,
    Score,
    VolunteerProfile,
    covers,
    score_free_now,
    score_volunteer,
)

CHUNK = 64  # eligibility is checked for this many of the nearest at a time
PAGE = 64  # volunteers read in the first round, nearest first
MAX_PAGE = 4096
ORDER_MARGIN = 1.002  # the planar order may swap neighbours closer than this ratio
FIRST_RING_KM = 2.0


@dataclass(frozen=True, slots=True)
class PushPolicy:
    wave_size: int = 10
    wave_timeout: timedelta = timedelta(minutes=15)
    radius_steps_km: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0)
    max_alerts_per_need: int = 50
    daily_cap: int = 3
    default_quiet_hours: QuietHours | None = None

    def radius_for(self, wave: int) -> float:
        """The radius of wave 1, 2, …; the last step repeats."""
        return self.radius_steps_km[min(wave, len(self.radius_steps_km)) - 1]


@dataclass(frozen=True, slots=True)
class VolunteerSketch:
    """A volunteer with notifications on and a home, as the prefilter returns them."""

    account_id: int
    lat: float
    lon: float
    reach_km: float
    time_zone: str
    quiet_hours: QuietHours | None
    order: float = 0.0  # the source's nearest-first key (VolunteerQuery.order_key)


@dataclass(frozen=True, slots=True)
class VolunteerQuery:
    """Volunteers at home near a point, nearest first, with the rules a database can decide."""

    centre: GeoPoint
    radius_km: float
    exclude: frozenset[int] = frozenset()  # the poster, and whoever was alerted before
    category: Category | None = None  # who named topics must have named this one
    qualifications: frozenset[Qualification] = frozenset()  # must hold all of them
    # who lives in `availability_zone` and named when they have time must have named one of
    # these (None: no such rule); who named nothing, or lives elsewhere, is checked later
    availability: frozenset[Availability] | None = None
    availability_zone: str = DEFAULT_TIME_ZONE

    @property
    def box(self) -> GeoBox:
        return box_around(self.centre, self.radius_km)

    @property
    def lon_scale(self) -> float:
        return math.cos(math.radians(self.centre.lat))

    def order_key(self, lat: float, lon: float) -> float:
        """Squared distance in degrees of latitude on a plane through the centre (what SQL
        computes to order by): monotone in distance to within a fraction of a per mille."""
        dy, dx = lat - self.centre.lat, (lon - self.centre.lon) * self.lon_scale
        return dy * dy + dx * dx

    @staticmethod
    def km_of(order: float) -> float:
        return math.sqrt(order) * KM_PER_DEG_LAT


class TargetSource(Protocol):
    def nearest_volunteers(
        self, query: VolunteerQuery, limit: int, after: tuple[float, int] | None = None
    ) -> list[VolunteerSketch]:
        """Consenting, reachable volunteers with notifications on whose home is in the query's
        box and who meet its topic and qualification rules, ordered by (order_key, account id)
        and starting after `after`; `limit` at a time."""
        ...

    def free_now_windows(self, box: GeoBox, now: datetime) -> list[FreeNow]:
        """Windows open at `now` whose place is in the box, of consenting, reachable accounts
        (notifications off don't matter: the window itself asks for pushes)."""
        ...

    def volunteer_profiles(self, account_ids: Sequence[int]) -> dict[int, VolunteerProfile]: ...

    def alerted_for(self, posting_id: int) -> set[int]:
        """Accounts already alerted about this posting (whatever they answered)."""
        ...

    def urgent_alerts_since(self, account_ids: Sequence[int], since: datetime) -> dict[int, int]:
        """How many urgent alerts each account got since then."""
        ...


@dataclass(frozen=True, slots=True)
class Target:
    account_id: int
    km: float
    free_now: bool
    score: Score


def in_quiet_hours(quiet: QuietHours | None, time_zone: str, now: datetime) -> bool:
    return quiet is not None and quiet.contains(_wall_clock(now, time_zone))


def select_targets(
    source: TargetSource,
    need: Posting,
    now: datetime,
    policy: PushPolicy,
    radius_km: float,
    k: int,
) -> list[Target]:
    """The k nearest eligible volunteers within radius_km of the need, nearest first."""
    if need.id is None or k <= 0:
        return []
    centre = need.place.point
    box = box_around(centre, radius_km)
    alerted = source.alerted_for(need.id)
    poster = need.owner.account_id
    targets: list[Target] = []
    free: dict[int, tuple[float, FreeNow]] = {}
    for window in source.free_now_windows(box, now):
        km = haversine_km(centre.lat, centre.lon, window.point.lat, window.point.lon)
        if window.account_id in alerted or window.account_id == poster or km > radius_km:
            continue
        free[window.account_id] = (km, window)
    for account_id, (km, window) in free.items():
        score = score_free_now(need, window, now)
        if score.matched:
            targets.append(Target(account_id, km, True, score))
    exclude = frozenset(alerted | set(free) | {poster})
    fitting_patterns = _patterns_covering(need, now)
    local_times: dict[str, time] = {}  # the wall clock in each zone, read once
    seen: set[int] = set()
    # rings of growing radius: in a dense town the k nearest are found in a small box, and a
    # wider one is read only when the smaller could not settle it
    for ring in rings(radius_km):
        query = VolunteerQuery(
            centre,
            ring,
            exclude=exclude,
            category=need.category,
            qualifications=need.required_qualifications,
            availability=fitting_patterns,
        )
        for page in _pages(source, query):
            at_home: list[tuple[float, VolunteerSketch]] = []
            for sketch in page:
                if sketch.account_id in seen:
                    continue
                km = haversine_km(centre.lat, centre.lon, sketch.lat, sketch.lon)
                if km > ring:
                    continue  # in the box, outside the circle: the next ring reads it again
                seen.add(sketch.account_id)
                if km > sketch.reach_km:
                    continue
                quiet = sketch.quiet_hours or policy.default_quiet_hours
                if quiet is not None:
                    if sketch.time_zone not in local_times:
                        local_times[sketch.time_zone] = _wall_clock(now, sketch.time_zone)
                    if quiet.contains(local_times[sketch.time_zone]):
                        continue
                at_home.append((km, sketch))
            ids = [sketch.account_id for _, sketch in at_home]
            profiles = source.volunteer_profiles(ids) if ids else {}
            counts = source.urgent_alerts_since(ids, now - timedelta(days=1)) if ids else {}
            for km, sketch in at_home:
                profile = profiles.get(sketch.account_id)
                if profile is None or counts.get(sketch.account_id, 0) >= policy.daily_cap:
                    continue
                score = score_volunteer(need, profile, now)
                if score.matched:
                    targets.append(Target(sketch.account_id, km, False, score))
            if _settled(targets, k, page, query):
                break
        if len([t for t in targets if t.km <= ring]) >= k:
            break  # everyone within this ring was read: the k nearest are known
    targets.sort(key=lambda target: (target.km, target.account_id))
    return targets[:k]


def _patterns_covering(need: Posting, now: datetime) -> frozenset[Availability]:
    """The usual-availability patterns that cover some of the need's next times (in the zone
    most volunteers live in): a volunteer who named only others cannot match."""
    upcoming = need.time_window.intervals(now, now + HORIZON)
    return frozenset(
        pattern
        for pattern in Availability
        if any(covers(frozenset({pattern}), i, DEFAULT_TIME_ZONE, now) for i in upcoming)
    )


def rings(radius_km: float) -> list[float]:
    """Radii from about FIRST_RING_KM doubling up to radius_km (always its last)."""
    found = [radius_km]
    while found[-1] / 2 >= FIRST_RING_KM:
        found.append(found[-1] / 2)
    return found[::-1]


def _pages(source: TargetSource, query: VolunteerQuery) -> Iterator[list[VolunteerSketch]]:
    """Pages of the nearest volunteers; each page twice the last, since every page makes the
    database order the whole box again: few rounds when many are read."""
    after: tuple[float, int] | None = None
    size = PAGE
    while True:
        page = source.nearest_volunteers(query, size, after)
        if not page:
            return
        yield page
        if len(page) < size:
            return
        after = (page[-1].order, page[-1].account_id)
        size = min(size * 2, MAX_PAGE)


def _settled(
    targets: list[Target], k: int, page: list[VolunteerSketch], query: VolunteerQuery
) -> bool:
    """Whether the k nearest are known: k found, and everything not yet read is farther away
    than the k-th (with a margin for the planar order)."""
    if len(targets) < k:
        return False
    kth = sorted(target.km for target in targets)[k - 1]
    return query.km_of(page[-1].order) > kth * ORDER_MARGIN + 0.001


def _wall_clock(now: datetime, time_zone: str) -> time:
    return now.astimezone(ZoneInfo(time_zone)).time().replace(tzinfo=None)


# ---- waves --------------------------------------------------------------------------------------


class CampaignEnd(StrEnum):
    ENOUGH = "enough"  # as many said "I'll help" as the need asks for
    CAP = "cap"  # the per-need cap of alerts is reached
    EXHAUSTED = "exhausted"  # the widest wave found nobody new
    CLOSED = "closed"  # filled, withdrawn, removed, expired or paused


@dataclass(frozen=True, slots=True)
class WavePlan:
    """What the next wave does: alert up to `size` within `radius_km`, or end the campaign."""

    wave: int
    radius_km: float
    size: int
    end: CampaignEnd | None = None


def plan_wave(
    policy: PushPolicy, waves_sent: int, alerts_sent: int, helpers: int, quantity: int
) -> WavePlan:
    wave = waves_sent + 1
    if helpers >= quantity:
        return WavePlan(wave, 0.0, 0, CampaignEnd.ENOUGH)
    room = policy.max_alerts_per_need - alerts_sent
    if room <= 0:
        return WavePlan(wave, 0.0, 0, CampaignEnd.CAP)
    return WavePlan(wave, policy.radius_for(wave), min(policy.wave_size, room))


def after_wave(policy: PushPolicy, plan: WavePlan, alerted: int) -> CampaignEnd | None:
    """Whether the campaign ends after a wave that alerted `alerted` volunteers."""
    if alerted == 0 and plan.radius_km >= policy.radius_steps_km[-1]:
        return CampaignEnd.EXHAUSTED
    return None


# ---- the daily digest ---------------------------------------------------------------------------

DIGEST_RADIUS_KM = 20.0
DIGEST_NEAREST = 500  # profiles considered per new need: the nearest ones


def digest_recipients(
    source: TargetSource, need: Posting, now: datetime, limit: int = 200
) -> list[Target]:
    """Volunteers whose profile fits a new, non-urgent need, best first; quiet hours and caps
    don't apply, the digest comes at the volunteer's own time."""
    centre = need.place.point
    query = VolunteerQuery(
        centre,
        DIGEST_RADIUS_KM,
        exclude=frozenset({need.owner.account_id}),
        category=need.category,
        qualifications=need.required_qualifications,
    )
    reachable: list[tuple[float, int]] = []
    for page in _pages(source, query):
        for sketch in page:
            km = haversine_km(centre.lat, centre.lon, sketch.lat, sketch.lon)
            if km <= min(sketch.reach_km, DIGEST_RADIUS_KM):
                reachable.append((km, sketch.account_id))
        if len(reachable) >= DIGEST_NEAREST:
            break
    reachable = sorted(reachable)[:DIGEST_NEAREST]
    fitting: list[Target] = []
    for offset in range(0, len(reachable), CHUNK):
        chunk = reachable[offset : offset + CHUNK]
        profiles = source.volunteer_profiles([account_id for _, account_id in chunk])
        for km, account_id in chunk:
            profile = profiles.get(account_id)
            if profile is None:
                continue
            score = score_volunteer(need, profile, now)
            if score.matched:
                fitting.append(Target(account_id, km, False, score))
    fitting.sort(key=lambda target: (-target.score.value, target.km, target.account_id))
    return fitting[:limit]
