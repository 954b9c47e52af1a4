from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nlu.entities import time as time_entities
from nlu.interpreter import ParseContext
from tests.nlu.entities.conftest import SATURDAY, WEDNESDAY


def day(date: str) -> dict[str, str]:
    return {"from": f"{date}T00:00:00+01:00", "to": f"{date}T23:59:59+01:00"}


def span(date: str, start: str, end: str) -> dict[str, str]:
    return {"from": f"{date}T{start}:00+01:00", "to": f"{date}T{end}:00+01:00"}


def at(date: str, clock: str) -> str:
    return f"{date}T{clock}:00+01:00"


# now = Saturday 2026-11-21 14:00 Europe/Berlin
SATURDAY_TABLE: list[tuple[str, Any]] = [
    ("morgen früh", span("2026-11-22", "08:00", "12:00")),
    ("morgen um 15 Uhr", at("2026-11-22", "15:00")),
    ("heute Abend", span("2026-11-21", "18:00", "22:00")),
    ("heute Nachmittag", span("2026-11-21", "14:00", "18:00")),
    ("am Wochenende", {"from": "2026-11-21T00:00:00+01:00", "to": "2026-11-22T23:59:59+01:00"}),
    ("nächste Woche", {"from": "2026-11-23T00:00:00+01:00", "to": "2026-11-29T23:59:59+01:00"}),
    ("nächsten Samstag um 10", at("2026-11-28", "10:00")),
    ("Samstag um 10 Uhr", at("2026-11-28", "10:00")),
    ("Samstag um 16 Uhr", at("2026-11-21", "16:00")),
    ("am Samstag", day("2026-11-28")),
    ("am Sonntag", day("2026-11-22")),
    ("in 2 Stunden", at("2026-11-21", "16:00")),
    ("in einer halben Stunde", at("2026-11-21", "14:30")),
    ("in 3 Tagen", day("2026-11-24")),
    ("am 3.12.", day("2026-12-03")),
    ("3.12. 14 Uhr", at("2026-12-03", "14:00")),
    ("am 3.11.", day("2027-11-03")),
    ("12.12.2026", day("2026-12-12")),
    ("am 3. Dezember", day("2026-12-03")),
    ("15. Januar 2027 um 10:00", "2027-01-15T10:00:00+01:00"),
    ("Samstag, den 5.12. um 10 Uhr", at("2026-12-05", "10:00")),
    ("um 18:30", at("2026-11-21", "18:30")),
    ("um 10", at("2026-11-22", "10:00")),
    ("um 3", at("2026-11-21", "15:00")),
    ("um halb drei", at("2026-11-21", "14:30")),
    ("heute Abend um 7", at("2026-11-21", "19:00")),
    ("Samstagabend", span("2026-11-21", "18:00", "22:00")),
    ("heute morgen", span("2026-11-21", "08:00", "12:00")),
    ("übermorgen", day("2026-11-23")),
    ("jetzt", at("2026-11-21", "14:00")),
    ("sofort", at("2026-11-21", "14:00")),
    ("gleich", at("2026-11-21", "14:00")),
    ("tomorrow morning", span("2026-11-22", "08:00", "12:00")),
    ("tonight", span("2026-11-21", "18:00", "22:00")),
    ("this weekend", {"from": "2026-11-21T00:00:00+01:00", "to": "2026-11-22T23:59:59+01:00"}),
    ("next week", {"from": "2026-11-23T00:00:00+01:00", "to": "2026-11-29T23:59:59+01:00"}),
    ("on Saturday at 10", at("2026-11-28", "10:00")),
    ("next Saturday at 3 pm", at("2026-11-28", "15:00")),
    ("in 2 hours", at("2026-11-21", "16:00")),
    ("at 3pm", at("2026-11-21", "15:00")),
    ("at 10 am", at("2026-11-22", "10:00")),
    ("Dec 3", day("2026-12-03")),
    ("December 3rd", day("2026-12-03")),
    ("right now", at("2026-11-21", "14:00")),
    ("im Mai", {"from": "2027-05-01T00:00:00+02:00", "to": "2027-05-31T23:59:59+02:00"}),
    ("im November", {"from": "2026-11-01T00:00:00+01:00", "to": "2026-11-30T23:59:59+01:00"}),
    ("Mai 2027", {"from": "2027-05-01T00:00:00+02:00", "to": "2027-05-31T23:59:59+02:00"}),
    ("nächsten Monat", {"from": "2026-12-01T00:00:00+01:00", "to": "2026-12-31T23:59:59+01:00"}),
    (
        "die nächsten zwei Stunden",
        {"from": at("2026-11-21", "14:00"), "to": at("2026-11-21", "16:00")},
    ),
    ("noch 3 Stunden", {"from": at("2026-11-21", "14:00"), "to": at("2026-11-21", "17:00")}),
    ("jeden Dienstag", day("2026-11-24")),  # the next one: recurrence is the dialogue's business
    ("bis Sonntag", {"from": at("2026-11-21", "14:00"), "to": "2026-11-22T23:59:59+01:00"}),
    ("von 22 bis 7 Uhr", {"from": at("2026-11-21", "22:00"), "to": at("2026-11-22", "07:00")}),
    ("morgen 18-20 Uhr", span("2026-11-22", "18:00", "20:00")),
    ("zwischen 14 und 16 Uhr", span("2026-11-21", "14:00", "16:00")),
    ("from 10pm to 7am", {"from": at("2026-11-21", "22:00"), "to": at("2026-11-22", "07:00")}),
    ("für 2 Stunden", {"from": at("2026-11-21", "14:00"), "to": at("2026-11-21", "16:00")}),
    ("3 more hours", {"from": at("2026-11-21", "14:00"), "to": at("2026-11-21", "17:00")}),
    ("right away", at("2026-11-21", "14:00")),
    ("at weekends", {"from": "2026-11-21T00:00:00+01:00", "to": "2026-11-22T23:59:59+01:00"}),
    ("2026-12-12", day("2026-12-12")),  # no grammar rule: dateparser's
]

