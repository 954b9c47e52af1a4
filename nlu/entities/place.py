"""`location` entities: place names resolved offline, optionally by Nominatim.

Sources, most trusted first (NOTES.md, "Places without the internet"):
1. the configured municipalities, their districts ("Burtscheid", "Aachen-Rothe Erde") and
   postcodes ("52062", "52062 Aachen", "Aachen 52062": named "52062 Aachen");
2. the shipped GeoNames town table data/places_de.csv (German towns, Dutch and Belgian ones near
   Aachen); it knows no city districts, and a name that repeats (two Stolbergs) means the one
   nearest the first configured municipality;
3. a `Geocoder` (Nominatim) when one is configured: it needs the internet, so never by default.

Many town names are also German words ("Essen", "Brand", "Weil", "Meine"), so town-table names
count only when they look like a place: capitalised, or after "in"/"bei"/"nahe"/…, and a few
very common words never."""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from domain.municipalities import Municipality, known_places, nearest_municipality
from domain.places import GeoPoint, haversine_km
from nlu.cache import content_key, prune, write_atomically
from nlu.entities import _text
from nlu.entities._text import KeyText, key, key_text

log = logging.getLogger(__name__)

EXTRACTOR = __name__
TOWNS_CSV = Path(__file__).resolve().parent / "data" / "places_de.csv"
# Bump when the cached town table's layout changes (a change of key() changes its cache key).
TOWN_CACHE_FORMAT = "towns-1"
TOWN_CACHE_FILES_KEPT = 2
_MAX_WORDS = 5

# Before a place name: "in Stolberg", "bei Eschweiler", "nahe Vaals", "im Raum Aachen".
PLACE_PREPOSITIONS = frozenset(
    {
        "in",
        "bei",
        "nahe",
        "aus",
        "nach",
        "von",
        "um",
        "richtung",
        "raum",
        "umgebung",
        "near",
        "around",
        "from",
        "to",
    }
)
# Before a common noun, not a place: "zum Essen", "im Forst", "den Haaren".
_ARTICLES = frozenset(
    {
        "der",
        "die",
        "das",
        "dem",
        "den",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "zum",
        "zur",
        "im",
        "am",
        "beim",
        "vom",
        "ins",
        "mein",
        "meine",
        "meinen",
        "unser",
        "unsere",
        "unseren",
        "kein",
        "keine",
        "the",
        "a",
        "an",
    }
)
# Town-table names that are everyday words: never taken from the table.
NEVER_TOWNS = frozenset(
    key(word)
    for word in [
        "ans",
        "as",
        "fahren",
        "fell",
        "kenn",
        "kommen",
        "kuchen",
        "laufen",
        "lauter",
        "leer",
        "meine",
        "much",
        "nahe",
        "ohne",
        "rain",
        "regen",
        "reich",
        "rot",
        "sand",
        "senden",
        "spa",
        "stelle",
        "wanna",
        "waren",
        "weil",
        "welle",
        "welt",
        "wetter",
        "wissen",
        "wolken",
        "wort",
        "lehre",
        "list",
        "kalt",
        "haar",
        "fisch",
        "igel",
        "buch",
        "buchen",
        "graben",
        "nebel",
        "anger",
        "mauer",
        "inden",
        "lauf",
        "lage",
        "burg",
        "hof",
        "holt",
        "hecken",
        "bruch",
        "brunnen",
        "alpen",
        "eichen",
        "moos",
        "mitte",
    ]
)
# Places that are also words: only capitalised, not after an article, and (from the town table)
# only after a place preposition: "in Essen" yes, "zum Essen" / "Essen ist fertig" no.
AMBIGUOUS_PLACES = frozenset(
    key(word)
    for word in [
        "essen",
        "halle",
        "hagen",
        "linden",
        "weiden",
        "wiesen",
        "kirchen",
        "hausen",
        "forst",
        "brand",
        "zell",
        "kappel",
        "lohne",
        "rath",
        "wehr",
        "weiler",
        "hain",
        "goch",
        "hude",
        "rhede",
        "berg",
        "stein",
        "wald",
        "bach",
        "horn",
        "heide",
        "siegen",
        "haaren",
        "mitte",
        "soers",
    ]
)


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    start: int
    end: int
    text: str  # as written
    name: str  # canonical
    point: GeoPoint
    municipality_key: str | None


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    point: GeoPoint
    municipality_key: str | None  # set for configured places
    configured: bool
    shared: bool = False  # a bare district name several municipalities have ("Mitte")


