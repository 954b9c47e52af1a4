"""Synthetic, seeded data for `python -m tools.bench.matching`: postings and volunteers spread over
North Rhine-Westphalia the way people are — clustered around its cities, thinning out between
them — so a query in Köln sees a crowded box and one in the Sauerland an almost empty one.

Pure generation: plain tuples out, no storage. Each stream (postings, volunteers, queries) has a
random generator of its own seeded from (seed, stream name), so the first 100,000 postings of a
1,000,000-posting run are the 100,000 postings of a smaller run, and adding volunteers does not
move a single posting."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from domain.actors import Availability
from domain.categories import Category
from domain.postings import PostingKind, PostingType, Urgency

KM_PER_DEG = 111.2
TIME_ZONE = "Europe/Berlin"
_ZONE = ZoneInfo(TIME_ZONE)

# the state's bounding box; the rural scatter falls anywhere in it (a little spills over the
# border into the Netherlands or Lower Saxony, as a bounding box does)
LAT_MIN, LAT_MAX = 50.32, 52.53
LON_MIN, LON_MAX = 5.87, 9.46
RURAL_SHARE = 0.12  # points not drawn around a city


@dataclass(frozen=True, slots=True)
class City:
    key: str  # also the municipality key of postings and accounts around it
    name: str
    lat: float
    lon: float
    population: int

    @property
    def spread_km(self) -> float:
        """The standard deviation of points around the centre: ~2 km for a town of 50,000,
        ~5 km for Köln (whose built-up area reaches ~10 km out)."""
        return 1.0 + 1.2 * math.sqrt(self.population / 100_000)


# Approximate centres and populations (2023), every NRW city down to ~55,000 inhabitants.
CITIES: tuple[City, ...] = (
    City("koeln", "Köln", 50.9375, 6.9603, 1_084_000),
    City("duesseldorf", "Düsseldorf", 51.2277, 6.7735, 629_000),
    City("dortmund", "Dortmund", 51.5136, 7.4653, 595_000),
    City("essen", "Essen", 51.4556, 7.0116, 584_000),
    City("duisburg", "Duisburg", 51.4344, 6.7623, 503_000),
    City("bochum", "Bochum", 51.4818, 7.2162, 366_000),
    City("wuppertal", "Wuppertal", 51.2562, 7.1508, 358_000),
    City("bielefeld", "Bielefeld", 52.0302, 8.5325, 338_000),
    City("bonn", "Bonn", 50.7374, 7.0982, 336_000),
    City("muenster", "Münster", 51.9607, 7.6261, 320_000),
    City("moenchengladbach", "Mönchengladbach", 51.1805, 6.4428, 268_000),
    City("gelsenkirchen", "Gelsenkirchen", 51.5177, 7.0857, 263_000),
    City("aachen", "Aachen", 50.7753, 6.0839, 252_000),
    City("krefeld", "Krefeld", 51.3388, 6.5853, 228_000),
    City("oberhausen", "Oberhausen", 51.4963, 6.8638, 209_000),
    City("hagen", "Hagen", 51.3671, 7.4633, 190_000),
    City("hamm", "Hamm", 51.6739, 7.8150, 180_000),
    City("muelheim", "Mülheim an der Ruhr", 51.4275, 6.8825, 171_000),
    City("leverkusen", "Leverkusen", 51.0459, 6.9853, 167_000),
    City("solingen", "Solingen", 51.1652, 7.0671, 160_000),
    City("herne", "Herne", 51.5386, 7.2257, 157_000),
    City("neuss", "Neuss", 51.2042, 6.6879, 154_000),
    City("paderborn", "Paderborn", 51.7189, 8.7575, 152_000),
    City("bottrop", "Bottrop", 51.5247, 6.9228, 117_000),
    City("recklinghausen", "Recklinghausen", 51.6141, 7.1979, 111_000),
    City("bergisch_gladbach", "Bergisch Gladbach", 50.9856, 7.1327, 111_000),
    City("remscheid", "Remscheid", 51.1787, 7.1897, 111_000),
    City("moers", "Moers", 51.4516, 6.6408, 104_000),
    City("siegen", "Siegen", 50.8748, 8.0243, 101_000),
    City("guetersloh", "Gütersloh", 51.9069, 8.3785, 101_000),
    City("witten", "Witten", 51.4437, 7.3528, 96_000),
    City("iserlohn", "Iserlohn", 51.3759, 7.6967, 92_000),
    City("dueren", "Düren", 50.8023, 6.4820, 92_000),
    City("ratingen", "Ratingen", 51.2973, 6.8493, 87_000),
    City("luenen", "Lünen", 51.6165, 7.5286, 86_000),
    City("marl", "Marl", 51.6567, 7.0900, 84_000),
    City("velbert", "Velbert", 51.3395, 7.0416, 82_000),
    City("minden", "Minden", 52.2894, 8.9167, 82_000),
    City("viersen", "Viersen", 51.2556, 6.3917, 77_000),
    City("rheine", "Rheine", 52.2806, 7.4400, 77_000),
    City("gladbeck", "Gladbeck", 51.5713, 6.9850, 76_000),
    City("troisdorf", "Troisdorf", 50.8160, 7.1557, 75_000),
    City("dorsten", "Dorsten", 51.6604, 6.9647, 75_000),
    City("castrop_rauxel", "Castrop-Rauxel", 51.5500, 7.3167, 74_000),
    City("detmold", "Detmold", 51.9387, 8.8797, 74_000),
    City("arnsberg", "Arnsberg", 51.3967, 8.0644, 73_000),
    City("luedenscheid", "Lüdenscheid", 51.2198, 7.6273, 72_000),
    City("bocholt", "Bocholt", 51.8388, 6.6154, 71_000),
    City("dinslaken", "Dinslaken", 51.5623, 6.7434, 67_000),
    City("herford", "Herford", 52.1146, 8.6734, 66_000),
    City("kerpen", "Kerpen", 50.8698, 6.6961, 66_000),
    City("grevenbroich", "Grevenbroich", 51.0883, 6.5875, 64_000),
    City("wesel", "Wesel", 51.6580, 6.6176, 60_000),
    City("unna", "Unna", 51.5348, 7.6890, 59_000),
    City("huerth", "Hürth", 50.8779, 6.8761, 59_000),
    City("euskirchen", "Euskirchen", 50.6608, 6.7872, 58_000),
    City("stolberg", "Stolberg", 50.7709, 6.2266, 56_000),
)

# How often each topic comes up; everyday help outnumbers disaster relief.
CATEGORY_WEIGHTS: dict[Category, int] = {
    Category.SENIORS: 10,
    Category.CHILDREN_YOUTH: 10,
    Category.EDUCATION: 8,
    Category.INTEGRATION: 6,
    Category.ENVIRONMENT: 7,
    Category.ANIMALS: 5,
    Category.SPORTS: 8,
    Category.CULTURE: 6,
    Category.HEALTH: 6,
    Category.FOOD: 7,
    Category.EMERGENCY: 3,
    Category.TRANSPORT: 5,
    Category.CRAFTS_REPAIR: 4,
    Category.DIGITAL: 5,
    Category.NEIGHBOURHOOD_HELP: 8,
    Category.EVENTS: 6,
}
# what a need may require (15 % of needs require one) and what offers and volunteers bring
QUALIFICATION_WEIGHTS: dict[str, int] = {
    "driving_licence": 30,
    "first_aid": 20,
    "police_certificate_extended": 18,
    "food_hygiene": 10,
    "trainer_licence": 5,
    "care_experience": 5,
    "driving_licence_van": 4,
    "lifeguard": 2,
    "language:uk": 3,
    "language:ar": 3,
}
STATUS_WEIGHTS: dict[str, int] = {
    "published": 85,
    "paused": 4,
    "filled": 5,
    "draft": 3,
    "pending_review": 2,
    "withdrawn": 1,
}
TYPE_WEIGHTS: dict[PostingType, int] = {
    PostingType.TIME: 70,
    PostingType.RESOURCE: 12,
    PostingType.TRAINING: 8,
    PostingType.EVENT: 10,
}
NEED_SHARE = 0.55
URGENT_SHARE = 0.10  # of needs
REQUIRES_QUALIFICATION_SHARE = 0.15  # of needs
OFFER_BRINGS_QUALIFICATION_SHARE = 0.30
NOTIFICATIONS_OFF_SHARE = 0.10
QUIET_HOURS_SHARE = 0.30
FREE_NOW_SHARE = 0.02
UNREACHABLE_SHARE = 0.01  # blocked the bot
QUIET_HOURS: tuple[tuple[int, int], ...] = ((22 * 60, 7 * 60), (21 * 60, 8 * 60), (23 * 60, 6 * 60))
TELEGRAM_ID_BASE = 100_000_000

T = TypeVar("T")


def _weighted(weights: dict[T, int]) -> tuple[list[T], list[int]]:
    keys = list(weights)
    cumulative: list[int] = []
    total = 0
    for key in keys:
        total += weights[key]
        cumulative.append(total)
    return keys, cumulative


class _Picker:
    """Weighted choice on precomputed cumulative weights: a million postings draw ~5 million
    times, and random.choices rebuilds its bookkeeping on every call."""

    def __init__(self, rng: random.Random) -> None:
        self._random = rng.random

    def pick(self, table: tuple[Sequence[T], Sequence[int]]) -> T:
        keys, cumulative = table
        return keys[bisect.bisect(cumulative, self._random() * cumulative[-1])]


# drawn as plain strings, the column values: an enum's .value costs a descriptor call
_CATEGORIES = _weighted({c.value: w for c, w in CATEGORY_WEIGHTS.items()})
_QUALIFICATIONS = _weighted(QUALIFICATION_WEIGHTS)
_STATUSES = _weighted(STATUS_WEIGHTS)
_TYPES = _weighted({t.value: w for t, w in TYPE_WEIGHTS.items()})
_NEED, _OFFER = PostingKind.NEED.value, PostingKind.OFFER.value
_URGENT, _NORMAL = Urgency.URGENT.value, Urgency.NORMAL.value
_CITY_TABLE = _weighted({city: city.population for city in CITIES})


def nearest_city(lat: float, lon: float) -> City:
    scale = math.cos(math.radians(lat))
    return min(CITIES, key=lambda c: (c.lat - lat) ** 2 + ((c.lon - lon) * scale) ** 2)


class PlaceSampler:
    """Points where people live: around a city (by population, Gaussian with the city's
    spread) or, for RURAL_SHARE of them, anywhere in the state's bounding box."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._picker = _Picker(rng)

    def point(self) -> tuple[float, float, City]:
        rng = self._rng
        if rng.random() < RURAL_SHARE:
            lat = rng.uniform(LAT_MIN, LAT_MAX)
            lon = rng.uniform(LON_MIN, LON_MAX)
            return lat, lon, nearest_city(lat, lon)
        city = self._picker.pick(_CITY_TABLE)
        spread = city.spread_km
        lat = city.lat + rng.gauss(0.0, spread) / KM_PER_DEG
        lon = city.lon + rng.gauss(0.0, spread) / (KM_PER_DEG * math.cos(math.radians(lat)))
        return lat, lon, city

    def near(self, lat: float, lon: float, km: float) -> tuple[float, float]:
        """A point a few km around another (where a volunteer is when they are free now)."""
        rng = self._rng
        return (
            lat + rng.gauss(0.0, km) / KM_PER_DEG,
            lon + rng.gauss(0.0, km) / (KM_PER_DEG * math.cos(math.radians(lat))),
        )


