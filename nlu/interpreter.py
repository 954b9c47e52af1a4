"""The NLU contract (DESIGN.md): `parse` answers in the shape of Rasa's /model/parse."""

from __future__ import annotations

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
FALLBACK_INTENT = "nlu_fallback"


class Interpreter(Protocol):
    def parse(self, text: str, language: str) -> Parse: ...


def make_parse(text: str, ranking: list[IntentScore]) -> Parse:
    ranking = sorted(ranking, key=lambda s: s["confidence"], reverse=True)
    top = ranking[0] if ranking else IntentScore(name=FALLBACK_INTENT, confidence=0.0)
    return Parse(text=text, intent=top, intent_ranking=ranking, entities=[])
