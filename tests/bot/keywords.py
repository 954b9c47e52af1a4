"""A keyword interpreter for tests that are about the dialogue, not the NLU: fast and exact on
greetings, help, thanks and goodbye in German and English, in the NLU contract's shape."""

from __future__ import annotations

import re
import unicodedata

from nlu.interpreter import IntentScore, Parse, ParseContext, make_parse

_PATTERNS: dict[str, re.Pattern[str]] = {
    "greet": re.compile(
        r"^(hallo+|hall?ihallo|hi+|hey+|huhu|moin( moin)?|servus|grü(ss|ß) (dich|gott|euch)|"
        r"gruess gott|griass di|gude|tach|tag|na|guten (morgen|tag|abend)|morgen|n abend|"
        r"hello+|hiya|good (morning|afternoon|evening)|yo|salut|ciao|hola|merhaba|salam)\b"
    ),
    "help": re.compile(
        r"^(hilfe|help|was kannst du|wie funktioniert (das|es)|what can you do|how does (this|it) "
        r"work|\?+)\b"
    ),
    "thanks": re.compile(r"^(danke|dankeschön|vielen dank|merci|thanks?|thank you|thx|ty)\b"),
    "goodbye": re.compile(
        r"^(tschüss?|tschau|ciao|bis (bald|dann|später)|ade|bye|goodbye|see you|cu)\b"
    ),
}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[^\w\s?äöüß]", " ", text)  # emoji and punctuation carry no intent here
    return re.sub(r"\s+", " ", text).strip()


class KeywordInterpreter:
    def parse(self, text: str, context: ParseContext) -> Parse:
        cleaned = normalise(text)
        ranking = [
            IntentScore(name=intent, confidence=0.95)
            for intent, pattern in _PATTERNS.items()
            if pattern.match(cleaned)
        ]
        return make_parse(text, ranking[:1])
