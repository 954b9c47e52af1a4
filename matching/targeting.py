"""Who is alerted about an urgent need, and when the alerting stops.

A wave alerts the K nearest eligible volunteers within the wave's radius. Eligible means: free
now nearby (an open "free now" window; they asked for pushes, so quiet hours and the daily cap
don't hold them back), or else by profile — home within their own reach, notifications on,
outside their quiet hours, under their daily cap, topics and qualifications fitting and their
usual availability covering the need's next time. Never the poster, never anyone alerted about
this need before (which also keeps those who said "not now" quiet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.actors import QuietHours
from domain.places import GeoBox, box_around, haversine_km
from domain.postings import Posting
from matching.scoring import FreeNow, Score, VolunteerProfile, score_free_now, score_volunteer

CHUNK = 64  # eligibility is checked for this many of the nearest at a time


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


class TargetSource(Protocol):
    def volunteer_sketches(self, box: GeoBox, exclude_account_id: int) -> list[VolunteerSketch]:
        """Consenting, reachable volunteers with notifications on whose home is in the box."""
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
    if quiet is None:
        return False
    return quiet.contains(now.astimezone(ZoneInfo(time_zone)).time().replace(tzinfo=None))


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
    candidates: list[tuple[float, int, VolunteerSketch | None]] = [
        (km, account_id, None) for account_id, (km, _) in free.items()
    ]
    for sketch in source.volunteer_sketches(box, poster):
        if sketch.account_id in alerted or sketch.account_id in free:
            continue
        km = haversine_km(centre.lat, centre.lon, sketch.lat, sketch.lon)
        if km > min(radius_km, sketch.reach_km):
            continue
        quiet = sketch.quiet_hours or policy.default_quiet_hours
        if in_quiet_hours(quiet, sketch.time_zone, now):
            continue
        candidates.append((km, sketch.account_id, sketch))
    candidates.sort(key=lambda c: (c[0], c[1]))
    for offset in range(0, len(candidates), CHUNK):
        chunk = candidates[offset : offset + CHUNK]
        by_profile = [account_id for _, account_id, home in chunk if home is not None]
        profiles = source.volunteer_profiles(by_profile) if by_profile else {}
        counts = (
            source.urgent_alerts_since(by_profile, now - timedelta(days=1)) if by_profile else {}
        )
        for km, account_id, home in chunk:
            if home is None:
                score = score_free_now(need, free[account_id][1], now)
            elif counts.get(account_id, 0) >= policy.daily_cap:
                continue
            else:
                profile = profiles.get(account_id)
                if profile is None:
                    continue
                score = score_volunteer(need, profile, now)
            if score.matched:
                targets.append(Target(account_id, km, home is None, score))
                if len(targets) >= k:
                    return targets
    return targets


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
    nearest = sorted(
        (haversine_km(centre.lat, centre.lon, s.lat, s.lon), s.account_id, s.reach_km)
        for s in source.volunteer_sketches(
            box_around(centre, DIGEST_RADIUS_KM), need.owner.account_id
        )
    )
    reachable = [(km, account_id) for km, account_id, reach in nearest if km <= reach]
    reachable = reachable[:DIGEST_NEAREST]
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
