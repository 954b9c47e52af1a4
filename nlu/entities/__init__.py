"""Entity extraction for the NLU contract (DESIGN.md): category, qualification, time, quantity,
distance and location, as Rasa-shaped dicts with offsets into the text as written.

Both interpreters use it: the embedded one directly, the Rasa one for what Rasa's own
extractors miss. Everything here runs offline and in well under 10 ms per chat message;
only a configured `Geocoder` (Nominatim) touches the network."""

from __future__ import annotations

import re
from typing import Any

from nlu.entities import category, distance, qualification, quantity
from nlu.entities import time as time_entities
from nlu.entities._text import key, key_text
from nlu.entities.lexicon import Lexicon, default_lexicon
from nlu.entities.place import (
    AMBIGUOUS_PLACES,
    NEVER_TOWNS,
    Gazetteer,
    GeocodedPlace,
    Geocoder,
    NominatimGeocoder,
    PlaceMatch,
    default_gazetteer,
    location_entity,
)
from nlu.interpreter import ParseContext

__all__ = [
    "EntityExtractor",
    "Gazetteer",
    "GeocodedPlace",
    "Geocoder",
    "Lexicon",
    "NominatimGeocoder",
    "PlaceMatch",
]

# A capitalised name after a place preposition: worth asking the geocoder about.
_GEOCODE_CANDIDATE = re.compile(
    r"\b(?:in|bei|nahe|near|around|Nähe\s+von)\s+"
    r"(?P<name>[A-ZÄÖÜ][\wäöüß]+(?:-[A-ZÄÖÜ][\wäöüß]+)*(?:\s+(?:an\s+der|am)\s+[A-ZÄÖÜ][\wäöüß]+)?)"
)
# Nouns that follow "in" without being places: "in Ruhe", "in Ordnung", "in Zukunft".
_NOT_PLACES = frozenset(
    key(word)
    for word in [
        "Ruhe",
        "Ordnung",
        "Zukunft",
        "Zeit",
        "Not",
        "Eile",
        "Frage",
        "Kontakt",
        "Form",
        "Summe",
        "Absprache",
        "Person",
        "Teilzeit",
        "Vollzeit",
        "Arbeit",
        "Schule",
        "Rente",
        "Urlaub",
        "Quarantäne",
        "Deutschland",
        "Deutsch",
        "Englisch",
        "English",
        "German",
        "Rente",
        "Gruppen",
        "Teams",
        "Sachen",
        "Notfällen",
        "Bezug",
        "Zusammenarbeit",
        "Kombination",
    ]
)


class EntityExtractor:
    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        geocoder: Geocoder | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self._gazetteer = gazetteer
        self._geocoder = geocoder
        self._lexicon = lexicon

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()  # read at first use: tests stay fast
        return self._gazetteer

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = default_lexicon()
        return self._lexicon

    def load(self) -> None:
        """Load the lexicon and the town table now rather than on a user's first message."""
        _ = self.lexicon, self.gazetteer

    def warm_up(self) -> None:
        """load(), and dateparser (its first call alone takes a few hundred milliseconds)."""
        self.load()
        time_entities.warm_up()

    def extract(self, text: str, context: ParseContext) -> list[dict[str, Any]]:
        folded = key_text(text)
        entities: list[dict[str, Any]] = []
        entities += category.extract(folded, self.lexicon)
        entities += qualification.extract(folded, self.lexicon)
        times = time_entities.extract(text, context)
        distances = distance.extract(text)
        entities += times + distances
        claimed = [(e["start"], e["end"]) for e in times + distances]
        entities += quantity.extract(text, claimed)
        places = [
            location_entity(match)
            for match in self.gazetteer.find(folded)
            if not _overlaps(match.start, match.end, times)
        ]
        entities += places
        if self._geocoder is not None:
            entities += self._geocoded(text, entities)
        return sorted(entities, key=lambda e: (int(e["start"]), int(e["end"]), str(e["entity"])))

    def _geocoded(self, text: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert self._geocoder is not None
        entities: list[dict[str, Any]] = []
        for match in _GEOCODE_CANDIDATE.finditer(text):
            start, end = match.span("name")
            name = match["name"]
            k = key(name)
            if k in _NOT_PLACES or k in NEVER_TOWNS or k in AMBIGUOUS_PLACES:
                continue
            if k in self.lexicon.entries or _overlaps(start, end, found):
                continue
            place = self._geocoder.geocode(name)
            if place is None:
                continue
            municipality = self.gazetteer.municipality_for(place.point)
            match_ = PlaceMatch(start, end, name, place.name, place.point, municipality)
            entities.append(location_entity(match_, extractor=f"{__name__}.geocoder"))
        return entities


def _overlaps(start: int, end: int, entities: list[dict[str, Any]]) -> bool:
    return any(start < int(e["end"]) and int(e["start"]) < end for e in entities)
