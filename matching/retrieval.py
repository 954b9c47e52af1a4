"""Candidate retrieval: an indexed prefilter in SQL, then exact distance and scoring here.

The storage layer implements `CandidateSource` (matching defines what it needs, DESIGN.md).
The prefilter (status, kind, topic, overlapping time bounds, a box of latitude bands and a
longitude range) returns light sketches; their distance and an upper bound of their score are
computed from the sketch alone, and only the most promising are loaded whole and scored exactly,
until no remaining sketch could beat the k-th best (the threshold algorithm). Always ordered,
always limited."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.actors import DEFAULT_TIME_ZONE
from domain.categories import Category
from domain.places import GeoBox, GeoPoint, box_around, haversine_km
from domain.postings import Posting, PostingKind, Urgency
from domain.qualifications import Qualification
from domain.timewindow import Interval
from matching.scoring import (
    HORIZON,
    FreeNow,
    Score,
    distance_factor,
    freshness_factor,
    overlap_factor,
    score_free_now,
    score_postings,
    topic_factor,
    urgency_factor,
)

PREFILTER_LIMIT = 20_000  # a safety net: a box in a city centre holds a few thousand at most
DEFAULT_K = 20
BATCH = 64  # whole postings are loaded this many at a time
# how far apart a need and an offer are looked for, unless a posting's own radius says more: an
# offer with a wider radius is still found from needs within this distance of it
MATCH_SEARCH_RADIUS_KM = 10.0


@dataclass(frozen=True, slots=True)
class PostingSketch:
    """The columns of a published posting that bound its score, before loading it whole."""

    id: int
    kind: PostingKind
    category: Category
    lat: float
    lon: float
    radius_km: float
    urgency: Urgency
    created_at: datetime | None
    owner_account_id: int
    # the time window's bounds (exact for one-off and open windows, the validity of a weekly
    # one): an upper bound of any common time
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    box: GeoBox
    kinds: frozenset[PostingKind]
    time_from: datetime
    time_to: datetime
    categories: frozenset[Category] = frozenset()  # empty: any topic
    exclude_owner_id: int | None = None
    # qualification rules, decided in the prefilter: a candidate carries all of `with_all`
    # (an offer for a need that requires them), and none outside `only_from` (a need whose
    # requirements the offer or volunteer must meet; None: no such rule)
    with_all: frozenset[Qualification] = frozenset()
    only_from: frozenset[Qualification] | None = None
    # weekly windows kept in `slot_zone` need a slot in one of these (weekday, from, to minute)
    # spans of local time; windows in other zones pass (their slots are checked exactly later)
    slot_spans: tuple[tuple[int, int, int], ...] | None = None
    slot_zone: str = DEFAULT_TIME_ZONE
    limit: int = PREFILTER_LIMIT


class CandidateSource(Protocol):
    def posting_sketches(self, query: CandidateQuery) -> list[PostingSketch]:
        """Published postings in the box whose time bounds overlap the query's, by id."""
        ...

    def postings(self, ids: Sequence[int]) -> list[Posting]:
        """Whole postings (qualifications, weekly slots) for these ids, any order."""
        ...


@dataclass(frozen=True, slots=True)
class Match:
    posting: Posting
    km: float
    score: Score


def top_matches(
    source: CandidateSource,
    query: CandidateQuery,
    centre: GeoPoint,
    bound: Callable[[PostingSketch, float], float],
    score: Callable[[Posting], Score],
    k: int = DEFAULT_K,
) -> list[Match]:
    """The k best-scored postings of the query, best first (ties: nearer, then older id).

    `bound(sketch, km)` is an upper bound of the score from the sketch alone (0: can't match),
    `score` the exact score of the whole posting; the search stops as soon as no sketch left
    could beat the k-th best."""
    bounded: list[tuple[float, float, int]] = []
    for sketch in source.posting_sketches(query):
        km = haversine_km(centre.lat, centre.lon, sketch.lat, sketch.lon)
        upper = bound(sketch, km)
        if upper > 0.0:
            bounded.append((-upper, km, sketch.id))
    bounded.sort()
    best: list[tuple[float, float, int, Match]] = []  # a min-heap of (score, -km, -id)
    batch = max(k, BATCH)
    for offset in range(0, len(bounded), batch):
        chunk = bounded[offset : offset + batch]
        if len(best) >= k and -chunk[0][0] <= best[0][0]:
            break  # nothing left can beat the k-th best
        postings = {p.id: p for p in source.postings([posting_id for _, _, posting_id in chunk])}
        for upper, km, posting_id in chunk:
            if len(best) >= k and -upper <= best[0][0]:
                break
            posting = postings.get(posting_id)
            if posting is None:
                continue  # withdrawn between the two reads
            scored = score(posting)
            if not scored.matched:
                continue
            entry = (scored.value, -km, -posting_id, Match(posting, km, scored))
            if len(best) < k:
                heapq.heappush(best, entry)
            elif entry[:3] > best[0][:3]:
                heapq.heapreplace(best, entry)
    ranked = sorted(best, key=lambda e: e[:3], reverse=True)
    return [entry[3] for entry in ranked]


