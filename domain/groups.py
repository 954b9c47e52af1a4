"""A group chat (a club's, a neighbourhood's) subscribed to urgent needs of its topics and area."""

from __future__ import annotations

from dataclasses import dataclass

from domain.categories import Category
from domain.places import Place
from domain.postings import Posting, PostingKind, Urgency


@dataclass(frozen=True, slots=True)
class GroupSubscription:
    platform: str
    chat_id: str
    area: Place  # the centre and radius the group cares about
    categories: frozenset[Category] = frozenset()  # empty: every topic
    language: str = "de"
    title: str | None = None
    # the bot that was asked in the group, which posts the alerts ("" the shared one, else the
    # municipality key of its own bot)
    front_end: str = ""
    id: int | None = None

    def covers(self, need: Posting) -> bool:
        """An urgent need of the group's topics within its area (its own radius counts too:
        the group's members come from anywhere in it)."""
        if need.kind is not PostingKind.NEED or need.urgency is not Urgency.URGENT:
            return False
        if self.categories and need.category not in self.categories:
            return False
        return need.place.point.distance_km(self.area.point) <= self.area.radius_km
