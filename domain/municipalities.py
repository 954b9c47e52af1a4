"""Municipalities (tenants) sharing one backend; matching crosses their borders by distance."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.actors import PlatformIdentity
from domain.categories import SUPPORTED_LANGUAGES
from domain.errors import ValidationError
from domain.places import GeoPoint, check_radius_km
from domain.text import check_text

_KEY = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


@dataclass(frozen=True, slots=True)
class District:
    """A Stadtteil/Stadtbezirk with its centre: place names the offline gazetteer cannot know."""

    name: str
    centre: GeoPoint


@dataclass(frozen=True, slots=True)
class Municipality:
    key: str
    name: str
    centre: GeoPoint
    default_radius_km: float = 10.0
    languages: tuple[str, ...] = ("de", "en")
    editors: tuple[PlatformIdentity, ...] = ()
    welcome: tuple[tuple[str, str], ...] = ()  # (language, text) pairs; frozen-friendly
    districts: tuple[District, ...] = ()
    contact: str = ""

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValidationError(
                "key", "must be 2–40 lowercase letters, digits, '-' or '_', starting with a letter"
            )
        object.__setattr__(self, "name", check_text("name", self.name, min_len=2, max_len=80))
        check_radius_km(self.default_radius_km, "default_radius_km")
        if not self.languages:
            raise ValidationError("languages", "needs at least one language")
        for language in self.languages:
            if language not in SUPPORTED_LANGUAGES:
                raise ValidationError("languages", f"unsupported language {language!r} (de or en)")

    def welcome_text(self, language: str) -> str | None:
        texts = dict(self.welcome)
        return texts.get(language) or texts.get(self.languages[0])

    def is_editor(self, identity: PlatformIdentity) -> bool:
        return identity in self.editors


def fold(name: str) -> str:
    """A place name folded for lookup: case, accents, ß and separators don't matter."""
    text = unicodedata.normalize("NFKD", name.casefold().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-_./,]+", " ", text).strip()


def nearest_municipality(point: GeoPoint, municipalities: Sequence[Municipality]) -> Municipality:
    """The municipality whose centre (or one of whose districts) is nearest to the point."""
    if not municipalities:
        raise ValidationError("municipalities", "none configured")

    def distance(m: Municipality) -> float:
        centres = [m.centre, *(d.centre for d in m.districts)]
        return min(point.distance_km(c) for c in centres)

    return min(municipalities, key=distance)


@dataclass(frozen=True, slots=True)
class KnownPlace:
    name: str
    point: GeoPoint
    municipality_key: str


def known_places(municipalities: Iterable[Municipality]) -> list[KnownPlace]:
    """Every configured municipality and district, with "Town-District" spellings."""
    places: list[KnownPlace] = []
    for m in municipalities:
        places.append(KnownPlace(m.name, m.centre, m.key))
        for d in m.districts:
            places.append(KnownPlace(d.name, d.centre, m.key))
            if not fold(d.name).startswith(fold(m.name)):
                places.append(KnownPlace(f"{m.name}-{d.name}", d.centre, m.key))
    return places


def nearest_place(point: GeoPoint, municipalities: Iterable[Municipality]) -> KnownPlace:
    """The configured town or district nearest to a point, named as people say it."""
    named: dict[GeoPoint, KnownPlace] = {}
    for place in known_places(municipalities):
        # prefer "Aachen-Burtscheid" over the bare "Burtscheid" for the same spot
        current = named.get(place.point)
        if current is None or len(place.name) > len(current.name):
            named[place.point] = place
    if not named:
        raise ValidationError("municipalities", "none configured")
    return min(named.values(), key=lambda p: point.distance_km(p.point))


def find_place(text: str, municipalities: Iterable[Municipality]) -> KnownPlace | None:
    """A configured place named by the text ("Burtscheid", "aachen burtscheid", "Stolberg")."""
    wanted = fold(text)
    if not wanted:
        return None
    places = known_places(municipalities)
    for place in places:
        if fold(place.name) == wanted:
            return place
    return None


def place_label(
    name: str, municipality_key: str | None, municipalities: Iterable[Municipality]
) -> str:
    """A district named with its town ("Aachen-Burtscheid"), as people write it on a posting;
    any other place name as it is."""
    for town in municipalities:
        if town.key != municipality_key:
            continue
        is_district = any(fold(d.name) == fold(name) for d in town.districts)
        if is_district and not fold(name).startswith(fold(town.name)):
            return f"{town.name}-{name}"
    return name
