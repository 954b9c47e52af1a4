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
from domain.places import KM_PER_DEG_LAT, GeoBox, GeoPoint, haversine_km
from domain.postings import Posting
from domain.qualifications import Qualification
from matching.retrieval import Rect, rect_around
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
    # what the source read with the sketch, saving a round of its own: the profile (None: not
    # read, ask volunteer_profiles) and the urgent alerts since the query's alerts_since
    profile: VolunteerProfile | None = None
    urgent_alerts: int = 0
    free_now_at: GeoPoint | None = None  # their free-now window open at the query's windows_at


@dataclass(frozen=True, slots=True)
class VolunteerPage:
    """The fitting volunteers among the next homes read nearest first, and where the page after
    starts: past the last home read, fitting or not (None: the ring holds no more)."""

    sketches: list[VolunteerSketch]
    after: tuple[float, int] | None
    read: int = 0  # homes read for the page, fitting or not


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
    skip_km: float = 0.0  # a ring: homes in the rectangle of this radius were read before
    alerts_since: datetime | None = None  # count each one's urgent alerts since then
    windows_at: datetime | None = None  # say where each one's free-now window open then is

    @property
    def rect(self) -> Rect:
        return rect_around(self.centre, self.radius_km)

    @property
    def skip_rect(self) -> Rect | None:
        return rect_around(self.centre, self.skip_km) if self.skip_km > 0.0 else None

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


@dataclass(frozen=True, slots=True)
class WindowPlace:
    """Where someone is free now: a window as the prefilter returns it, before its topics."""

    account_id: int
    lat: float
    lon: float
    radius_km: float
    start: datetime
    end: datetime


class TargetSource(Protocol):
    def nearest_volunteers(
        self, query: VolunteerQuery, limit: int, after: tuple[float, int] | None = None
    ) -> VolunteerPage:
        """The next `limit` homes in the query's rectangle but not its skip one, ordered by
        (order_key, account id) and starting after `after`, that a database decides cheaply
        (notifications on, consent, availability, qualifications); of those, the sketches of
        the reachable volunteers who fit the topic rule and are not excluded, in that order."""
        ...

    def free_now_windows(self, box: GeoBox, now: datetime) -> list[FreeNow]:
        """Windows open at `now` whose place is in the box, of consenting, reachable accounts
        (notifications off don't matter: the window itself asks for pushes)."""
        ...

    def free_now_places(
        self, centre: GeoPoint, radius_km: float, now: datetime, ends_after: datetime
    ) -> list[WindowPlace]:
        """Where the windows of free_now_windows(box_around(centre, radius_km), now) are that
        close after `ends_after` (a source may leave out those farther than radius_km)."""
        ...

    def free_now_of(self, account_ids: Sequence[int], now: datetime) -> list[FreeNow]:
        """The windows of these accounts that free_now_windows would give (open at `now`, of
        consenting, reachable accounts), whatever their place."""
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


def quiet_hours_end(quiet: QuietHours | None, time_zone: str, now: datetime) -> datetime | None:
    """When the quiet hours that `now` falls into end (None: it falls into none)."""
    if not in_quiet_hours(quiet, time_zone, now):
        return None
    assert quiet is not None
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    # before the end on the clock: it ends today (the night's early part); else tomorrow
    day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    return datetime.combine(day, quiet.end, tzinfo=zone).astimezone(now.tzinfo)


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
    alerted = source.alerted_for(need.id)
    poster = need.owner.account_id
    # someone free now counts where their window is, never at home (the search by home passes
    # over whoever has a window in the circle); windows count only nearer than the k-th at home
    at_home = _nearest_at_home(source, need, now, policy, radius_km, k, alerted | {poster})
    within = at_home[k - 1].km if len(at_home) >= k else radius_km
    # a window can only have some of the need's time if it closes after the need's next start
    next_times = need.time_window.intervals(now, now + HORIZON)
    ends_after = next_times[0][0] if next_times else now + HORIZON
    free: list[tuple[float, WindowPlace]] = []
    for place in source.free_now_places(centre, within, now, max(now, ends_after)):
        km = haversine_km(centre.lat, centre.lon, place.lat, place.lon)
        if place.account_id not in alerted and place.account_id != poster and km <= within:
            free.append((km, place))
    # what score_free_now asks of the place and time, known without topics and skills: within
    # the window's own radius, and some of the need's time before the window closes
    last = max((place.end for _, place in free), default=now)
    upcoming = need.time_window.intervals(now, last) if last > now else []
    nearer = sorted(
        (km, place.account_id)
        for km, place in free
        if km <= place.radius_km and _meets(upcoming, max(now, place.start), place.end)
    )
    free_now: list[Target] = []
    for offset in range(0, len(nearer), CHUNK):
        chunk = nearer[offset : offset + CHUNK]
        windows = {w.account_id: w for w in source.free_now_of([a for _, a in chunk], now)}
        for km, account_id in chunk:
            window = windows.get(account_id)
            if window is None:
                continue  # closed between the two reads
            score = score_free_now(need, window, now)
            if score.matched:
                free_now.append(Target(account_id, km, True, score))
        if len(free_now) >= k:
            break  # the k nearest free now are known: the rest are farther
    targets = sorted(at_home + free_now, key=lambda target: (target.km, target.account_id))
    return targets[:k]