@dataclass(frozen=True, slots=True)
class GeocodedPlace:
    name: str
    point: GeoPoint


class Geocoder(Protocol):
    def geocode(self, query: str) -> GeocodedPlace | None: ...


Town = tuple[str, float, float]  # name, lat, lon
KeyedTown = tuple[str, str, float, float]  # key(name), name, lat, lon


@lru_cache(maxsize=4)
def _read_towns(path: Path) -> tuple[Town, ...]:
    return _parse_towns(path.read_bytes())


def _parse_towns(source: bytes) -> tuple[Town, ...]:
    rows = csv.DictReader(io.StringIO(source.decode("utf-8"), newline=""))
    return tuple((row["name"], float(row["lat"]), float(row["lon"])) for row in rows)


def _with_keys(towns: Iterable[Town]) -> tuple[KeyedTown, ...]:
    return tuple((key(name), name, lat, lon) for name, lat, lon in towns)


@lru_cache(maxsize=4)
def keyed_towns(path: Path = TOWNS_CSV, cache_dir: Path | None = None) -> tuple[KeyedTown, ...]:
    """The town table with each name's folded key. Folding its 10,000 names takes ~0.2 s, most
    of building a gazetteer, so with a `cache_dir` the folded table is kept there, under a key
    of the CSV file and of the folding code, and read back in a few milliseconds."""
    if cache_dir is None:
        return _with_keys(_read_towns(path))
    try:
        source = path.read_bytes()
        folding = Path(_text.__file__).read_bytes()
    except OSError:
        return _with_keys(_read_towns(path))
    cache_key = content_key([TOWN_CACHE_FORMAT.encode(), source, folding])
    cached = cache_dir / f"towns-{cache_key}.json"
    towns = _read_keyed_towns(cached, cache_key)
    if towns is None:
        towns = _with_keys(_parse_towns(source))  # what was read is what the key stands for
        document = {"key": cache_key, "towns": towns}
        try:
            write_atomically(
                cached, lambda temporary: temporary.write_text(json.dumps(document), "utf-8")
            )
            prune(cached, "towns-*.json", TOWN_CACHE_FILES_KEPT)
        except OSError:  # a read-only directory: the table still works, only uncached
            log.warning("could not cache the town table in %s", cache_dir, exc_info=True)
    return towns


def _read_keyed_towns(path: Path, cache_key: str) -> tuple[KeyedTown, ...] | None:
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document["key"] != cache_key:
            raise ValueError("another key")
        rows = document["towns"]
        return tuple((str(k), str(name), float(lat), float(lon)) for k, name, lat, lon in rows)
    except (OSError, ValueError, KeyError, TypeError):  # truncated or foreign: build it again
        log.warning("town table cache %s is unreadable; rebuilding it", path, exc_info=True)
        return None


