"""Postings: offers and needs of volunteer engagement."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.actors import Owner
from domain.categories import Category
from domain.errors import ValidationError
from domain.lifecycle import VISIBLE_STATUSES, PostingEvent, PostingStatus, next_status
from domain.places import Place
from domain.qualifications import Qualification
from domain.text import check_text
from domain.timewindow import TimeWindow

TITLE_MIN, TITLE_MAX = 3, 120
DESCRIPTION_MAX = 2000  # a detail view must fit one Telegram message (4096) with its labels
QUANTITY_MIN, QUANTITY_MAX = 1, 500
MAX_QUALIFICATIONS = 10


class PostingKind(StrEnum):
    OFFER = "offer"
    NEED = "need"


class PostingType(StrEnum):
    TIME = "time"  # time and hands: helping out
    RESOURCE = "resource"  # things: a van, a room, tools, donations in kind
    TRAINING = "training"  # knowledge: a course, tutoring, mentoring
    EVENT = "event"  # a dated happening that needs or offers help


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"  # an urgent need alerts nearby volunteers


@dataclass(frozen=True, slots=True)
class Posting:
    kind: PostingKind
    type: PostingType
    category: Category
    title: str
    description: str
    time_window: TimeWindow
    place: Place
    owner: Owner
    municipality_key: str
    qualifications: frozenset[Qualification] = frozenset()
    quantity: int = 1
    urgency: Urgency = Urgency.NORMAL
    status: PostingStatus = PostingStatus.DRAFT
    created_at: datetime | None = None
    updated_at: datetime | None = None
    hidden: bool = False  # its owner is banned (set only by /ban, /unban)
    id: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "title", check_text("title", self.title, min_len=TITLE_MIN, max_len=TITLE_MAX))
        set_(
            self,
            "description",
            check_text("description", self.description, min_len=0, max_len=DESCRIPTION_MAX),
        )
        if not isinstance(self.category, Category):
            raise ValidationError("category", "must be one of the category keys")
        if (
            isinstance(self.quantity, bool)
            or not isinstance(self.quantity, int)
            or not QUANTITY_MIN <= self.quantity <= QUANTITY_MAX
        ):
            raise ValidationError(
                "quantity", f"must be a whole number between {QUANTITY_MIN} and {QUANTITY_MAX}"
            )
        set_(self, "qualifications", frozenset(self.qualifications))
        if not all(isinstance(q, Qualification) for q in self.qualifications):
            raise ValidationError("qualifications", "must be known qualifications")
        if len(self.qualifications) > MAX_QUALIFICATIONS:
            raise ValidationError("qualifications", f"at most {MAX_QUALIFICATIONS}")
        if self.urgency is Urgency.URGENT and self.kind is PostingKind.OFFER:
            raise ValidationError("urgency", "only a need can be urgent")
        if not self.municipality_key:
            raise ValidationError("municipality", "must not be empty")

    @property
    def visible(self) -> bool:
        """Shown in searches, matches and pushes."""
        return self.status in VISIBLE_STATUSES and not self.hidden

    @property
    def required_qualifications(self) -> frozenset[Qualification]:
        """What a helper must bring (needs); an offer's qualifications are what it brings."""
        return self.qualifications if self.kind is PostingKind.NEED else frozenset()

    @property
    def offered_qualifications(self) -> frozenset[Qualification]:
        return self.qualifications if self.kind is PostingKind.OFFER else frozenset()

    def apply(self, event: PostingEvent) -> Posting:
        """This posting after a lifecycle event, or IllegalTransition."""
        return dataclasses.replace(self, status=next_status(self.status, event))

    def changed(self, **changes: object) -> Posting:
        """A copy with some fields changed, validated like a new posting."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
