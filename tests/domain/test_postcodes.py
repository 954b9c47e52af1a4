"""Postcodes as part of a municipality's area: the rule, the lookup, and their weight for the
nearest municipality."""

from __future__ import annotations

import pytest

from domain.errors import ValidationError
from domain.municipalities import (
    District,
    KnownPlace,
    Municipality,
    Postcode,
    check_postcode,
    find_place,
    find_postcode,
    nearest_municipality,
    place_label,
)
from domain.places import GeoPoint

AACHEN_CENTRE = GeoPoint(50.7753, 6.0839)
STOLBERG_CENTRE = GeoPoint(50.7706, 6.2278)
BURTSCHEID = GeoPoint(50.7620, 6.0950)
EILENDORF_HAAREN = GeoPoint(50.7860, 6.1450)

AACHEN = Municipality(
    "aachen",
    "Aachen",
    AACHEN_CENTRE,
    districts=(District("Burtscheid", BURTSCHEID),),
    postcodes=(
        Postcode("52062", AACHEN_CENTRE),
        Postcode("52066", BURTSCHEID),
        Postcode("52080", EILENDORF_HAAREN),
    ),
)
STOLBERG = Municipality(
    "stolberg", "Stolberg", STOLBERG_CENTRE, postcodes=(Postcode("52222", STOLBERG_CENTRE),)
)
TOWNS = (AACHEN, STOLBERG)


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["52062", "01067", "99998", " 52062 "])
def test_five_digits_are_a_postcode(code: str) -> None:
    assert check_postcode(code) == code.strip()


@pytest.mark.parametrize("code", ["", "5206", "520620", "52O62", "52 062", "D-52062", "５２０６２"])
def test_anything_else_is_not(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_postcode(code)
    assert info.value.field == "postcode"
    assert info.value.message == "must be a German postcode of five digits, like 52062"


def test_a_postcode_is_checked_when_made() -> None:
    with pytest.raises(ValidationError):
        Postcode("5206", AACHEN_CENTRE)


def test_a_municipality_has_no_postcodes_unless_configured() -> None:
    assert Municipality("aachen", "Aachen", AACHEN_CENTRE).postcodes == ()


def test_a_postcode_is_named_with_its_town() -> None:
    assert AACHEN.postcode_label(AACHEN.postcodes[0]) == "52062 Aachen"


# --- typed where the bot asks for a place --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52062", KnownPlace("52062 Aachen", AACHEN_CENTRE, "aachen")),
        ("52066 Aachen", KnownPlace("52066 Aachen", BURTSCHEID, "aachen")),
        ("Aachen 52080", KnownPlace("52080 Aachen", EILENDORF_HAAREN, "aachen")),
        ("PLZ 52066", KnownPlace("52066 Aachen", BURTSCHEID, "aachen")),
        ("  52222 Stolberg ", KnownPlace("52222 Stolberg", STOLBERG_CENTRE, "stolberg")),
        ("ich wohne in 52222", KnownPlace("52222 Stolberg", STOLBERG_CENTRE, "stolberg")),
        # the code is the precise part; the label the bot repeats shows what it took
        ("52222 Aachen", KnownPlace("52222 Stolberg", STOLBERG_CENTRE, "stolberg")),
    ],
)
def test_find_postcode(text: str, expected: KnownPlace) -> None:
    assert find_postcode(text, TOWNS) == expected
    assert find_place(text, TOWNS) == expected


@pytest.mark.parametrize("text", ["10115", "10115 Berlin", "520622", "5206", "Aachen", "", "2 h"])
def test_unknown_or_no_postcode(text: str) -> None:
    assert find_postcode(text, TOWNS) is None


def test_find_place_still_finds_names() -> None:
    assert find_place("Burtscheid", TOWNS) == KnownPlace("Burtscheid", BURTSCHEID, "aachen")
    assert find_place("10115 Berlin", TOWNS) is None


def test_a_postcode_label_is_kept_as_it_is() -> None:
    assert place_label("52066 Aachen", "aachen", TOWNS) == "52066 Aachen"


# --- postcode areas count for the nearest municipality -------------------------------------------


def test_a_postcode_centre_belongs_to_its_municipality() -> None:
    # a made-up Stolberg postcode area whose centre lies nearer Aachen's centre than
    # Stolberg's: the point is Stolberg's all the same
    west_of_stolberg = GeoPoint(50.7700, 6.1400)
    stretched = Municipality(
        "stolberg",
        "Stolberg",
        STOLBERG_CENTRE,
        postcodes=(Postcode("52223", west_of_stolberg),),
    )
    plain_aachen = Municipality("aachen", "Aachen", AACHEN_CENTRE)
    assert nearest_municipality(west_of_stolberg, [plain_aachen, STOLBERG]).key == "aachen"
    assert nearest_municipality(west_of_stolberg, [plain_aachen, stretched]).key == "stolberg"