# now = Wednesday 2026-11-25 09:00
WEDNESDAY_TABLE: list[tuple[str, Any]] = [
    ("am Wochenende", {"from": "2026-11-28T00:00:00+01:00", "to": "2026-11-29T23:59:59+01:00"}),
    ("nächste Woche", {"from": "2026-11-30T00:00:00+01:00", "to": "2026-12-06T23:59:59+01:00"}),
    ("nächsten Samstag um 10", at("2026-11-28", "10:00")),
    ("Samstag um 10 Uhr", at("2026-11-28", "10:00")),
    ("am Samstag", day("2026-11-28")),
    ("am Mittwoch", day("2026-12-02")),
    ("übernächsten Samstag", day("2026-12-05")),
    ("heute Nachmittag", span("2026-11-25", "14:00", "18:00")),
    ("morgen früh", span("2026-11-26", "08:00", "12:00")),
    ("um 8", at("2026-11-26", "08:00")),
    ("in 2 hours", at("2026-11-25", "11:00")),
    ("this weekend", {"from": "2026-11-28T00:00:00+01:00", "to": "2026-11-29T23:59:59+01:00"}),
]


def values(text: str, context: ParseContext) -> list[tuple[str, Any]]:
    return [(e["text"], e["value"]) for e in time_entities.extract(text, context)]


@pytest.mark.parametrize(("phrase", "expected"), SATURDAY_TABLE, ids=[p for p, _ in SATURDAY_TABLE])
def test_phrase_on_a_saturday(phrase: str, expected: Any) -> None:
    assert values(phrase, SATURDAY) == [(phrase, expected)]


def test_until_inside_a_sentence() -> None:
    assert values("hab bis 18 Uhr Zeit", SATURDAY) == [
        ("bis 18 Uhr", {"from": at("2026-11-21", "14:00"), "to": at("2026-11-21", "18:00")})
    ]


@pytest.mark.parametrize(
    ("phrase", "expected"), WEDNESDAY_TABLE, ids=[p for p, _ in WEDNESDAY_TABLE]
)
def test_phrase_on_a_wednesday(phrase: str, expected: Any) -> None:
    assert values(phrase, WEDNESDAY) == [(phrase, expected)]


def test_phrase_inside_a_sentence_keeps_its_span() -> None:
    text = "Wir suchen morgen früh 4 Helfer für die Tafel"
    [entity] = time_entities.extract(text, SATURDAY)
    assert (entity["start"], entity["end"], entity["text"]) == (11, 22, "morgen früh")
    assert entity["entity"] == "time"
    assert entity["extractor"] == "nlu.entities.time"


def test_two_phrases_in_one_sentence() -> None:
    text = "Ich kann heute Abend oder am Sonntag um 11 Uhr"
    assert values(text, SATURDAY) == [
        ("heute Abend", span("2026-11-21", "18:00", "22:00")),
        ("am Sonntag um 11 Uhr", at("2026-11-22", "11:00")),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Guten Morgen",
        "guten Abend",
        "n abend",
        "gute Nacht",
        "Schönes Wochenende!",
        "morning",  # an English greeting
        "evening all",
        "3-4 Helfer",
        "Die Schicht dauert 2 Stunden",
        "Ich habe eine Uhr",
        "Wir brauchen 4 Helfer",
        "im Umkreis von 5 km",
        "Das kostet 14.30",
        "am 1. Advent",  # dateparser would say "am 1" is the 1st
        "52062 Aachen",
    ],
)
def test_no_time(text: str) -> None:
    assert values(text, SATURDAY) == []


def test_values_are_in_the_users_zone_whatever_zone_now_has() -> None:
    context = ParseContext(now=datetime(2026, 11, 21, 13, 0, tzinfo=UTC))  # 14:00 in Berlin
    assert values("morgen um 15 Uhr", context) == [("morgen um 15 Uhr", at("2026-11-22", "15:00"))]
    london = ParseContext(time_zone="Europe/London", now=datetime(2026, 11, 21, 13, 0, tzinfo=UTC))
    assert values("um 18:30", london) == [("um 18:30", "2026-11-21T18:30:00+00:00")]


def test_summer_time_offset() -> None:
    context = ParseContext(now=datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    assert values("morgen um 15 Uhr", context) == [
        ("morgen um 15 Uhr", "2026-06-02T15:00:00+02:00")
    ]


def test_in_two_hours_across_the_change_to_winter_time() -> None:
    # 2026-10-25 03:00 CEST becomes 02:00 CET: two real hours after 01:30 CEST is 02:30 CET
    context = ParseContext(now=datetime(2026, 10, 24, 23, 30, tzinfo=UTC))
    assert values("in 2 Stunden", context) == [("in 2 Stunden", "2026-10-25T02:30:00+01:00")]