def _meets(intervals: Sequence[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(lo < end and hi > start for lo, hi in intervals)


def _nearest_at_home(
    source: TargetSource,
    need: Posting,
    now: datetime,
    policy: PushPolicy,
    radius_km: float,
    k: int,
    exclude: set[int],
) -> list[Target]:
    """The k nearest eligible volunteers by their home (nearest first), none of `exclude`
    and nobody with a free-now window within radius_km (they count where they are).

    Rings of growing radius, each reading only what the smaller ones did not: in a dense town
    the k nearest are found in the first, and a wider one is read only when the smaller could
    not settle it. Homes read in a ring's box beyond its circle count right away (no later
    ring reads them again)."""
    centre = need.place.point
    fitting_patterns = _patterns_covering(need, now)
    local_times: dict[str, time] = {}  # the wall clock in each zone, read once
    since = now - timedelta(days=1)  # the daily cap counts the last 24 hours
    targets: list[Target] = []
    seen: set[int] = set()
    read_km = 0.0
    read = 0  # homes that met the database's rules in the rings so far
    steps = rings(radius_km)
    while steps:
        ring = steps.pop(0)
        query = VolunteerQuery(
            centre,
            ring,
            exclude=frozenset(exclude),
            category=need.category,
            qualifications=need.required_qualifications,
            availability=fitting_patterns,
            skip_km=read_km,
            alerts_since=since,
            windows_at=now,
        )
        for page in _pages(source, query):
            at_home: list[tuple[float, VolunteerSketch]] = []
            for sketch in page.sketches:
                if sketch.account_id in seen:
                    continue
                seen.add(sketch.account_id)
                km = haversine_km(centre.lat, centre.lon, sketch.lat, sketch.lon)
                if km > radius_km or km > sketch.reach_km:
                    continue
                window = sketch.free_now_at
                if window is not None and centre.distance_km(window) <= radius_km:
                    continue
                quiet = sketch.quiet_hours or policy.default_quiet_hours
                if quiet is not None:
                    if sketch.time_zone not in local_times:
                        local_times[sketch.time_zone] = _wall_clock(now, sketch.time_zone)
                    if quiet.contains(local_times[sketch.time_zone]):
                        continue
                at_home.append((km, sketch))
            profiles, counts = _profiles_and_counts(source, [s for _, s in at_home], since)
            for km, sketch in at_home:
                profile = profiles.get(sketch.account_id)
                if profile is None or counts.get(sketch.account_id, 0) >= policy.daily_cap:
                    continue
                score = score_volunteer(need, profile, now)
                if score.matched:
                    targets.append(Target(sketch.account_id, km, False, score))
            read += page.read
            if _settled(targets, k, page, query):
                break  # what this ring holds beyond is farther than the k-th
        read_km = ring
        if len([t for t in targets if t.km <= ring]) >= k:
            break  # everyone within this ring was read: the k nearest are known
        if steps and read == 0:
            # nobody here meets even the database's rules (a rare qualification, a time
            # nobody's usual availability covers): the rest at once, not ring by ring
            steps = [radius_km]
    targets.sort(key=lambda target: (target.km, target.account_id))
    return targets[:k]


def _profiles_and_counts(
    source: TargetSource, sketches: Sequence[VolunteerSketch], since: datetime
) -> tuple[dict[int, VolunteerProfile], dict[int, int]]:
    """Profiles and urgent alerts since then: as the sketches came, or read where they didn't."""
    profiles = {s.account_id: s.profile for s in sketches if s.profile is not None}
    counts = {s.account_id: s.urgent_alerts for s in sketches if s.profile is not None}
    missing = [s.account_id for s in sketches if s.profile is None]
    if missing:
        profiles.update(source.volunteer_profiles(missing))
        counts.update(source.urgent_alerts_since(missing, since))
    return profiles, counts


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


def _pages(source: TargetSource, query: VolunteerQuery) -> Iterator[VolunteerPage]:
    """Pages of the nearest volunteers; each page twice the last, since every page makes the
    database order the whole ring again: few rounds when many are read."""
    after: tuple[float, int] | None = None
    size = PAGE
    while True:
        page = source.nearest_volunteers(query, size, after)
        yield page
        if page.after is None:
            return
        after = page.after
        size = min(size * 2, MAX_PAGE)


def _settled(targets: list[Target], k: int, page: VolunteerPage, query: VolunteerQuery) -> bool:
    """Whether the k nearest are known: k found, and everything not yet read is farther away
    than the k-th (with a margin for the planar order)."""
    if len(targets) < k or page.after is None:
        return False
    kth = sorted(target.km for target in targets)[k - 1]
    return query.km_of(page.after[0]) > kth * ORDER_MARGIN + 0.001


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
    reachable: list[tuple[float, int, VolunteerSketch]] = []
    for page in _pages(source, query):
        for sketch in page.sketches:
            km = haversine_km(centre.lat, centre.lon, sketch.lat, sketch.lon)
            if km <= min(sketch.reach_km, DIGEST_RADIUS_KM):
                reachable.append((km, sketch.account_id, sketch))
        if len(reachable) >= DIGEST_NEAREST:
            break
    reachable = sorted(reachable, key=lambda r: (r[0], r[1]))[:DIGEST_NEAREST]
    fitting: list[Target] = []
    for offset in range(0, len(reachable), CHUNK):
        chunk = reachable[offset : offset + CHUNK]
        profiles, _ = _profiles_and_counts(source, [sketch for _, _, sketch in chunk], now)
        for km, account_id, _sketch in chunk:
            profile = profiles.get(account_id)
            if profile is None:
                continue
            score = score_volunteer(need, profile, now)
            if score.matched:
                fitting.append(Target(account_id, km, False, score))
    fitting.sort(key=lambda target: (-target.score.value, target.km, target.account_id))
    return fitting[:limit]
