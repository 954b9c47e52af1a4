"""Candidate retrieval: an indexed prefilter in SQL, then exact distance and scoring here.

The storage layer implements `CandidateSource` (matching defines what it needs, DESIGN.md).
The prefilter (status, kind, topic, overlapping time bounds, a rectangle of latitude bands and
longitudes) is read in rings around the centre, nearest first, and returns light sketches;
their distance and an upper bound of their score are computed from the sketch alone, and only
the most promising are loaded whole and scored exactly, until neither a sketch read nor anything
beyond the rings read could beat the k-th best (the threshold algorithm). In a city centre the
k best lie in the first ring or two; in the country the rings hold little. Always ordered,
always limited."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.actors import DEFAULT_TIME_ZONE
from domain.categories import Category
from domain.places import KM_PER_DEG_LAT, GeoPoint, box_around, haversine_km
from domain.postings import Posting, PostingKind, Urgency
from domain.qualifications import Qualification
from domain.timewindow import Interval
from matching.scoring import (
    DISTANCE_SCALE_KM,
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

PREFILTER_LIMIT = 20_000  # rows per ring at most; a ring in a city centre holds a few hundred
DEFAULT_K = 20
# rings: the first reaches this far, each next one twice as far, the last to the search radius
FIRST_RING_KM = 1.25
# when the rest of the circle is expected to hold fewer rows than this (going by how many the
# rings read so far held), it is read at once: in the country a query or two, not five
SMALL_REST = 200
LOAD_MIN = 8  # whole postings loaded at a time once the k best are filled, doubling up to
LOAD_MAX = 64
LOAD_SLACK = 4  # loaded beyond the number still missing from the k best (some won't match)
MAX_SPANS = 4  # weekday spans the prefilter checks weekly windows against, at most
# a bound times this is never below the exact score, however the products round; and a point
# outside a ring's box lies farther than the ring's radius times EDGE_SLACK (the box covers the
# circle with room to spare: see domain.places.box_around)
BOUND_SLACK = 1.0 + 1e-9
EDGE_SLACK = 1.0 - 1e-6
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
class Rect:
    """Latitudes and longitudes around a circle, covering it: the longitudes of
    domain.places.box_around, and the latitudes as far as the radius reaches (the box's bands
    reach farther, to whole bands). A smaller radius gives a rectangle inside a larger one's."""

    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    def holds(self, lat: float, lon: float) -> bool:
        return self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max


def rect_around(centre: GeoPoint, radius_km: float) -> Rect:
    box = box_around(centre, radius_km)
    reach = radius_km / KM_PER_DEG_LAT  # as box_around computes its latitudes
    lat_min, lat_max = max(-90.0, centre.lat - reach), min(90.0, centre.lat + reach)
    return Rect(lat_min, lat_max, box.lon_min, box.lon_max)


def in_ring(rect: Rect, skip: Rect | None, lat: float, lon: float) -> bool:
    """In the rectangle but not in the (smaller, nested) skip rectangle."""
    return rect.holds(lat, lon) and not (skip is not None and skip.holds(lat, lon))


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    """Published postings in the rectangle around `centre` (rect_around of radius_km), less
    the rectangle of radius `skip_km` (a ring: what an earlier, smaller one read)."""

    centre: GeoPoint
    radius_km: float
    kinds: frozenset[PostingKind]
    time_from: datetime
    time_to: datetime
    categories: frozenset[Category] = frozenset()  # empty: any topic …
    other_categories: frozenset[Category] = frozenset()  # … but none of these
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
    skip_km: float = 0.0
    limit: int = PREFILTER_LIMIT

    @property
    def rect(self) -> Rect:
        return rect_around(self.centre, self.radius_km)

    @property
    def skip_rect(self) -> Rect | None:
        return rect_around(self.centre, self.skip_km) if self.skip_km > 0.0 else None


class CandidateSource(Protocol):
    def posting_sketches(self, query: CandidateQuery) -> list[PostingSketch]:
        """Published postings in the query's rectangle but not its skip rectangle, whose time
        bounds overlap the query's, in any order."""
        ...

    def postings(self, ids: Sequence[int]) -> list[Posting]:
        """Whole postings (qualifications, weekly slots) for these ids, any order."""
        ...


@dataclass(frozen=True, slots=True)
class Match:
    posting: Posting
    km: float
    score: Score


@dataclass(frozen=True, slots=True)
class Stream:
    """Postings read ring by ring: `query` (its radius the search radius) and an upper bound
    of every factor but distance for what it finds (e.g. the topic factor of its topics)."""

    query: CandidateQuery
    weight: float


