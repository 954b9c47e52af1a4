"""The 16 stable category keys and their labels."""

from __future__ import annotations

import pytest

from domain.categories import SUPPORTED_LANGUAGES, Category, category_label, parse_category
from domain.errors import UnknownCategory, ValidationError

DESIGN_KEYS = [
    "seniors",
    "children_youth",
    "education",
    "integration",
    "environment",
    "animals",
    "sports",
    "culture",
    "health",
    "food",
    "emergency",
    "transport",
    "crafts_repair",
    "digital",
    "neighbourhood_help",
    "events",
]


def test_exactly_the_sixteen_design_keys_in_order() -> None:
    assert [c.value for c in Category] == DESIGN_KEYS
    assert len(Category) == 16


def test_supported_languages() -> None:
    assert SUPPORTED_LANGUAGES == ("de", "en")


@pytest.mark.parametrize("category", list(Category))
def test_every_category_has_non_empty_de_and_en_labels(category: Category) -> None:
    de = category_label(category, "de")
    en = category_label(category, "en")
    assert de
    assert de.strip() == de
    assert en
    assert en.strip() == en


@pytest.mark.parametrize("language", ["de", "en"])
def test_labels_are_distinct_within_a_language(language: str) -> None:
    labels = [category_label(c, language) for c in Category]
    assert len(set(labels)) == len(labels)


def test_known_labels() -> None:
    assert category_label(Category.SENIORS, "de") == "Senioren"
    assert category_label(Category.SENIORS, "en") == "Seniors"
    assert category_label(Category.NEIGHBOURHOOD_HELP, "de") == "Nachbarschaftshilfe"
    assert category_label(Category.FOOD, "en") == "Food & food banks"


def test_unknown_language_falls_back_to_german() -> None:
    assert category_label(Category.EMERGENCY, "fr") == category_label(Category.EMERGENCY, "de")


@pytest.mark.parametrize("key", DESIGN_KEYS)
def test_parse_every_key(key: str) -> None:
    parsed = parse_category(key)
    assert parsed is Category(key)
    assert parsed == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SENIORS", Category.SENIORS),
        ("  Seniors  ", Category.SENIORS),
        ("\tCrafts_Repair\n", Category.CRAFTS_REPAIR),
        ("Neighbourhood_HELP", Category.NEIGHBOURHOOD_HELP),
    ],
)
def test_parse_is_case_and_space_insensitive(text: str, expected: Category) -> None:
    assert parse_category(text) is expected


@pytest.mark.parametrize(
    "text", ["", "   ", "sport", "senior", "children youth", "crafts-repair", "Senioren", "x"]
)
def test_parse_unknown_raises_unknown_category(text: str) -> None:
    with pytest.raises(UnknownCategory) as info:
        parse_category(text)
    error = info.value
    assert isinstance(error, ValidationError)
    assert error.code == "unknown_category"
    assert error.field == "category"
    assert error.message == f"unknown category {text!r}"
    assert error.params == {"value": text}
