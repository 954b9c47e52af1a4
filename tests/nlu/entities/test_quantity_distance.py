from __future__ import annotations

import pytest

from nlu.entities import distance, quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 Helfer", [("4", 4)]),
        ("zwei Leute", [("zwei", 2)]),
        ("drei Personen", [("drei", 3)]),
        ("10 helpers", [("10", 10)]),
        ("two people", [("two", 2)]),
        ("wir brauchen 5", [("5", 5)]),
        ("We need 3", [("3", 3)]),
        ("Wir brauchen 3 kräftige Helfer", [("3", 3)]),
        ("wir sind 5 Kollegen", [("5", 5)]),
        ("eine Person", [("eine", 1)]),
        ("wir suchen eine", []),
        ("ein paar Leute", []),
        ("einige Helfer", []),
        ("a few people", []),
        ("um 10 Uhr", []),
        ("am 3.12.", []),
        ("5 km", []),
        ("wir brauchen 5 km", []),
        ("52062 Aachen", []),
    ],
)
def test_quantity(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(e["text"], e["value"]) for e in quantity.extract(text)] == expected


def test_quantity_skips_numbers_other_extractors_claimed() -> None:
    # "wir brauchen um 10": the caller passes the time span (13, 18)
    assert quantity.extract("wir brauchen um 10", [(13, 18)]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("im Umkreis von 5 km", [("5 km", 5.0)]),
        ("5km", [("5km", 5.0)]),
        ("bis 10 Kilometer", [("10 Kilometer", 10.0)]),
        ("within 3 km", [("3 km", 3.0)]),
        ("2,5 km", [("2,5 km", 2.5)]),
        ("2.5 km", [("2.5 km", 2.5)]),
        ("500 m", [("500 m", 0.5)]),
        ("nicht weiter als 3 Kilometern", [("3 Kilometern", 3.0)]),
        ("fünf Kilometer", [("fünf Kilometer", 5.0)]),
        ("5 mal", []),
        ("mit meinem Hund", []),  # "m" + "eine" + "m" is no distance
        ("4 Helfer", []),
    ],
)
def test_distance(text: str, expected: list[tuple[str, float]]) -> None:
    assert [(e["text"], e["value"]) for e in distance.extract(text)] == expected


def test_distance_entity_shape() -> None:
    [entity] = distance.extract("Suche im Umkreis von 5 km")
    assert entity == {
        "entity": "distance",
        "value": 5.0,
        "start": 21,
        "end": 25,
        "text": "5 km",
        "extractor": "nlu.entities.distance",
    }
