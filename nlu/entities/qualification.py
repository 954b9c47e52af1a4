"""`qualification` entities: a qualification key ("Führerschein" → driving_licence,
"Arabisch" → language:ar) from the same lexicon as the categories."""

from __future__ import annotations

from typing import Any

from domain.qualifications import known_qualification_keys
from nlu.entities._text import KeyText
from nlu.entities.lexicon import Lexicon

EXTRACTOR = __name__
_KEYS = frozenset(known_qualification_keys())


def is_qualification(value: str) -> bool:
    return value in _KEYS or (value.startswith("language:") and len(value) == len("language:xx"))


def extract(text: KeyText, lexicon: Lexicon) -> list[dict[str, Any]]:
    return [
        {
            "entity": "qualification",
            "value": hit.value,
            "start": hit.start,
            "end": hit.end,
            "text": text.original[hit.start : hit.end],
            "extractor": EXTRACTOR,
        }
        for hit in lexicon.find(text, is_qualification)
    ]
