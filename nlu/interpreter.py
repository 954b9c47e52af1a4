"""The NLU contract (DESIGN.md): `parse` answers in the shape of Rasa's /model/parse.

Entities: category (a category key), time (ISO-8601 instant, or {"from", "to"} interval, in the
user's zone), location (place text as written, with resolved coordinates when known), distance
(km), quantity (int), qualification (a qualification key)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypedDict


class IntentScore(TypedDict):
    name: str
    confidence: float


class Parse(TypedDict):
    text: str
    intent: IntentScore
    intent_ranking: list[IntentScore]
    entities: list[dict[str, Any]]


INTENTS = (
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "cancel",
    "help",
    "offer_help",
    "request_help",
    "search",
    "available_now",
    "my_postings",
    "calendar",
    "settings",
    "pause_notifications",
    "export_data",
    "delete_account",
    "report_abuse",
)
ENTITY_TYPES = ("category", "time", "location", "distance", "quantity", "qualification")
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parse is relative to: "morgen früh" depends on today and the user's zone."""

    language: str = "de"
    time_zone: str = "Europe/Berlin"
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


class Interpreter(Protocol):
    def parse(self, text: str, context: ParseContext) -> Parse: ...


def make_parse(
    text: str, ranking: list[IntentScore], entities: list[dict[str, Any]] | None = None
) -> Parse:
    ranking = sorted(ranking, key=lambda s: s["confidence"], reverse=True)
    top = ranking[0] if ranking else IntentScore(name=FALLBACK_INTENT, confidence=0.0)
    return Parse(text=text, intent=top, intent_ranking=ranking, entities=entities or [])