@dataclass(slots=True)
class _Rings:
    stream: Stream
    read_km: float = 0.0  # the rectangle of this radius is read
    rows: int = 0
    # a ring out to here held more rows than a query returns: the next one reaches half as far
    truncated_km: float = 0.0

    @property
    def radius_km(self) -> float:
        return self.stream.query.radius_km

    def frontier(self) -> float:
        """An upper bound of the score of anything not read yet: it lies beyond read_km."""
        if self.read_km >= self.radius_km:
            return 0.0
        return self.stream.weight * distance_factor(self.read_km * EDGE_SLACK, self.radius_km)

    def next_km(self, kth: float | None) -> float:
        """How far the next ring reaches: twice as far as the last (the rest at once where the
        rings so far held little), but with the k best filled (the k-th scoring `kth`) no
        farther than something could still beat it."""
        radius = self.radius_km
        if self.read_km <= 0.0:
            ring = FIRST_RING_KM
        else:
            expected = (self.rows + 1) * ((radius / self.read_km) ** 2 - 1.0)
            ring = radius if expected <= SMALL_REST else self.read_km * 2.0
        if kth is not None and kth > 0.0:
            # weight × distance_factor(reach × EDGE_SLACK) ≤ kth from there on
            reach = DISTANCE_SCALE_KM * (self.stream.weight / kth - 1.0) / EDGE_SLACK
            ring = min(ring, max(reach * (1.0 + 1e-9), self.read_km * (1.0 + 1e-6)))
        if ring * 1.25 >= radius:
            ring = radius
        if self.truncated_km > 0.0:
            ring = min(ring, (self.read_km + self.truncated_km) / 2.0)
        return ring


def top_matches(
    source: CandidateSource,
    streams: Sequence[Stream],
    bound: Callable[[PostingSketch, float], float],
    score: Callable[[Posting], Score],
    k: int = DEFAULT_K,
) -> list[Match]:
    """The k best-scored postings of the streams, best first (ties: nearer, then older id).

    `bound(sketch, km)` is an upper bound of the score from the sketch alone (0: can't match),
    never above its stream's weight × distance_factor(km, radius); `score` the exact score of
    the whole posting. Each stream is read in rings around the centre, nearest first, so what
    lies beyond the rings read is bounded by the distance they reach; whole postings are
    loaded best bound first, and the search stops as soon as neither a sketch read nor
    anything beyond the rings could beat the k-th best (the threshold algorithm)."""
    if k <= 0 or not streams:
        return []
    centre = streams[0].query.centre
    rings = [_Rings(stream) for stream in streams]
    best: list[tuple[float, float, int, Match]] = []  # a min-heap of (score, -km, -id)
    pending: list[tuple[float, float, int]] = []  # a min-heap of (-bound, km, id)
    seen: set[int] = set()
    load = LOAD_MIN

    def beats(upper: float, km: float, posting_id: int) -> bool:
        return len(best) < k or (upper, -km, -posting_id) > best[0][:3]

    while True:
        ahead = max(rings, key=_Rings.frontier)
        frontier = ahead.frontier()
        if pending and not beats(-pending[0][0], pending[0][1], pending[0][2]):
            pending.clear()  # the best of them can't beat the k-th best: none can
        missing = k - len(best)
        # load the best bound first, once nothing unread could bound higher; while the k best
        # are not filled, only once the sketches read could fill them (else the next ring
        # first: in the country one load instead of one per ring)
        if (
            pending
            and -pending[0][0] >= frontier
            and (missing <= 0 or len(pending) >= missing or frontier <= 0.0)
        ):
            chunk: list[tuple[float, int]] = []
            size = missing + LOAD_SLACK if missing > 0 else load
            while pending and len(chunk) < size:
                upper, km, posting_id = heapq.heappop(pending)
                if not beats(-upper, km, posting_id):
                    pending.clear()
                    break
                chunk.append((km, posting_id))
            postings = {p.id: p for p in source.postings([posting_id for _, posting_id in chunk])}
            for km, posting_id in chunk:
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
            if len(best) >= k:
                load = min(load * 2, LOAD_MAX)
            continue
        if frontier <= 0.0 or (len(best) >= k and frontier <= best[0][0]):
            break  # nothing beyond the rings read can beat the k-th best either
        outer = ahead.next_km(best[0][0] if len(best) >= k else None)
        query = replace(ahead.stream.query, radius_km=outer, skip_km=ahead.read_km)
        sketches = source.posting_sketches(query)
        ahead.rows += len(sketches)
        if len(sketches) < query.limit or outer - ahead.read_km < 1e-6:
            ahead.read_km, ahead.truncated_km = outer, 0.0
        else:
            # more than a query returns (the safety net of an always limited query): what came
            # counts, but the ring is not read whole; a narrower one reads it
            ahead.truncated_km = outer
        for sketch in sketches:
            if sketch.id in seen:
                continue
            seen.add(sketch.id)
            km = haversine_km(centre.lat, centre.lon, sketch.lat, sketch.lon)
            upper = bound(sketch, km) * BOUND_SLACK
            if upper > 0.0 and beats(upper, km, sketch.id):
                heapq.heappush(pending, (-upper, km, sketch.id))
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
            # rounded up: an end at 18:30:00.5 still meets a slot from 18:30
            late = local_end.second or local_end.microsecond
            last = local_end.hour * 60 + local_end.minute + (1 if late else 0)
            if last > first:
                spans.append((day.weekday(), first, last))
            break
        spans.append((day.weekday(), first, 24 * 60))
        day = datetime.combine(day.date() + timedelta(days=1), time.min, zone)
    return tuple(spans)


