"""The synonym lexicon (nlu/data/synonyms.yml, Rasa 3 format) and its matcher.

Rasa's EntitySynonymMapper reads the same file, so both interpreters agree on what "Tafel" means.
Matching is on folded key text (see _text.py) word by word; German inflections and compounds are
matched by rule instead of being listed: "Tafelausgabe" → tafel, "Tierheimhunde" → tierheim,
"Lebensmitteltafeln" → tafel."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from nlu.entities._text import KeyText, key

SYNONYMS_PATH = Path(__file__).resolve().parents[1] / "data" / "synonyms.yml"

# Endings an entry may carry without being listed (plural, case, feminine forms; English -s).
_INFLECTIONS = ("innen", "ern", "nen", "en", "er", "es", "in", "ns", "e", "n", "s")
_MIN_BASE = 3
# A compound needs a real second part: "hundert" is "hund" + "ert", not a dog.
_MIN_PREFIX_ENTRY = 4
_MIN_SUFFIX_ENTRY = 5
_MIN_REST = 3
# Words that look like compounds of an entry but are not (matched as substrings of the word).
_COMPOUND_STOPS = (
    "hundert",  # hundert, zweihundert: not hund
    "tieren",  # exportieren, sortieren, transportieren: not tiere
    "tiert",
    "tafelberg",
    "quartier",  # Vaalserquartier: not tier(e)
    "signatur",  # not natur
    "kunststoff",  # plastic, not art
    "deutschland",  # not a German-language skill
    "muller",  # Müller (a surname), not Müll
    "feierabend",
    "kindergeld",
    "umzugskarton",
)


# `_match`'s answer for words that belong to another entity type
_BLOCKED = ("", "", False)


@dataclass(frozen=True, slots=True)
class LexiconHit:
    start: int  # offsets into the original text
    end: int
    value: str
    entry: str  # the lexicon key that matched
    exact: bool  # False for an inflection or compound rule


def load_synonyms(path: Path = SYNONYMS_PATH) -> dict[str, list[str]]:
    """value → examples, from a Rasa 3 NLU file's synonym blocks."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    synonyms: dict[str, list[str]] = {}
    for block in data.get("nlu", []) or []:
        if not isinstance(block, dict) or "synonym" not in block:
            continue
        examples = [
            line.strip()[2:].strip()
            for line in str(block.get("examples", "")).splitlines()
            if line.strip().startswith("- ")
        ]
        synonyms.setdefault(str(block["synonym"]), []).extend(e for e in examples if e)
    return synonyms


class Lexicon:
    def __init__(self, synonyms: Mapping[str, Iterable[str]]) -> None:
        self._entries: dict[str, str] = {}
        for value, examples in synonyms.items():
            for example in examples:
                folded = key(example)
                if folded:
                    # first block wins; tests/nlu/entities check the file has no conflicts
                    self._entries.setdefault(folded, value)
        self._max_words = max((k.count(" ") + 1 for k in self._entries), default=1)

    @classmethod
    def from_file(cls, path: Path = SYNONYMS_PATH) -> Lexicon:
        return cls(load_synonyms(path))

    @property
    def entries(self) -> Mapping[str, str]:
        return self._entries

    def find(self, text: KeyText, accept: Callable[[str], bool]) -> list[LexiconHit]:
        """Non-overlapping hits whose value `accept`s, leftmost-longest, in text order."""
        tokens = text.tokens()
        hits: list[LexiconHit] = []
        i = 0
        while i < len(tokens):
            found = None
            blocked = 0
            for n in range(min(self._max_words, len(tokens) - i), 0, -1):
                phrase = text.key[tokens[i][0] : tokens[i + n - 1][1]]
                match = self._match(phrase, accept)
                if match is _BLOCKED:
                    blocked = n
                    break
                if match is not None:
                    found = (n, *match)
                    break
            if found is None:
                i += max(blocked, 1)
                continue
            n, entry, value, exact = found
            start, end = text.span(tokens[i][0], tokens[i + n - 1][1])
            start, end = _hyphen_word(text.original, start, end)
            if hits and start < hits[-1].end:
                i += n
                continue
            hits.append(LexiconHit(start, end, value, entry, exact))
            i += n
        return hits

    def _match(self, phrase: str, accept: Callable[[str], bool]) -> tuple[str, str, bool] | None:
        value = self._entries.get(phrase)
        if value is not None:
            # words listed for another type are theirs: "food hygiene" holds no "food"
            return (phrase, value, True) if accept(value) else _BLOCKED
        if any(stop in phrase for stop in _COMPOUND_STOPS):
            return None
        stems = [phrase]
        for ending in _INFLECTIONS:
            stem = phrase[: -len(ending)]
            if phrase.endswith(ending) and len(stem) >= _MIN_BASE:
                value = self._entries.get(stem)
                if value is not None:
                    # a listed word of another type ("Deutschkurs") is not a compound of ours
                    return (stem, value, False) if accept(value) else _BLOCKED
                stems.append(stem)
        if " " in phrase:
            return None  # compounds are single words; multi-word entries are listed
        return self._compound(stems, accept)

    def _compound(
        self, stems: list[str], accept: Callable[[str], bool]
    ) -> tuple[str, str, bool] | None:
        word = stems[0]
        # head + rest ("tafel|ausgabe"), longest head first
        for cut in range(len(word) - _MIN_REST, _MIN_PREFIX_ENTRY - 1, -1):
            value = self._entries.get(word[:cut])
            if value is not None and accept(value):
                return word[:cut], value, False
        # rest + tail ("lebensmittel|tafel(n)"), longest tail first
        for stem in stems:
            for cut in range(_MIN_REST, len(stem) - _MIN_SUFFIX_ENTRY + 1):
                value = self._entries.get(stem[cut:])
                if value is not None and accept(value):
                    return stem[cut:], value, False
        return None


def _hyphen_word(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span to its whole hyphenated word: "Tafel-Team", not "Tafel"."""
    while start >= 2 and text[start - 1] == "-" and text[start - 2].isalnum():
        start -= 1
        while start > 0 and text[start - 1].isalnum():
            start -= 1
    while end + 1 < len(text) and text[end] == "-" and text[end + 1].isalnum():
        end += 1
        while end < len(text) and text[end].isalnum():
            end += 1
    return start, end


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon, read at first use."""
    return Lexicon.from_file()
