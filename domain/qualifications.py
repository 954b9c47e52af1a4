"""Qualifications a need may require or an offer/volunteer may bring.

Keys are stable; language skills are `language:<ISO 639-1>` so any language can be named without a
list of our own (labels come from babel's CLDR data in the bot layer)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import UnknownQualification

_KNOWN: dict[str, dict[str, str]] = {
    "driving_licence": {"de": "Führerschein (Klasse B)", "en": "Driving licence (car)"},
    "driving_licence_van": {"de": "Führerschein Klasse C1/BE", "en": "Van/trailer driving licence"},
    "first_aid": {"de": "Erste-Hilfe-Kurs", "en": "First aid course"},
    "police_certificate_extended": {
        "de": "Erweitertes Führungszeugnis",
        "en": "Extended police certificate",
    },
    "food_hygiene": {
        "de": "Hygienebelehrung (Infektionsschutzgesetz)",
        "en": "Food hygiene instruction",
    },
    "trainer_licence": {"de": "Übungsleiterlizenz", "en": "Sports coach licence"},
    "lifeguard": {"de": "Rettungsschwimmer", "en": "Lifeguard"},
    "care_experience": {"de": "Pflegeerfahrung", "en": "Care experience"},
    "tutoring": {"de": "Nachhilfe-Erfahrung", "en": "Tutoring experience"},
    "craft_skills": {"de": "Handwerkliches Geschick", "en": "Craft skills"},
    "it_skills": {"de": "IT-Kenntnisse", "en": "IT skills"},
    "sign_language": {"de": "Gebärdensprache", "en": "Sign language"},
}
_LANGUAGE = re.compile(r"^language:([a-z]{2})$")


@dataclass(frozen=True, slots=True, order=True)
class Qualification:
    key: str

    def __post_init__(self) -> None:
        key = self.key.strip().lower()
        if key not in _KNOWN and not _LANGUAGE.match(key):
            raise UnknownQualification(self.key)
        object.__setattr__(self, "key", key)

    @property
    def language(self) -> str | None:
        """The ISO language code for a language skill, else None."""
        match = _LANGUAGE.match(self.key)
        return match.group(1) if match else None

    def label(self, language: str) -> str:
        if self.key in _KNOWN:
            labels = _KNOWN[self.key]
            return labels.get(language, labels["de"])
        return self.key  # language skills are labelled by the bot with babel's language names


def known_qualification_keys() -> list[str]:
    return list(_KNOWN)


def language_skill(code: str) -> Qualification:
    return Qualification(f"language:{code}")
