"""The figures editors read about their municipality for a period (pure).

What each figure counts is defined where it is computed: storage/repositories/stats.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.categories import Category
from domain.lifecycle import PostingStatus


@dataclass(frozen=True, slots=True)
class MunicipalityStats:
    """One municipality's figures for the period [since, until)."""

    municipality_key: str
    since: datetime
    until: datetime
    postings_by_status: Mapping[PostingStatus, int]
    postings_by_category: Mapping[Category, int]
    postings_hidden: int
    matches: int
    alerts_sent: int
    alerts_helped: int  # of those sent: answered "I'll help"
    alerts_declined: int  # of those sent: answered "not now"
    urgent_needs: int
    urgent_filled: int
    median_time_to_fill: timedelta | None  # None while no urgent need of the period is filled
    active_volunteers: int
    # updates its bot (and the shared bot) could not read and set aside unanswered
    set_aside: int = 0

    @property
    def postings(self) -> int:
        return sum(self.postings_by_status.values())

    @property
    def alerts_answered(self) -> int:
        return self.alerts_helped + self.alerts_declined

    @property
    def fill_rate(self) -> float | None:
        """The share of the period's urgent needs that are filled; None without any."""
        return self.urgent_filled / self.urgent_needs if self.urgent_needs else None
