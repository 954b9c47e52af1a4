"""Configured postcodes in the gazetteer: typed alone, beside their town, or in a sentence."""

from __future__ import annotations

import pytest

from domain.municipalities import Municipality, Postcode
from domain.places import GeoPoint
from nlu.entities import EntityExtractor, Gazetteer
from tests.nlu.entities.conftest import MUNICIPALITIES, SATURDAY

BURTSCHEID = GeoPoint(50.7620, 6.0950)


def _with_postcodes(town: Municipality) -> Municipality:
    codes = {
        "aachen": (Postcode("52062", town.centre), Postcode("52066", BURTSCHEID)),
        "stolberg": (Postcode("52222", town.centre),),
    }
    return Municipality(
        town.key,
        town.name,
        town.centre,
        districts=town.districts,
        postcodes=codes.get(town.key, ()),
    )


TOWNS = tuple(_with_postcodes(town) for town in MUNICIPALITIES)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(TOWNS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52062", [("52062", "52062 Aachen", "aachen")]),
        ("52066 Aachen", [("52066 Aachen", "52066 Aachen", "aachen")]),
        ("Aachen 52066", [("Aachen 52066", "52066 Aachen", "aachen")]),
        ("52066 Aachen-Burtscheid", [("52066 Aachen-Burtscheid", "52066 Aachen", "aachen")]),
        ("PLZ 52222", [("52222", "52222 Stolberg", "stolberg")]),
        ("Hilfe in 52222 Stolberg gesucht", [("52222 Stolberg", "52222 Stolberg", "stolberg")]),
        # a postcode no municipality has is just a number
        ("10115", []),
        ("10115 Stolberg", [("Stolberg", "Stolberg", "stolberg")]),
    ],
)
def test_find(gazetteer: Gazetteer, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(m.text, m.name, m.municipality_key) for m in gazetteer.find(text)] == expected


def test_lookup_gives_the_postcode_centre(gazetteer: Gazetteer) -> None:
    match = gazetteer.lookup("52066")
    assert match is not None
    assert (match.name, match.point, match.municipality_key) == (
        "52066 Aachen",
        BURTSCHEID,
        "aachen",
    )


def test_a_postcode_is_a_location_not_a_quantity(gazetteer: Gazetteer) -> None:
    entities = EntityExtractor(gazetteer).extract(
        "Wir brauchen morgen 3 Helfer in 52066 Aachen", SATURDAY
    )
    assert [(e["entity"], e["value"]) for e in entities if e["entity"] != "time"] == [
        ("quantity", 3),
        ("location", "52066 Aachen"),
    ]
    (location,) = [e for e in entities if e["entity"] == "location"]
    assert location["resolved"] == "52066 Aachen"
    assert location["municipality"] == "aachen"
    assert (location["lat"], location["lon"]) == (BURTSCHEID.lat, BURTSCHEID.lon)
