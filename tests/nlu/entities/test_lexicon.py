from __future__ import annotations

import pytest

from domain.categories import Category
from domain.qualifications import Qualification, known_qualification_keys
from nlu.entities import category, qualification
from nlu.entities._text import key, key_text
from nlu.entities.lexicon import SYNONYMS_PATH, default_lexicon, load_synonyms


def categories(text: str) -> list[tuple[str, str]]:
    return [(e["text"], e["value"]) for e in category.extract(key_text(text), default_lexicon())]


def qualifications(text: str) -> list[tuple[str, str]]:
    found = qualification.extract(key_text(text), default_lexicon())
    return [(e["text"], e["value"]) for e in found]


# --- the file -----------------------------------------------------------------------------------


def test_synonyms_file_is_rasa_3_format() -> None:
    text = SYNONYMS_PATH.read_text(encoding="utf-8")
    assert 'version: "3.1"' in text
    synonyms = load_synonyms()
    assert set(synonyms) >= {c.value for c in Category}
    assert set(synonyms) >= set(known_qualification_keys())
    for value in synonyms:
        if value not in {c.value for c in Category}:
            Qualification(value)  # raises for an unknown key


def test_no_example_has_two_values() -> None:
    owners: dict[str, set[str]] = {}
    for value, examples in load_synonyms().items():
        for example in examples:
            owners.setdefault(key(example), set()).add(value)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


# --- categories ---------------------------------------------------------------------------------

CATEGORY_WORDS = [
    ("Tafel", "food"),
    ("Tafel-Ausgabe", "food"),
    ("Tafelausgabe", "food"),
    ("Lebensmittelausgabe", "food"),
    ("Lebensmitteltafeln", "food"),
    ("Tierheim", "animals"),
    ("Tierheimhunde", "animals"),
    ("Hunde", "animals"),
    ("Hunden", "animals"),
    ("Gassi", "animals"),
    ("Nachhilfe", "education"),
    ("Hausaufgabenhilfe", "education"),
    ("Senioren", "seniors"),
    ("Altenheim", "seniors"),
    ("Seniorenheim", "seniors"),
    ("Kita", "children_youth"),
    ("Jugendtreff", "children_youth"),
    ("Geflüchtete", "integration"),
    ("Gefluechtete", "integration"),
    ("Flüchtlinge", "integration"),
    ("Deutschkurs", "integration"),
    ("Müllsammeln", "environment"),
    ("Baumpflanzaktion", "environment"),
    ("Repair-Café", "crafts_repair"),
    ("Repair Cafe", "crafts_repair"),
    ("Fahrrad reparieren", "crafts_repair"),
    ("Fahrdienst", "transport"),
    ("Umzug", "neighbourhood_help"),
    ("Einkaufen für Nachbarn", "neighbourhood_help"),
    ("Sportfest", "sports"),
    ("Fußballtraining", "sports"),
    ("Fussballtraining", "sports"),
    ("Konzert", "culture"),
    ("Stadtfest", "events"),
    ("Karnevalsumzug", "events"),
    ("Blutspende", "health"),
    ("Hochwasser", "emergency"),
    ("Smartphone-Hilfe", "digital"),
    ("Computer", "digital"),
    ("food bank", "food"),
    ("food banks", "food"),
    ("animal shelter", "animals"),
    ("tutoring", "education"),
    ("elderly", "seniors"),
    ("refugees", "integration"),
]


@pytest.mark.parametrize(("word", "value"), CATEGORY_WORDS, ids=[w for w, _ in CATEGORY_WORDS])
def test_category_word(word: str, value: str) -> None:
    assert categories(word) == [(word, value)]


def test_category_inside_a_sentence() -> None:
    text = "Wir suchen morgen früh 4 Helfer für die TAFEL in Burtscheid"
    [entity] = category.extract(key_text(text), default_lexicon())
    assert entity == {
        "entity": "category",
        "value": "food",
        "start": 40,
        "end": 45,
        "text": "TAFEL",
        "extractor": "nlu.entities.category",
    }


def test_hyphenated_compound_is_one_span() -> None:
    assert categories("Das Tafel-Team sucht Fahrer") == [
        ("Tafel-Team", "food"),
        ("Fahrer", "transport"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Ich habe heute Zeit",
        "hundert Leute",  # not hund + ert
        "zweihundert Euro",
        "Wir wandern auf den Tafelberg",
        "Vaalserquartier",  # not tier(e)
        "Deine Signatur fehlt",  # not natur
        "Herr Müller ruft an",  # not Müll
        "Feierabend!",
        "meine Daten exportieren",  # not tiere
        "take care",
        "Ich habe Pflegeerfahrung",  # a qualification, not health
        "food hygiene training",  # a qualification holds no "food"
        "Ja gerne",
        "Wo ist das?",
    ],
)
def test_no_category(text: str) -> None:
    assert categories(text) == []


# --- qualifications -----------------------------------------------------------------------------


def test_qualifications_in_a_sentence() -> None:
    text = "Ich habe einen Führerschein und einen Erste-Hilfe-Kurs, spreche Arabisch und Türkisch"
    assert qualifications(text) == [
        ("Führerschein", "driving_licence"),
        ("Erste-Hilfe-Kurs", "first_aid"),
        ("Arabisch", "language:ar"),
        ("Türkisch", "language:tr"),
    ]


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("Fahrerlaubnis", "driving_licence"),
        ("driving licence", "driving_licence"),
        ("Erste Hilfe", "first_aid"),
        ("Ersthelfer", "first_aid"),
        ("first aid", "first_aid"),
        ("erweitertes Führungszeugnis", "police_certificate_extended"),
        ("Führungszeugnis", "police_certificate_extended"),
        ("police check", "police_certificate_extended"),
        ("Hygienebelehrung", "food_hygiene"),
        ("Gesundheitszeugnis", "food_hygiene"),
        ("Rote Karte", "food_hygiene"),
        ("Farsi", "language:fa"),
        ("Persisch", "language:fa"),
        ("ukrainisch", "language:uk"),
        ("Arabischkenntnisse", "language:ar"),
        ("English", "language:en"),
    ],
)
def test_qualification_word(word: str, value: str) -> None:
    assert qualifications(word) == [(word, value)]


def test_a_category_word_is_no_qualification_compound() -> None:
    # "Deutschkurs" is listed as integration; it must not also read as deutsch + kurs
    assert qualifications("Deutschkurs") == []
    assert qualifications("Ich lebe in Deutschland") == []
