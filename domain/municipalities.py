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
_POSTCODE = re.compile(r"[0-9]{5}")
_POSTCODE_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{5}(?![0-9])")


def check_postcode(code: str, field: str = "postcode") -> str:
    """A German postcode (Postleitzahl): exactly five digits, kept as text for its leading 0."""
    if not isinstance(code, str) or not _POSTCODE.fullmatch(code.strip()):
        raise ValidationError(field, "must be a German postcode of five digits, like 52062")
    return code.strip()


@dataclass(frozen=True, slots=True)
class District:
    """A Stadtteil/Stadtbezirk with its centre: place names the offline gazetteer cannot know."""

    name: str
    centre: GeoPoint


@dataclass(frozen=True, slots=True)
class Postcode:
    """A postcode area of a municipality, with the point that stands for it. A plain code in
    the configuration stands for the whole town and gets the municipality's centre."""

    code: str
    centre: GeoPoint

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", check_postcode(self.code))


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
    postcodes: tuple[Postcode, ...] = ()  # unique across municipalities: the config checks

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

    def postcode_label(self, postcode: Postcode) -> str:
        """A postcode named as on an envelope: "52062 Aachen"."""
        return f"{postcode.code} {self.name}"


def fold(name: str) -> str:
    """A place name folded for lookup: case, accents, ß and separators don't matter."""
    text = unicodedata.normalize("NFKD", name.casefold().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-_./,]+", " ", text).strip()


def nearest_municipality(point: GeoPoint, municipalities: Sequence[Municipality]) -> Municipality:
    """The municipality whose centre (or one of whose districts or postcode areas) is nearest
    to the point."""
    if not municipalities:
        raise ValidationError("municipalities", "none configured")

    def distance(m: Municipality) -> float:
        centres = [m.centre, *(d.centre for d in m.districts), *(p.centre for p in m.postcodes)]
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
    """A configured place named by the text ("Burtscheid", "aachen burtscheid", "Stolberg",
    "52062", "52062 Aachen")."""
    municipalities = tuple(municipalities)
    by_postcode = find_postcode(text, municipalities)
    if by_postcode is not None:
        return by_postcode
    wanted = fold(text)
    if not wanted:
        return None
    places = known_places(municipalities)
    for place in places:
        if fold(place.name) == wanted:
            return place
    return None


def find_postcode(text: str, municipalities: Iterable[Municipality]) -> KnownPlace | None:
    """The first configured postcode in a place answer: "52062", "PLZ 52062", "52062 Aachen",
    "Aachen 52062". The code is the precise part, so a town named beside it doesn't change
    the answer; the label the bot repeats ("52062 Aachen") shows the user what it took."""
    configured = {p.code: (m, p) for m in municipalities for p in m.postcodes}
    for code in _POSTCODE_IN_TEXT.findall(fold(text)):
        if code in configured:
            town, postcode = configured[code]
            return KnownPlace(town.postcode_label(postcode), postcode.centre, town.key)
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
