"""`distance` entities in km: "im Umkreis von 5 km", "5km", "bis 10 Kilometer", "500 m" → 0.5.

The span is the number with its unit ("5 km"), as the Rasa training data marks it; the words
around it ("im Umkreis von") only make sure a bare "5 m" is not read as something else."""

from __future__ import annotations

import re
from typing import Any

from nlu.entities._numbers import NUMBER_WORD_PATTERN, number_value

EXTRACTOR = __name__

_UNITS_KM = {"km": 1.0, "kilometer": 1.0, "m": 0.001, "meter": 0.001, "mile": 1.609344}
_PATTERN = re.compile(
    rf"""(?:\b(?:
        (?:im\s+|in\s+einem\s+)?(?:umkreis|radius|entfernung)\s+(?:von\s+|of\s+)?(?:bis\s+zu\s+)?
        |bis\s+(?:zu\s+)?|max(?:imal)?\.?\s+|höchstens\s+|hoechstens\s+|innerhalb\s+(?:von\s+)?
        |within\s+|up\s+to\s+|a\s+radius\s+of\s+|radius\s+of\s+|ca\.?\s+|etwa\s+|about\s+
    ))?
    (?<![\w.,])(?P<n>\d+(?:[.,]\d+)?\s*|(?:{NUMBER_WORD_PATTERN})\s+)
    (?P<unit>km|kilometern?|kilometres?|kilometers?|meter[n]?|metres?|meters?|m|miles?|mi)\b""",
    re.IGNORECASE | re.VERBOSE,
)


def _km(number: str, unit: str) -> float | None:
    unit = unit.lower()
    if unit == "km" or unit.startswith("kilomet"):
        factor = _UNITS_KM["km"]
    elif unit.startswith("mi"):
        factor = _UNITS_KM["mile"]
    else:
        factor = _UNITS_KM["m"]
    number = number.strip()
    if number[0].isdigit():
        value = float(number.replace(",", "."))
    else:
        word = number_value(number)
        if word is None:
            return None
        value = float(word)
    km = value * factor
    return round(km, 3) if km > 0 else None


def extract(text: str) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    for match in _PATTERN.finditer(text):
        km = _km(match["n"], match["unit"])
        if km is None:
            continue
        entities.append(
            {
                "entity": "distance",
                "value": km,
                "start": match.start("n"),
                "end": match.end(),
                "text": text[match.start("n") : match.end()],
                "extractor": EXTRACTOR,
            }
        )
    return entities
