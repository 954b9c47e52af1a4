"""What a search asks for: a pure value the storage layer turns into a query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.categories import Category
from domain.errors import ValidationError
from domain.lifecycle import PostingStatus
from domain.places import GeoPoint, check_radius_km
from domain.postings import PostingKind
from domain.qualifications import Qualification
from domain.timewindow import to_utc


@dataclass(frozen=True, slots=True)
class PostingFilter:
    centre: GeoPoint | None = None
    radius_km: float | None = None
    categories: frozenset[Category] = frozenset()
    kinds: frozenset[PostingKind] = frozenset()
    time_from: datetime | None = None
    time_to: datetime | None = None
    qualifications: frozenset[Qualification] = frozenset()
    statuses: frozenset[PostingStatus] = field(
        default_factory=lambda: frozenset({PostingStatus.PUBLISHED})
    )
    exclude_owner_id: int | None = None
    limit: int = 500

    def __post_init__(self) -> None:
        if (self.centre is None) != (self.radius_km is None):
            raise ValidationError("radius_km", "a place filter needs both centre and radius")
        if self.radius_km is not None:
            check_radius_km(self.radius_km)
        if self.time_from is not None:
            object.__setattr__(self, "time_from", to_utc(self.time_from, "time_from"))
        if self.time_to is not None:
            object.__setattr__(self, "time_to", to_utc(self.time_to, "time_to"))
        if self.time_from and self.time_to and self.time_to <= self.time_from:
            raise ValidationError("time_to", "must be after the start")
        if not 1 <= self.limit <= 5000:
            raise ValidationError("limit", "must be between 1 and 5000")
