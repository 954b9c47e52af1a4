"""`category` entities: a category key for words like "Tafel", "Tierheimhunde", "food bank"."""

from __future__ import annotations

from typing import Any

from domain.categories import Category
from nlu.entities._text import KeyText
from nlu.entities.lexicon import Lexicon

EXTRACTOR = __name__
_KEYS = frozenset(c.value for c in Category)


def is_category(value: str) -> bool:
    return value in _KEYS


def extract(text: KeyText, lexicon: Lexicon) -> list[dict[str, Any]]:
    return [
        {
            "entity": "category",
            "value": hit.value,
            "start": hit.start,
            "end": hit.end,
            "text": text.original[hit.start : hit.end],
            "extractor": EXTRACTOR,
        }
        for hit in lexicon.find(text, is_category)
    ]