class Gazetteer:
    def __init__(
        self,
        municipalities: Sequence[Municipality] = (),
        towns: Iterable[Town] = (),
        *,
        keyed: Iterable[KeyedTown] = (),
    ) -> None:
        """towns: (name, lat, lon) rows of the town table; keyed: rows that come with their
        names' keys already (`keyed_towns`)."""
        self._municipalities = tuple(municipalities)
        self._index: dict[str, _Entry] = {}
        self._nearest: dict[GeoPoint, str | None] = {}
        for place in known_places(self._municipalities):
            k = key(place.name)
            current = self._index.get(k)
            if current is None:
                self._index[k] = _Entry(place.name, place.point, place.municipality_key, True)
            elif current.municipality_key != place.municipality_key:
                # the first configured municipality answers `lookup`; `find` skips the bare name
                self._index[k] = _Entry(
                    current.name, current.point, current.municipality_key, True, shared=True
                )
        self._index_postcodes()
        reference = self._municipalities[0].centre if self._municipalities else None
        # Towns stay plain (name, lat, lon) tuples until they match: the garbage collector
        # untracks tuples of strings and floats, so 10,000 towns cost no GC pauses per message.
        best: dict[str, tuple[float, Town]] = {}
        for k, name, lat, lon in itertools.chain(_with_keys(towns), keyed):
            if not k or k in self._index:
                continue  # configured places win over the town table
            distance = haversine_km(reference.lat, reference.lon, lat, lon) if reference else 0.0
            if k not in best or distance < best[k][0]:
                best[k] = (distance, (name, lat, lon))
        self._towns: dict[str, Town] = {k: t for k, (_, t) in best.items()}
        self._max_words = min(
            _MAX_WORDS, max((k.count(" ") + 1 for k in (*self._index, *self._towns)), default=1)
        )

    def _index_postcodes(self) -> None:
        """A postcode alone or beside its town's name, so "52062 Aachen" is one place and
        not the town centre after an unknown number. The config keeps each code in one
        municipality, and digits never collide with a name."""
        for town in self._municipalities:
            for postcode in town.postcodes:
                entry = _Entry(town.postcode_label(postcode), postcode.centre, town.key, True)
                for spelling in (
                    postcode.code,
                    f"{postcode.code} {town.name}",
                    f"{town.name} {postcode.code}",
                ):
                    self._index[key(spelling)] = entry

    def _get(self, k: str) -> _Entry | None:
        entry = self._index.get(k)
        if entry is not None:
            return entry
        town = self._towns.get(k)
        if town is None:
            return None
        return _Entry(town[0], GeoPoint(town[1], town[2]), None, False)

    @classmethod
    def from_municipalities(
        cls,
        municipalities: Sequence[Municipality],
        towns_csv: Path | None = TOWNS_CSV,
        *,
        cache_dir: Path | None = None,
    ) -> Gazetteer:
        """cache_dir: where the folded town table is kept between starts (`keyed_towns`)."""
        towns = keyed_towns(towns_csv, cache_dir) if towns_csv is not None else ()
        return cls(municipalities, keyed=towns)

    def __len__(self) -> int:
        return len(self._index) + len(self._towns)

    def municipality_for(self, point: GeoPoint) -> str | None:
        """The configured municipality a point belongs to, or the nearest one."""
        if not self._municipalities:
            return None
        if point not in self._nearest:
            self._nearest[point] = nearest_municipality(point, self._municipalities).key
        return self._nearest[point]

    def lookup(self, name: str) -> PlaceMatch | None:
        """The place a user typed as an answer ("Burtscheid", "in Stolberg", "aachen-forst")."""
        k = key(name)
        entry = self._get(k)
        if entry is not None:
            return self._match(entry, 0, len(name), name)
        found = self.find(name)
        return found[0] if found else None

    def find(self, text: str | KeyText) -> list[PlaceMatch]:
        """Every place named in running text, leftmost-longest."""
        kt = text if isinstance(text, KeyText) else key_text(text)
        tokens = kt.tokens()
        found: list[PlaceMatch] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self._max_words, len(tokens) - i), 0, -1):
                phrase = kt.key[tokens[i][0] : tokens[i + n - 1][1]]
                entry = self._get(phrase)
                if entry is None:
                    continue
                start, end = kt.span(tokens[i][0], tokens[i + n - 1][1])
                if not _looks_like_place(entry, phrase, kt.original, start, end):
                    continue
                end = _widen_compound(kt.original, end)
                found.append(self._match(entry, start, end, kt.original[start:end]))
                i += n
                # the widened part ("52066 Aachen-Burtscheid") is not a second place
                while i < len(tokens) and kt.starts[tokens[i][0]] < end:
                    i += 1
                break
            else:
                i += 1
        return found

    def _match(self, entry: _Entry, start: int, end: int, text: str) -> PlaceMatch:
        municipality = entry.municipality_key or self.municipality_for(entry.point)
        return PlaceMatch(start, end, text, entry.name, entry.point, municipality)


