"""`quantity` entities: how many helpers, as an int ("4 Helfer", "zwei Leute", "wir brauchen 5").

Vague amounts ("ein paar", "einige", "a few") give no entity: guessing a number would put it
into a posting nobody wrote. Numbers that belong to a time, a date, a distance or a postcode are
not counted (the caller passes the spans other extractors already claimed)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from nlu.entities._numbers import NUMBER_WORD_PATTERN, number_value

EXTRACTOR = __name__

_NUMBER = rf"(?<![\w.,:/-])(?P<n>\d{{1,3}}|{NUMBER_WORD_PATTERN})(?![\d]|[.,:/]\d)"
_PEOPLE = (
    r"helfer(?:innen|in)?|helfende|leute|personen|person|menschen|freiwillige[n]?"
    r"|ehrenamtliche[n]?|mitstreiter(?:innen)?|unterstützer(?:innen)?|hände"
    r"|kolleg(?:en|innen)|schüler(?:innen)?|studenten|studierende|vorleser(?:innen)?"
    r"|fahrer(?:innen)?|mitglieder|männer|frauen|jugendliche|erwachsene|kräfte|paten"
    r"|volunteers?|helpers?|people|persons?|hands|colleagues|students|friends|drivers|guys"
)
# one word may stand between number and noun: "4 kräftige Helfer", "2 more people"
_ADJECTIVE = r"(?:(?!km\b|uhr\b|m\b|paar\b)[^\W\d]{3,}\s+)?"
_WITH_NOUN = re.compile(
    rf"\b{_NUMBER}\s+{_ADJECTIVE}(?P<noun>{_PEOPLE})\b", re.IGNORECASE | re.VERBOSE
)
_AFTER_VERB = re.compile(
    rf"""\b(?:brauche[n]?|benötige[n]?|suche[n]?|need|needs|are\s+looking\s+for)\s+
    (?:(?:noch|mindestens|ca\.?|etwa|about|around|at\s+least|another)\s+)?
    {_NUMBER}\b
    (?!\s*(?:km|m\b|kilomet|meter|uhr|h\b|min|stunden|hours|euro|€|%|tage|days|wochen|weeks))""",
    re.IGNORECASE | re.VERBOSE,
)
_ARTICLES_AS_ONE = frozenset({"ein", "eine", "einen", "einer", "einem"})


def extract(text: str, claimed: Iterable[tuple[int, int]] = ()) -> list[dict[str, Any]]:
    taken = list(claimed)
    entities: list[dict[str, Any]] = []
    for pattern in (_WITH_NOUN, _AFTER_VERB):
        for match in pattern.finditer(text):
            number = match["n"]
            # the number alone is the span, as the Rasa training data marks it ("[4](quantity)
            # Helfer"); the noun only proves it counts people
            start, end = match.start("n"), match.end("n")
            if pattern is _AFTER_VERB and number.lower() in _ARTICLES_AS_ONE:
                continue  # "wir suchen eine Person" counts with its noun; "eine" alone is no number
            value = number_value(number)
            if value is None or value <= 0:
                continue
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            entities.append(
                {
                    "entity": "quantity",
                    "value": value,
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "extractor": EXTRACTOR,
                }
            )
    return sorted(entities, key=lambda e: int(e["start"]))
