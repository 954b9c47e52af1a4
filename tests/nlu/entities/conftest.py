"""The configured municipalities of the shipped config.yml, as domain objects."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from domain.municipalities import District, Municipality
from domain.places import GeoPoint
from nlu.entities import EntityExtractor, Gazetteer
from nlu.interpreter import ParseContext

BERLIN = ZoneInfo("Europe/Berlin")
SATURDAY = ParseContext(language="de", now=datetime(2026, 11, 21, 14, 0, tzinfo=BERLIN))
WEDNESDAY = ParseContext(language="de", now=datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN))


def _municipality(
    key: str, name: str, lat: float, lon: float, *districts: tuple[str, float, float]
) -> Municipality:
    return Municipality(
        key,
        name,
        GeoPoint(lat, lon),
        districts=tuple(District(d, GeoPoint(la, lo)) for d, la, lo in districts),
    )


MUNICIPALITIES = (
    _municipality(
        "aachen",
        "Aachen",
        50.7753,
        6.0839,
        ("Mitte", 50.7762, 6.0838),
        ("Burtscheid", 50.7620, 6.0950),
        ("Rothe Erde", 50.7705, 6.1150),
        ("Forst", 50.7580, 6.1230),
        ("Brand", 50.7489, 6.1650),
        ("Haaren", 50.7975, 6.1250),
        ("Vaalserquartier", 50.7715, 6.0330),
    ),
    _municipality(
        "stolberg",
        "Stolberg",
        50.7706,
        6.2278,
        ("Mitte", 50.7706, 6.2278),
        ("Büsbach", 50.7600, 6.2160),
    ),
    _municipality(
        "eschweiler",
        "Eschweiler",
        50.8176,
        6.2717,
        ("Mitte", 50.8176, 6.2717),
        ("Dürwiß", 50.8380, 6.2800),
    ),
    _municipality("herzogenrath", "Herzogenrath", 50.8706, 6.0944, ("Kohlscheid", 50.8340, 6.0830)),
)


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_municipalities(MUNICIPALITIES)


@pytest.fixture(scope="session")
def extractor(gazetteer: Gazetteer) -> EntityExtractor:
    return EntityExtractor(gazetteer)