def _previous_word(text: str, start: int) -> str:
    before = text[:start].rstrip()
    word = ""
    for ch in reversed(before):
        if not ch.isalpha():
            break
        word = ch + word
    return word.lower()


def _looks_like_place(entry: _Entry, phrase: str, text: str, start: int, end: int) -> bool:
    if entry.shared:
        return False  # bare "Mitte": which one? Ask instead of guessing.
    capitalised = text[start].isupper()
    previous = _previous_word(text, start)
    after_preposition = previous in PLACE_PREPOSITIONS
    if entry.configured:
        if phrase in AMBIGUOUS_PLACES or phrase in NEVER_TOWNS:
            return capitalised and previous not in _ARTICLES
        return True
    if phrase in NEVER_TOWNS or len(phrase) < 3:
        return False
    if phrase in AMBIGUOUS_PLACES:
        return capitalised and after_preposition
    if after_preposition:
        return True
    return capitalised and len(phrase) >= 4 and previous not in _ARTICLES


def _widen_compound(text: str, end: int) -> int:
    """ "Köln-Ehrenfeld": the part after the hyphen belongs to the place as written."""
    if end + 1 < len(text) and text[end] == "-" and text[end + 1].isupper():
        end += 1
        while end < len(text) and (text[end].isalnum() or text[end] in "ßäöüÄÖÜ"):
            end += 1
    return end


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The town table alone, for an extractor built without configured municipalities."""
    return Gazetteer.from_municipalities(())


# --- Nominatim ---------------------------------------------------------------------------------


@dataclass
class NominatimGeocoder:
    """geopy's Nominatim behind its RateLimiter (the usage policy allows 1 request/s), limited
    to Germany, with results (misses too) cached in memory: people repeat their place names.

    `geolocator` replaces geopy's Nominatim object (tests pass a fake; no network)."""

    user_agent: str
    min_delay_s: float = 1.0
    cache: MutableMapping[str, GeocodedPlace | None] | None = None
    geolocator: Any = None
    timeout_s: float = 5.0
    _geocode: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from geopy.extra.rate_limiter import RateLimiter

        if self.geolocator is None:
            from geopy.geocoders import Nominatim

            self.geolocator = Nominatim(user_agent=self.user_agent, timeout=self.timeout_s)
        if self.cache is None:
            self.cache = {}
        self._geocode = RateLimiter(
            self.geolocator.geocode,
            min_delay_seconds=self.min_delay_s,
            max_retries=1,
            swallow_exceptions=True,
            return_value_on_exception=None,
        )

    def geocode(self, query: str) -> GeocodedPlace | None:
        assert self.cache is not None
        k = key(query)
        if k in self.cache:
            return self.cache[k]
        location = self._geocode(query, exactly_one=True, country_codes="de", language="de")
        result = None
        if location is not None:
            name = str(getattr(location, "address", query) or query).split(",")[0].strip()
            result = GeocodedPlace(
                name or query, GeoPoint(float(location.latitude), float(location.longitude))
            )
        self.cache[k] = result
        return result


def location_entity(match: PlaceMatch, extractor: str = EXTRACTOR) -> dict[str, Any]:
    return {
        "entity": "location",
        "value": match.text,
        "start": match.start,
        "end": match.end,
        "text": match.text,
        "extractor": extractor,
        "resolved": match.name,
        "lat": match.point.lat,
        "lon": match.point.lon,
        "municipality": match.municipality_key,
    }