def spans_of(
    intervals: Sequence[Interval], time_zone: str
) -> tuple[tuple[int, int, int], ...] | None:
    """local_spans of all the intervals (a weekly window can only have time in common with
    them on those weekdays, at those times); None when one lasts a day or more, or there are
    more than MAX_SPANS (the rule would then leave out little)."""
    found: dict[tuple[int, int, int], None] = {}
    for start, end in intervals:
        spans = local_spans(start, end, time_zone)
        if spans is None:
            return None
        found.update(dict.fromkeys(spans))
    return tuple(found) if len(found) <= MAX_SPANS else None


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
    intervals = posting.time_window.intervals(time_from, time_to)
    if not intervals:
        return []
    search_km = max(posting.place.radius_km, MATCH_SEARCH_RADIUS_KM)
    query = CandidateQuery(
        centre=posting.place.point,
        radius_km=search_km,
        kinds=frozenset({other}),
        categories=frozenset({posting.category}),
        time_from=time_from,
        time_to=time_to,
        exclude_owner_id=posting.owner.account_id,
        with_all=posting.required_qualifications,
        only_from=posting.offered_qualifications if posting.kind is PostingKind.OFFER else None,
        slot_spans=spans_of(intervals, DEFAULT_TIME_ZONE),
    )

    # a score carries the need's urgency and freshness, whichever side the need is on
    own_weight = urgency_factor(posting.urgency) * freshness_factor(posting.created_at, now)
    own_need = posting.kind is PostingKind.NEED

    def bound(sketch: PostingSketch, km: float) -> float:
        need_weight = (
            own_weight
            if own_need
            else urgency_factor(sketch.urgency) * freshness_factor(sketch.created_at, now)
        )
        # clipped to the search circle: a wide offer in the box's corner must not be found
        # where the same offer due north, as far away, is not
        reach = min(max(sketch.radius_km, posting.place.radius_km), search_km)
        distance = distance_factor(km, reach)
        return distance and distance * need_weight * time_bound(sketch, intervals)

    # common time counts at most 1, and so do another need's urgency and freshness
    weight = own_weight if own_need else 1.0
    return top_matches(
        source,
        [Stream(query, weight)],
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
        centre=window.point,
        radius_km=window.radius_km,
        slot_spans=local_spans(time_from, window.end, DEFAULT_TIME_ZONE),
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
        _topic_streams(query, window.interests),
        bound,
        lambda need: score_free_now(need, window, now),
        k,
    )


def _topic_streams(query: CandidateQuery, interests: frozenset[Category]) -> list[Stream]:
    """Needs in someone's own topics, and (ranked lower: read only while they could still make
    the k best) the others; urgency, freshness and common time count at most 1."""
    if not interests:
        return [Stream(query, max(topic_factor(c, interests, strict=False) for c in Category))]
    streams = [
        Stream(
            replace(query, categories=interests),
            max(topic_factor(c, interests, strict=False) for c in interests),
        )
    ]
    others = [c for c in Category if c not in interests]
    if others:
        streams.append(
            Stream(
                replace(query, other_categories=interests),
                max(topic_factor(c, interests, strict=False) for c in others),
            )
        )
    return streams