def _stream(seed: int, name: str) -> random.Random:
    # a str seed is hashed with SHA-512: the same on every run and platform
    return random.Random(f"{seed}:{name}")


# ---- postings -----------------------------------------------------------------------------------


class PostingSeed(NamedTuple):
    """One postings row (columns as in storage), with its qualifications and weekly slots."""

    id: int
    kind: str
    type: str
    category: str
    title: str
    description: str
    time_kind: str  # one_off | weekly | open
    time_zone: str
    starts_at: datetime | None
    ends_at: datetime | None
    lat: float
    lon: float
    place_label: str
    radius_km: float
    quantity: int
    urgency: str
    status: str
    owner_account_id: int
    municipality_key: str
    created_at: datetime
    qualifications: tuple[str, ...]
    weekly_slots: tuple[tuple[int, int, int], ...]  # (weekday, start minute, end minute)


def iter_postings(seed: int, count: int, accounts: int, now: datetime) -> Iterator[PostingSeed]:
    """`count` postings with ids 1…count, owned by accounts 1…accounts."""
    rng = _stream(seed, "postings")
    picker = _Picker(rng)
    places = PlaceSampler(rng)
    for posting_id in range(1, count + 1):
        need = rng.random() < NEED_SHARE
        category = picker.pick(_CATEGORIES)
        urgent = need and rng.random() < URGENT_SHARE
        qualifications: tuple[str, ...] = ()
        if need and rng.random() < REQUIRES_QUALIFICATION_SHARE:
            qualifications = (picker.pick(_QUALIFICATIONS),)
        elif not need and rng.random() < OFFER_BRINGS_QUALIFICATION_SHARE:
            qualifications = tuple(
                sorted({picker.pick(_QUALIFICATIONS) for _ in range(rng.randint(1, 2))})
            )
        lat, lon, city = places.point()
        time_kind, starts_at, ends_at, slots = _time_window(rng, now, urgent)
        yield PostingSeed(
            posting_id,
            _NEED if need else _OFFER,
            picker.pick(_TYPES),
            category,
            f"{'Gesucht' if need else 'Angebot'}: {category}",
            f"Synthetische Anzeige {posting_id} in {city.name}.",
            time_kind,
            TIME_ZONE if time_kind == "weekly" else "UTC",
            starts_at,
            ends_at,
            lat,
            lon,
            city.name,
            float(rng.randint(2, 25)),
            rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 10)),
            _URGENT if urgent else _NORMAL,
            picker.pick(_STATUSES),
            rng.randint(1, accounts),
            city.key,
            now - timedelta(minutes=rng.randint(10, 60 * 24 * 60)),
            qualifications,
            slots,
        )


