from __future__ import annotations

import itertools
import statistics
import time
from typing import Any

import pytest

from nlu.entities import EntityExtractor
from tests.nlu.entities.conftest import SATURDAY


def brief(entities: list[dict[str, Any]]) -> list[tuple[str, Any, str]]:
    return [(e["entity"], e["value"], e["text"]) for e in entities]


def test_a_request_sentence(extractor: EntityExtractor) -> None:
    text = "Wir suchen morgen früh 4 Helfer für die Tafel in Aachen-Burtscheid"
    entities = extractor.extract(text, SATURDAY)
    assert brief(entities) == [
        (
            "time",
            {"from": "2026-11-22T08:00:00+01:00", "to": "2026-11-22T12:00:00+01:00"},
            "morgen früh",
        ),
        ("quantity", 4, "4"),
        ("category", "food", "Tafel"),
        ("location", "Aachen-Burtscheid", "Aachen-Burtscheid"),
    ]
    for entity in entities:
        assert text[entity["start"] : entity["end"]] == entity["text"]


def test_an_offer_sentence(extractor: EntityExtractor) -> None:
    text = "Ich habe einen Führerschein und könnte am Samstag um 10 Uhr im Umkreis von 5 km fahren"
    assert brief(extractor.extract(text, SATURDAY)) == [
        ("qualification", "driving_licence", "Führerschein"),
        ("time", "2026-11-28T10:00:00+01:00", "am Samstag um 10 Uhr"),
        ("distance", 5.0, "5 km"),
    ]


def test_an_english_sentence(extractor: EntityExtractor) -> None:
    text = "Can 2 people help at the food bank in Stolberg tomorrow at 3pm?"
    assert brief(extractor.extract(text, SATURDAY)) == [
        ("quantity", 2, "2"),
        ("category", "food", "food bank"),
        ("location", "Stolberg", "Stolberg"),
        ("time", "2026-11-22T15:00:00+01:00", "tomorrow at 3pm"),
    ]


def test_a_time_number_is_no_quantity(extractor: EntityExtractor) -> None:
    entities = extractor.extract("wir brauchen um 10 jemanden", SATURDAY)
    assert brief(entities) == [("time", "2026-11-22T10:00:00+01:00", "um 10")]


@pytest.mark.parametrize("text", ["Ich habe heute Zeit", "Hallo!", "Danke, tschüss", ""])
def test_no_category_in_small_talk(extractor: EntityExtractor, text: str) -> None:
    assert [e for e in extractor.extract(text, SATURDAY) if e["entity"] == "category"] == []


def test_sorted_without_overlaps_of_one_type(extractor: EntityExtractor) -> None:
    text = (
        "Tierheimhunde Gassi gehen, Tafel-Ausgabe und Hausaufgabenhilfe in Eschweiler am Wochenende"
    )
    entities = extractor.extract(text, SATURDAY)
    starts = [e["start"] for e in entities]
    assert starts == sorted(starts)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entity in entities:
        by_type.setdefault(entity["entity"], []).append(entity)
    for same in by_type.values():
        for a, b in itertools.pairwise(same):
            assert a["end"] <= b["start"]
    assert [e["value"] for e in by_type["category"]] == ["animals", "animals", "food", "education"]


def test_default_extractor_knows_towns_without_configuration() -> None:
    entities = EntityExtractor().extract("Ich wohne in Herzogenrath", SATURDAY)
    assert [(e["value"], e["municipality"]) for e in entities] == [("Herzogenrath", None)]


def test_fast_enough(extractor: EntityExtractor) -> None:
    sentences = [
        "Wir suchen morgen früh 4 Helfer für die Tafel in Burtscheid",
        "Ich kann am Wochenende im Umkreis von 10 km Hunde ausführen",
        "Hallo, ich habe heute Zeit",
        "Gibt es etwas mit Senioren in Stolberg?",
        "I could help at the food bank next Saturday at 10",
    ] * 20
    extractor.warm_up()
    timings = []
    for sentence in sentences:
        started = time.perf_counter()
        extractor.extract(sentence, SATURDAY)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.010
