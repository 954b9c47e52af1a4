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
from datetime import datetime
from typing import Protocol

from domain.categories import Category
from domain.places import GeoBox, GeoPoint, box_around, haversine_km
from domain.postings import Posting, PostingKind, Urgency
from matching.scoring import (
    HORIZON,
    FreeNow,
    Score,
    distance_factor,
    freshness_factor,
    score_free_now,
    score_postings,
    urgency_factor,
)

PREFILTER_LIMIT = 20_000  # a safety net: a box in a city centre holds a few thousand at most
DEFAULT_K = 20
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


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    box: GeoBox
    kinds: frozenset[PostingKind]
    time_from: datetime
    time_to: datetime
    categories: frozenset[Category] = frozenset()  # empty: any topic
    exclude_owner_id: int | None = None
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
    reach_km: Callable[[PostingSketch], float],
    score: Callable[[Posting], Score],
    now: datetime,
    k: int = DEFAULT_K,
    weight: Callable[[PostingSketch], float] | None = None,
) -> list[Match]:
    """The k best-scored postings of the query, best first (ties: nearer, then older id).

    `reach_km` bounds how far a sketch may be; `score` scores a whole posting and must never
    exceed distance_factor × weight of its sketch, which is what lets the search stop early.
    `weight` is the need's urgency × freshness: by default the sketch's own (right when the
    candidates are the needs; all our pairings are products of those with factors ≤ 1)."""
    bounded: list[tuple[float, float, int]] = []
    for sketch in source.posting_sketches(query):
        km = haversine_km(centre.lat, centre.lon, sketch.lat, sketch.lon)
        upper = distance_factor(km, reach_km(sketch)) * (
            weight(sketch) if weight is not None else _need_weight(sketch, now)
        )
        if upper > 0.0:
            bounded.append((-upper, km, sketch.id))
    bounded.sort()
    best: list[tuple[float, float, int, Match]] = []  # a min-heap of (score, -km, -id)
    batch = max(k, 16)
    for offset in range(0, len(bounded), batch):
        chunk = bounded[offset : offset + batch]
        if len(best) >= k and -chunk[0][0] <= best[0][0]:
            break  # nothing left can beat the k-th best
        postings = {p.id: p for p in source.postings([posting_id for _, _, posting_id in chunk])}
        for _, km, posting_id in chunk:
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


def _need_weight(sketch: PostingSketch, now: datetime) -> float:
    return urgency_factor(sketch.urgency) * freshness_factor(sketch.created_at, now)


def _constant(value: float) -> Callable[[PostingSketch], float]:
    return lambda _sketch: value


# ---- the three questions the bot asks -----------------------------------------------------------


def matches_for_posting(
    source: CandidateSource, posting: Posting, now: datetime, k: int = DEFAULT_K
) -> list[Match]:
    """Offers for a need, or needs for an offer: same topic, reachable, some common time."""
    other = PostingKind.OFFER if posting.kind is PostingKind.NEED else PostingKind.NEED
    weight = None
    if posting.kind is PostingKind.NEED:
        # the candidates are offers, but a score carries the need's urgency and freshness: an
        # offer's own (never urgent, maybe older) would bound an urgent need's match too low
        weight = _constant(
            urgency_factor(posting.urgency) * freshness_factor(posting.created_at, now)
        )
    query = CandidateQuery(
        box=box_around(posting.place.point, max(posting.place.radius_km, MATCH_SEARCH_RADIUS_KM)),
        kinds=frozenset({other}),
        categories=frozenset({posting.category}),
        time_from=now,
        time_to=now + HORIZON,
        exclude_owner_id=posting.owner.account_id,
    )
    return top_matches(
        source,
        query,
        posting.place.point,
        lambda sketch: max(sketch.radius_km, posting.place.radius_km),
        lambda candidate: score_postings(posting, candidate, now),
        now,
        k,
        weight,
    )


def needs_for_free_now(
    source: CandidateSource,
    window: FreeNow,
    now: datetime,
    k: int = DEFAULT_K,
    exclude_owner_id: int | None = None,
) -> list[Match]:
    """The best open needs near someone who is free now, until their window closes."""
    query = CandidateQuery(
        box=box_around(window.point, window.radius_km),
        kinds=frozenset({PostingKind.NEED}),
        time_from=max(now, window.start),
        time_to=window.end,
        exclude_owner_id=exclude_owner_id,
    )
    return top_matches(
        source,
        query,
        window.point,
        lambda _sketch: window.radius_km,
        lambda need: score_free_now(need, window, now),
        now,
        k,
    )
