"""Folded "key" text with a map back to the original characters.

Lexicon and gazetteer lookups compare folded text (case, accents, ß/ss, ä/ae, separators don't
matter), but entities must carry offsets into the text as the user wrote it; every character of
the key remembers the original span it came from."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# German transliterations fold to the bare vowel so "Würselen", "Wuerselen" and GeoNames'
# ASCII "Wurselen" all meet; applied to both sides of every comparison, so the rare English
# casualty ("blue" → "blu") is harmless.
_DIGRAPHS = {"ae": "a", "oe": "o", "ue": "u"}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isalnum():
        decomposed = unicodedata.normalize("NFKD", ch.casefold())
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    # a combining mark typed separately belongs to the letter before it
    if unicodedata.combining(ch):
        return ""
    return " "


@dataclass(frozen=True, slots=True)
class KeyText:
    """`key` is lowercase letters/digits and single spaces; key[i] came from
    original[starts[i]:ends[i]]."""

    original: str
    key: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original (start, end) of key[start:end]."""
        return self.starts[start], self.ends[end - 1]

    def tokens(self) -> list[tuple[int, int]]:
        """(start, end) of each word of the key."""
        found: list[tuple[int, int]] = []
        position = 0
        for word in self.key.split(" "):
            if word:
                found.append((position, position + len(word)))
            position += len(word) + 1
        return found


def key_text(text: str) -> KeyText:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, ch in enumerate(text):
        for out in _fold_char(ch):
            if out == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(out)
            starts.append(index)
            ends.append(index + 1)
    while chars and chars[-1] == " ":
        chars.pop()
        starts.pop()
        ends.pop()
    # merge digraphs: the merged letter covers both original characters
    merged: list[str] = []
    m_starts: list[int] = []
    m_ends: list[int] = []
    i = 0
    while i < len(chars):
        pair = "".join(chars[i : i + 2])
        if pair in _DIGRAPHS:
            merged.append(_DIGRAPHS[pair])
            m_starts.append(starts[i])
            m_ends.append(ends[i + 1])
            i += 2
            continue
        merged.append(chars[i])
        m_starts.append(starts[i])
        m_ends.append(ends[i])
        i += 1
    return KeyText(text, "".join(merged), tuple(m_starts), tuple(m_ends))


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """The folded key of a name or phrase, as `key_text` folds running text."""
    return key_text(text).key
