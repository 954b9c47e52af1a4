"""Qualification keys, language skills and labels."""

from __future__ import annotations

import pytest

from domain.errors import UnknownQualification, ValidationError
from domain.qualifications import Qualification, known_qualification_keys, language_skill

KNOWN = [
    "driving_licence",
    "driving_licence_van",
    "first_aid",
    "police_certificate_extended",
    "food_hygiene",
    "trainer_licence",
    "lifeguard",
    "care_experience",
    "tutoring",
    "craft_skills",
    "it_skills",
    "sign_language",
]


def test_known_keys() -> None:
    assert known_qualification_keys() == KNOWN


def test_known_keys_returns_a_copy() -> None:
    keys = known_qualification_keys()
    keys.append("hacking")
    assert "hacking" not in known_qualification_keys()


@pytest.mark.parametrize("key", KNOWN)
def test_every_known_key_is_accepted_and_labelled(key: str) -> None:
    qualification = Qualification(key)
    assert qualification.key == key
    assert qualification.language is None
    de, en = qualification.label("de"), qualification.label("en")
    assert de
    assert en
    assert de != key
    assert en != key


@pytest.mark.parametrize("language", ["de", "en"])
def test_known_labels_are_distinct(language: str) -> None:
    labels = [Qualification(k).label(language) for k in KNOWN]
    assert len(set(labels)) == len(labels)


def test_key_is_normalised() -> None:
    assert Qualification("  First_Aid ").key == "first_aid"
    assert Qualification("  First_Aid ") == Qualification("first_aid")


def test_language_skill_accepted() -> None:
    arabic = Qualification("language:ar")
    assert arabic.key == "language:ar"
    assert arabic.language == "ar"
    assert arabic.label("de") == "language:ar"


def test_language_skill_is_normalised() -> None:
    assert Qualification(" Language:AR ").language == "ar"


def test_language_skill_helper() -> None:
    assert language_skill("uk") == Qualification("language:uk")
    assert language_skill("uk").language == "uk"


@pytest.mark.parametrize(
    "key",
    [
        "language:arabic",
        "language:a",
        "language:",
        "language:a1",
        "language:ar:eg",
        "language: ar",
        "language",
        "ar",
        "hacking",
        "driving licence",
        "",
    ],
)
def test_unknown_keys_are_refused(key: str) -> None:
    with pytest.raises(UnknownQualification) as info:
        Qualification(key)
    error = info.value
    assert isinstance(error, ValidationError)
    assert error.code == "unknown_qualification"
    assert error.field == "qualification"
    assert error.message == f"unknown qualification {key!r}"


def test_language_skill_helper_refuses_bad_code() -> None:
    with pytest.raises(UnknownQualification):
        language_skill("arabic")


def test_police_certificate_label() -> None:
    qualification = Qualification("police_certificate_extended")
    assert "Führungszeugnis" in qualification.label("de")
    assert qualification.label("de") == "Erweitertes Führungszeugnis"
    assert qualification.label("en") == "Extended police certificate"


def test_unknown_label_language_falls_back_to_german() -> None:
    assert Qualification("first_aid").label("fr") == "Erste-Hilfe-Kurs"


def test_qualifications_are_ordered_and_hashable() -> None:
    items = {Qualification("it_skills"), Qualification("first_aid"), Qualification("first_aid")}
    assert sorted(items) == [Qualification("first_aid"), Qualification("it_skills")]


def test_qualification_is_frozen() -> None:
    qualification = Qualification("first_aid")
    with pytest.raises(AttributeError):
        qualification.key = "lifeguard"  # type: ignore[misc]
