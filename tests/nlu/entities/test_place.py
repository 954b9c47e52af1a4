from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from domain.places import GeoPoint
from nlu.entities import EntityExtractor, Gazetteer, GeocodedPlace, NominatimGeocoder
from nlu.entities.build_places import build
from nlu.entities.place import TOWNS_CSV
from tests.nlu.entities.conftest import MUNICIPALITIES, SATURDAY


def found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str, str | None]]:
    return [(m.text, m.name, m.municipality_key) for m in gazetteer.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Burtscheid", [("Burtscheid", "Burtscheid", "aachen")]),
        ("Aachen-Burtscheid", [("Aachen-Burtscheid", "Aachen-Burtscheid", "aachen")]),
        ("aachen burtscheid", [("aachen burtscheid", "Aachen-Burtscheid", "aachen")]),
        ("Ich wohne in Rothe Erde", [("Rothe Erde", "Rothe Erde", "aachen")]),
        ("Aachen-Rothe Erde", [("Aachen-Rothe Erde", "Aachen-Rothe Erde", "aachen")]),
        ("in stolberg", [("stolberg", "Stolberg", "stolberg")]),
        ("Stolberg-Büsbach", [("Stolberg-Büsbach", "Stolberg-Büsbach", "stolberg")]),
        ("Eschweiler-Dürwiss", [("Eschweiler-Dürwiss", "Eschweiler-Dürwiß", "eschweiler")]),
        ("Aachen-Mitte", [("Aachen-Mitte", "Aachen-Mitte", "aachen")]),
        ("Brand hat eine Tafel", [("Brand", "Brand", "aachen")]),
        ("Vaalserquartier", [("Vaalserquartier", "Vaalserquartier", "aachen")]),
        # from the town table: the nearest configured municipality answers
        ("bei Alsdorf", [("Alsdorf", "Alsdorf", "herzogenrath")]),
        ("Würselen", [("Würselen", "Wurselen", "aachen")]),
        ("Wuerselen", [("Wuerselen", "Wurselen", "aachen")]),
        ("nahe Vaals", [("Vaals", "Vaals", "aachen")]),
        ("Ich komme aus Köln-Ehrenfeld", [("Köln-Ehrenfeld", "Koeln", "eschweiler")]),
        ("in Essen", [("Essen", "Essen", "eschweiler")]),
        ("zum Essen in Essen", [("Essen", "Essen", "eschweiler")]),
    ],
)
def test_find(gazetteer: Gazetteer, text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert found(gazetteer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "zum Essen",
        "Essen ist fertig",
        "es brennt, ein brand!",  # lowercase: no district
        "Der Brand ist gelöscht",
        "im Forst spazieren",
        "Meine Tochter hilft gern",
        "Weil ich Zeit habe",
        "in der Nähe",
        "bei Regen nicht",
        "Ohne Auto geht es nicht",
        "in Mitte",  # five municipalities have a Mitte
        "Ich habe heute Zeit",
        "ich kann laufen und fahren",
    ],
)
def test_no_place(gazetteer: Gazetteer, text: str) -> None:
    assert found(gazetteer, text) == []


def test_configured_district_wins_over_the_town_table(gazetteer: Gazetteer) -> None:
    # the table's Burtscheid is a village in Rhineland-Palatinate
    match = gazetteer.lookup("Burtscheid")
    assert match is not None
    assert match.point == GeoPoint(50.7620, 6.0950)


def test_repeated_town_name_means_the_nearest() -> None:
    # only the town table: two Stolbergs (NRW and Saxony-Anhalt); Aachen is the reference
    gazetteer = Gazetteer.from_municipalities(MUNICIPALITIES[:1])
    match = gazetteer.lookup("Stolberg")
    assert match is not None
    assert (match.name, match.point) == ("Stolberg", GeoPoint(50.77368, 6.22595))


def test_lookup(gazetteer: Gazetteer) -> None:
    match = gazetteer.lookup("in Burtscheid")
    assert match is not None
    assert (match.text, match.name, match.municipality_key) == (
        "Burtscheid",
        "Burtscheid",
        "aachen",
    )
    mitte = gazetteer.lookup("Mitte")  # an answer to "where?": the first municipality's
    assert mitte is not None
    assert mitte.municipality_key == "aachen"
    assert gazetteer.lookup("Atlantis") is None
    assert gazetteer.lookup("") is None