def local_spans(
    start: datetime, end: datetime, time_zone: str
) -> tuple[tuple[int, int, int], ...] | None:
    """[start, end) as (weekday, first minute, last minute) spans of local time, one per day it
    touches; None for a span of a day or more (then every weekday is in it anyway)."""
    if end - start >= timedelta(days=1):
        return None
    zone = ZoneInfo(time_zone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    spans = []
    day = local_start
    while True:
        first = day.hour * 60 + day.minute if day.date() == local_start.date() else 0
        if day.date() == local_end.date():
            last = local_end.hour * 60 + local_end.minute + (1 if local_end.second else 0)
            if last > first:
                spans.append((day.weekday(), first, last))
            break
        spans.append((day.weekday(), first, 24 * 60))
        day = datetime.combine(day.date() + timedelta(days=1), time.min, zone)
    return tuple(spans)


def time_bound(sketch: PostingSketch, intervals: Sequence[Interval]) -> float:
    """overlap_factor of the most time the sketch's bounds leave in common with `intervals`:
    never below the real common time, since a window's intervals lie within its bounds."""
    common = timedelta(0)
    for start, end in intervals:
        lo = start if sketch.starts_at is None else max(start, sketch.starts_at)
        hi = end if sketch.ends_at is None else min(end, sketch.ends_at)
        if hi > lo:
            common += hi - lo
    return overlap_factor(common)


# ---- the three questions the bot asks -----------------------------------------------------------


def matches_for_posting(
    source: CandidateSource, posting: Posting, now: datetime, k: int = DEFAULT_K
) -> list[Match]:
    """Offers for a need, or needs for an offer: same topic, reachable, some common time."""
    other = PostingKind.OFFER if posting.kind is PostingKind.NEED else PostingKind.NEED
    # only what overlaps the posting's own time within the horizon can have common time
    start, end = posting.time_window.bounds()
    time_from = max(now, start) if start else now
    time_to = min(now + HORIZON, end) if end else now + HORIZON
    if time_to <= time_from:
        return []
    search_km = max(posting.place.radius_km, MATCH_SEARCH_RADIUS_KM)
    query = CandidateQuery(
        box=box_around(posting.place.point, search_km),
        kinds=frozenset({other}),
        categories=frozenset({posting.category}),
        time_from=time_from,
        time_to=time_to,
        exclude_owner_id=posting.owner.account_id,
        with_all=posting.required_qualifications,
        only_from=posting.offered_qualifications if posting.kind is PostingKind.OFFER else None,
    )
    intervals = posting.time_window.intervals(time_from, time_to)
    if not intervals:
        return []

    # a score carries the need's urgency and freshness, whichever side the need is on
    own_weight = urgency_factor(posting.urgency) * freshness_factor(posting.created_at, now)

    def bound(sketch: PostingSketch, km: float) -> float:
        need_weight = (
            own_weight
            if posting.kind is PostingKind.NEED
            else urgency_factor(sketch.urgency) * freshness_factor(sketch.created_at, now)
        )
        # clipped to the search circle: a wide offer in the box's corner must not be found
        # where the same offer due north, as far away, is not
        reach = min(max(sketch.radius_km, posting.place.radius_km), search_km)
        distance = distance_factor(km, reach)
        return distance and distance * need_weight * time_bound(sketch, intervals)

    return top_matches(
        source,
        query,
        posting.place.point,
        bound,
        lambda candidate: score_postings(posting, candidate, now),
        k,
    )


def needs_for_free_now(
    source: CandidateSource,
    window: FreeNow,
    now: datetime,
    k: int = DEFAULT_K,
    exclude_owner_id: int | None = None,
) -> list[Match]:
    """The best open needs near someone who is free now, until their window closes."""
    time_from = max(now, window.start)
    if window.end <= time_from:
        return []
    query = CandidateQuery(
        slot_spans=local_spans(time_from, window.end, DEFAULT_TIME_ZONE),
        box=box_around(window.point, window.radius_km),
        kinds=frozenset({PostingKind.NEED}),
        time_from=time_from,
        time_to=window.end,
        exclude_owner_id=exclude_owner_id,
        only_from=window.qualifications,
    )
    intervals = [(time_from, window.end)]

    def bound(sketch: PostingSketch, km: float) -> float:
        distance = distance_factor(km, window.radius_km)
        return distance and (
            distance
            * urgency_factor(sketch.urgency)
            * freshness_factor(sketch.created_at, now)
            * topic_factor(sketch.category, window.interests, strict=False)
            * time_bound(sketch, intervals)
        )

    return top_matches(
        source,
        query,
        window.point,
        bound,
        lambda need: score_free_now(need, window, now),
        k,
    )