def _time_window(
    rng: random.Random, now: datetime, urgent: bool
) -> tuple[str, datetime | None, datetime | None, tuple[tuple[int, int, int], ...]]:
    """(time_kind, starts_at, ends_at, weekly slots) as storage keeps them: a one-off within
    the next 60 days (an urgent one within 3 days), weekly slots, or open-ended."""
    roll = rng.random()
    if urgent and roll < 0.8:
        start = now + timedelta(minutes=rng.randint(30, 72 * 60))
        return "one_off", start, start + timedelta(minutes=rng.randint(60, 240)), ()
    if roll < 0.5:
        # whole quarter hours, as people write them
        start = now + timedelta(minutes=15 * rng.randint(2, 60 * 24 * 4))
        return "one_off", start, start + timedelta(minutes=15 * rng.randint(4, 16)), ()
    if roll < 0.8:
        slots: dict[tuple[int, int], int] = {}  # (weekday, start) is a slot's key in storage
        for _ in range(rng.randint(1, 2)):
            start_minute = 60 * rng.randint(8, 20)
            end_minute = min(start_minute + 60 * rng.randint(1, 3), 23 * 60)
            slots[(rng.randint(0, 6), start_minute)] = end_minute
        # mostly without end; a fifth runs until a date (ends_at: the local midnight after it,
        # as storage keeps a weekly window's last day)
        ends_at = None
        if rng.random() < 0.2:
            last_day = (now + timedelta(days=rng.randint(7, 120))).astimezone(_ZONE).date()
            ends_at = datetime.combine(last_day + timedelta(days=1), time.min, _ZONE)
            ends_at = ends_at.astimezone(UTC)
        return "weekly", None, ends_at, tuple(sorted((d, a, b) for (d, a), b in slots.items()))
    valid_from = now - timedelta(days=rng.randint(0, 90)) if rng.random() < 0.5 else None
    valid_until = now + timedelta(days=rng.randint(14, 365)) if rng.random() < 0.3 else None
    return "open", valid_from, valid_until, ()


