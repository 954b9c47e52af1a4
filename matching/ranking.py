"""Ordering search results: urgent first, then near, then soon. Pure, so it is easy to reason
about; the full explainable score of the matching issue replaces it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from domain.postings import Posting, Urgency

DISTANCE_STEP_KM = 2.0  # postings within the same 2 km band count as equally near


def next_start(
    posting: Posting, now: datetime, horizon: timedelta = timedelta(days=28)
) -> datetime:
    """When the posting next applies (now for open-ended or ongoing ones)."""
    intervals = posting.time_window.intervals(now, now + horizon)
    return intervals[0][0] if intervals else now + horizon


def search_order(
    hits: Sequence[tuple[Posting, float | None]], now: datetime
) -> list[tuple[Posting, float | None]]:
    def key(hit: tuple[Posting, float | None]) -> tuple[int, int, datetime, int]:
        posting, km = hit
        band = int((km or 0.0) // DISTANCE_STEP_KM)
        urgent = 0 if posting.urgency is Urgency.URGENT else 1
        return urgent, band, next_start(posting, now), posting.id or 0

    return sorted(hits, key=key)