def test_location_entity(extractor: EntityExtractor) -> None:
    entities = extractor.extract("Gibt es was in Aachen-Rothe Erde?", SATURDAY)
    assert entities == [
        {
            "entity": "location",
            "value": "Aachen-Rothe Erde",
            "start": 15,
            "end": 32,
            "text": "Aachen-Rothe Erde",
            "extractor": "nlu.entities.place",
            "resolved": "Aachen-Rothe Erde",
            "lat": 50.7705,
            "lon": 6.115,
            "municipality": "aachen",
        }
    ]


def test_shipped_town_table() -> None:
    lines = TOWNS_CSV.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "name,lat,lon,admin1,admin2,cc"
    assert len(lines) - 1 == 10_656
    assert any(line.startswith("Herzogenrath,") for line in lines)


def test_build_places(tmp_path: Path) -> None:
    source = tmp_path / "rg_cities1000.csv"
    source.write_text(
        "lat,lon,name,admin1,admin2,cc\n"
        "50.77368,6.22595,Stolberg,North Rhine-Westphalia,,DE\n"
        "50.77083,6.01806,Vaals,Limburg,Gemeente Vaals,NL\n"
        "52.37403,4.88969,Amsterdam,North Holland,Gemeente Amsterdam,NL\n"
        "48.85341,2.3488,Paris,Ile-de-France,Paris,FR\n",
        encoding="utf-8",
    )
    output = tmp_path / "places.csv"
    assert build(source, output) == 2
    assert output.read_text(encoding="utf-8").splitlines() == [
        "name,lat,lon,admin1,admin2,cc",
        "Stolberg,50.77368,6.22595,North Rhine-Westphalia,,DE",
        "Vaals,50.77083,6.01806,Limburg,Gemeente Vaals,NL",
    ]


# --- the geocoder, without the internet ---------------------------------------------------------


@dataclass
class FakeLocation:
    address: str
    latitude: float
    longitude: float


class FakeNominatim:
    """Stands in for geopy's Nominatim: records calls, knows one street."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def geocode(self, query: str, **kwargs: Any) -> FakeLocation | None:
        self.calls.append((query, kwargs))
        if query == "Pontstraße":
            return FakeLocation("Pontstraße, Aachen, Deutschland", 50.7790, 6.0790)
        return None


def test_nominatim_geocoder_caches_and_limits_to_germany() -> None:
    fake = FakeNominatim()
    geocoder = NominatimGeocoder("ehrenamt-bot-test", min_delay_s=0.0, geolocator=fake)
    assert geocoder.geocode("Pontstraße") == GeocodedPlace("Pontstraße", GeoPoint(50.7790, 6.0790))
    assert geocoder.geocode("pontstrasse") == GeocodedPlace("Pontstraße", GeoPoint(50.7790, 6.0790))
    assert geocoder.geocode("Nirgendwo") is None
    assert geocoder.geocode("Nirgendwo") is None
    assert [q for q, _ in fake.calls] == ["Pontstraße", "Nirgendwo"]  # misses are cached too
    assert fake.calls[0][1]["country_codes"] == "de"


def test_extractor_asks_the_geocoder_only_for_unknown_names(gazetteer: Gazetteer) -> None:
    fake = FakeNominatim()
    geocoder = NominatimGeocoder("ehrenamt-bot-test", min_delay_s=0.0, geolocator=fake)
    extractor = EntityExtractor(gazetteer, geocoder)
    entities = extractor.extract("Treffpunkt in Pontstraße, sonst in Burtscheid, in Ruhe", SATURDAY)
    assert [(e["text"], e["resolved"], e["municipality"], e["extractor"]) for e in entities] == [
        ("Pontstraße", "Pontstraße", "aachen", "nlu.entities.geocoder"),
        ("Burtscheid", "Burtscheid", "aachen", "nlu.entities.place"),
    ]
    assert [q for q, _ in fake.calls] == ["Pontstraße"]