# ---- volunteers ---------------------------------------------------------------------------------


class FreeNowSeed(NamedTuple):
    lat: float
    lon: float
    label: str
    radius_km: float
    starts_at: datetime
    ends_at: datetime


class VolunteerSeed(NamedTuple):
    """An account with consent and a home, its telegram identity, and maybe a free-now window."""

    id: int
    display_name: str
    language: str
    municipality_key: str
    lat: float
    lon: float
    home_label: str
    reach_km: float
    interests: tuple[str, ...]
    qualifications: tuple[str, ...]
    availability: tuple[str, ...]
    notifications_enabled: bool
    quiet_hours: tuple[int, int] | None  # (start minute, end minute), local
    consent_at: datetime
    created_at: datetime
    telegram_id: str
    unreachable: bool
    free_now: FreeNowSeed | None


_AVAILABILITY = tuple(a.value for a in Availability)


def _interests(rng: random.Random, picker: _Picker) -> tuple[str, ...]:
    return tuple(sorted({picker.pick(_CATEGORIES) for _ in range(rng.randint(0, 3))}))


def _skills(rng: random.Random, picker: _Picker) -> tuple[str, ...]:
    count = rng.choices((0, 1, 2), weights=(50, 35, 15))[0]
    return tuple(sorted({picker.pick(_QUALIFICATIONS) for _ in range(count)}))


def iter_volunteers(seed: int, count: int, now: datetime) -> Iterator[VolunteerSeed]:
    """`count` volunteers with ids 1…count."""
    rng = _stream(seed, "volunteers")
    picker = _Picker(rng)
    places = PlaceSampler(rng)
    for account_id in range(1, count + 1):
        lat, lon, city = places.point()
        created_at = now - timedelta(minutes=rng.randint(60, 60 * 24 * 365))
        free_now = None
        if rng.random() < FREE_NOW_SHARE:
            here_lat, here_lon = places.near(lat, lon, 3.0)
            started = now - timedelta(minutes=rng.randint(0, 60))
            free_now = FreeNowSeed(
                lat=here_lat,
                lon=here_lon,
                label=city.name,
                radius_km=float(rng.choice((2, 3, 5, 5, 10))),
                starts_at=started,
                ends_at=now + timedelta(minutes=rng.randint(30, 180)),
            )
        yield VolunteerSeed(
            id=account_id,
            display_name=f"Volunteer {account_id}",
            language="de" if rng.random() < 0.9 else "en",
            municipality_key=city.key,
            lat=lat,
            lon=lon,
            home_label=city.name,
            reach_km=float(rng.randint(3, 20)),
            interests=_interests(rng, picker),
            qualifications=_skills(rng, picker),
            availability=tuple(sorted(rng.sample(_AVAILABILITY, rng.randint(1, 3)))),
            notifications_enabled=rng.random() >= NOTIFICATIONS_OFF_SHARE,
            quiet_hours=rng.choice(QUIET_HOURS) if rng.random() < QUIET_HOURS_SHARE else None,
            consent_at=created_at,
            created_at=created_at,
            telegram_id=str(TELEGRAM_ID_BASE + account_id),
            unreachable=rng.random() < UNREACHABLE_SHARE,
            free_now=free_now,
        )


# ---- queries ------------------------------------------------------------------------------------


class FreeNowQuery(NamedTuple):
    """Someone sharing "free now, here": where, and their topics and qualifications."""

    lat: float
    lon: float
    interests: tuple[str, ...]
    qualifications: tuple[str, ...]


def free_now_queries(seed: int, count: int) -> list[FreeNowQuery]:
    """Query points drawn from the same distribution as the data (people ask where they live)."""
    rng = _stream(seed, "free-now-queries")
    picker = _Picker(rng)
    places = PlaceSampler(rng)
    queries = []
    for _ in range(count):
        lat, lon, _city = places.point()
        queries.append(FreeNowQuery(lat, lon, _interests(rng, picker), _skills(rng, picker)))
    return queries


def sample_ids(seed: int, name: str, ids: Sequence[int], count: int) -> list[int]:
    """`count` of the ids (with repeats only when there are fewer), reproducibly."""
    if not ids:
        return []
    rng = _stream(seed, name)
    if count <= len(ids):
        return rng.sample(list(ids), count)
    return [rng.choice(ids) for _ in range(count)]


__all__ = [
    "CITIES",
    "City",
    "FreeNowQuery",
    "FreeNowSeed",
    "PlaceSampler",
    "PostingSeed",
    "VolunteerSeed",
    "free_now_queries",
    "iter_postings",
    "iter_volunteers",
    "nearest_city",
    "sample_ids",
]
