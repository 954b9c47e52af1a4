"""Municipalities, place-name folding, nearest municipality and place lookup."""

from __future__ import annotations

from typing import Any

import pytest

from domain.actors import PlatformIdentity
from domain.errors import ValidationError
from domain.municipalities import (
    District,
    KnownPlace,
    Municipality,
    find_place,
    fold,
    known_places,
    nearest_municipality,
)
from domain.places import GeoPoint

AACHEN_CENTRE = GeoPoint(50.7753, 6.0839)
STOLBERG_CENTRE = GeoPoint(50.7706, 6.2278)
BUESBACH = GeoPoint(50.7636, 6.2444)
BURTSCHEID = GeoPoint(50.7636, 6.0939)
BRAND = GeoPoint(50.7489, 6.1650)


def municipality(**overrides: Any) -> Municipality:
    fields: dict[str, Any] = {"key": "aachen", "name": "Aachen", "centre": AACHEN_CENTRE}
    fields.update(overrides)
    return Municipality(**fields)


AACHEN = municipality(
    districts=(District("Burtscheid", BURTSCHEID), District("Brand", BRAND)),
)
STOLBERG = municipality(
    key="stolberg",
    name="Stolberg",
    centre=STOLBERG_CENTRE,
    districts=(District("Stolberg-Büsbach", BUESBACH),),
)


# --- Municipality --------------------------------------------------------------------------------


def test_defaults() -> None:
    m = municipality()
    assert m.default_radius_km == 10.0
    assert m.languages == ("de", "en")
    assert m.editors == ()
    assert m.districts == ()
    assert m.contact == ""


@pytest.mark.parametrize(
    "key", ["ac", "aachen", "stolberg-rhld", "kreis_dueren", "a1", "a" * 40, "x-_9"]
)
def test_valid_keys(key: str) -> None:
    assert municipality(key=key).key == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "a",
        "a" * 41,
        "Aachen",
        "1aachen",
        "-aachen",
        "_aachen",
        "aachen stadt",
        "köln",
        "aachen\n",
        "aachen.de",
    ],
)
def test_invalid_keys(key: str) -> None:
    with pytest.raises(ValidationError) as info:
        municipality(key=key)
    assert info.value.field == "key"
    assert info.value.message == (
        "must be 2–40 lowercase letters, digits, '-' or '_', starting with a letter"
    )


def test_name_is_trimmed_and_bounded() -> None:
    assert municipality(name="  Aachen ").name == "Aachen"
    with pytest.raises(ValidationError) as info:
        municipality(name="A")
    assert info.value.field == "name"
    assert info.value.message == "must be at least 2 characters"
    with pytest.raises(ValidationError) as info:
        municipality(name="x" * 81)
    assert info.value.message == "must be at most 80 characters"


@pytest.mark.parametrize("radius", [0.05, 0, 250])
def test_default_radius_is_checked(radius: float) -> None:
    with pytest.raises(ValidationError) as info:
        municipality(default_radius_km=radius)
    assert info.value.field == "default_radius_km"
    assert info.value.message == "must be between 0.1 and 200 km"


@pytest.mark.parametrize("languages", [("de",), ("en",), ("en", "de")])
def test_supported_languages(languages: tuple[str, ...]) -> None:
    assert municipality(languages=languages).languages == languages


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        (("fr",), "unsupported language 'fr' (de or en)"),
        (("de", "nl"), "unsupported language 'nl' (de or en)"),
        (("DE",), "unsupported language 'DE' (de or en)"),
        ((), "needs at least one language"),
    ],
)
def test_unsupported_languages(languages: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        municipality(languages=languages)
    assert info.value.field == "languages"
    assert info.value.message == message


def test_welcome_text_in_the_asked_language() -> None:
    m = municipality(welcome=(("de", "Willkommen in Aachen!"), ("en", "Welcome to Aachen!")))
    assert m.welcome_text("de") == "Willkommen in Aachen!"
    assert m.welcome_text("en") == "Welcome to Aachen!"


def test_welcome_text_falls_back_to_the_first_language() -> None:
    m = municipality(languages=("de", "en"), welcome=(("de", "Willkommen!"),))
    assert m.welcome_text("en") == "Willkommen!"
    english_first = municipality(languages=("en", "de"), welcome=(("en", "Welcome!"),))
    assert english_first.welcome_text("de") == "Welcome!"


def test_welcome_text_empty_text_falls_back() -> None:
    m = municipality(welcome=(("de", "Willkommen!"), ("en", "")))
    assert m.welcome_text("en") == "Willkommen!"


def test_welcome_text_none_when_not_configured() -> None:
    assert municipality().welcome_text("de") is None
    assert municipality(languages=("de", "en"), welcome=(("en", "Hi"),)).welcome_text("fr") is None


def test_is_editor() -> None:
    anna = PlatformIdentity.parse("telegram:4711")
    ben = PlatformIdentity.parse("matrix:@ben:example.org")
    m = municipality(editors=(anna, ben))
    assert m.is_editor(PlatformIdentity.parse("telegram:4711")) is True
    assert m.is_editor(PlatformIdentity.parse("matrix:@ben:example.org")) is True
    assert m.is_editor(PlatformIdentity.parse("telegram:4712")) is False
    assert m.is_editor(PlatformIdentity.parse("console:4711")) is False
    assert municipality().is_editor(anna) is False


# --- fold ----------------------------------------------------------------------------------------


def test_fold_separators_and_case() -> None:
    assert fold("Aachen-Burtscheid") == fold("aachen burtscheid") == "aachen burtscheid"
    assert fold("  Aachen -- Burtscheid ") == "aachen burtscheid"
    assert fold("St. Augustin") == "st augustin"
    assert fold("Kreis_Düren/Nord, Mitte") == "kreis duren nord mitte"


def test_fold_sharp_s() -> None:
    assert fold("Straße") == "strasse"
    assert fold("STRASSE") == "strasse"
    assert fold("Großenhain") == fold("Grossenhain")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Düren", "duren"),
        ("Köln", "koln"),
        ("Bad Münstereifel", "bad munstereifel"),
        ("Crème Brûlée", "creme brulee"),
        ("Kö\u0308ln", "koln"),  # already decomposed
        ("Stolberg-Büsbach", "stolberg busbach"),
    ],
)
def test_fold_accents(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_empty() -> None:
    assert fold("") == ""
    assert fold(" - ") == ""


# --- nearest_municipality ------------------------------------------------------------------------


def test_point_in_stolberg_is_stolberg() -> None:
    plain_aachen = municipality()
    plain_stolberg = municipality(key="stolberg", name="Stolberg", centre=STOLBERG_CENTRE)
    in_stolberg = GeoPoint(50.7720, 6.2200)
    assert nearest_municipality(in_stolberg, [plain_aachen, plain_stolberg]) is plain_stolberg
    assert nearest_municipality(in_stolberg, [plain_stolberg, plain_aachen]) is plain_stolberg


def test_point_in_aachen_is_aachen() -> None:
    in_aachen = GeoPoint(50.7760, 6.0900)
    assert nearest_municipality(in_aachen, [STOLBERG, AACHEN]) is AACHEN


def test_point_in_buesbach_is_stolberg() -> None:
    assert nearest_municipality(GeoPoint(50.7600, 6.2500), [AACHEN, STOLBERG]) is STOLBERG


def test_districts_count_for_nearness() -> None:
    # Aachen-Brand lies east of Aachen's centre: without the district, Stolberg's centre is nearer.
    near_brand = GeoPoint(50.7550, 6.1750)
    plain_aachen = municipality()
    plain_stolberg = municipality(key="stolberg", name="Stolberg", centre=STOLBERG_CENTRE)
    assert nearest_municipality(near_brand, [plain_aachen, plain_stolberg]) is plain_stolberg
    assert nearest_municipality(near_brand, [AACHEN, plain_stolberg]) is AACHEN


def test_single_municipality_is_always_nearest() -> None:
    assert nearest_municipality(GeoPoint(-33.9, 151.2), [STOLBERG]) is STOLBERG


def test_no_municipalities_raises() -> None:
    with pytest.raises(ValidationError) as info:
        nearest_municipality(AACHEN_CENTRE, [])
    assert info.value.field == "municipalities"
    assert info.value.message == "none configured"


# --- known_places and find_place -----------------------------------------------------------------


def test_known_places() -> None:
    assert known_places([AACHEN, STOLBERG]) == [
        KnownPlace("Aachen", AACHEN_CENTRE, "aachen"),
        KnownPlace("Burtscheid", BURTSCHEID, "aachen"),
        KnownPlace("Aachen-Burtscheid", BURTSCHEID, "aachen"),
        KnownPlace("Brand", BRAND, "aachen"),
        KnownPlace("Aachen-Brand", BRAND, "aachen"),
        KnownPlace("Stolberg", STOLBERG_CENTRE, "stolberg"),
        # already carries the town's name: no "Stolberg-Stolberg-Büsbach"
        KnownPlace("Stolberg-Büsbach", BUESBACH, "stolberg"),
    ]


@pytest.mark.parametrize(
    ("text", "name", "key", "point"),
    [
        ("Aachen", "Aachen", "aachen", AACHEN_CENTRE),
        ("  aachen ", "Aachen", "aachen", AACHEN_CENTRE),
        ("Burtscheid", "Burtscheid", "aachen", BURTSCHEID),
        ("burtscheid", "Burtscheid", "aachen", BURTSCHEID),
        ("Aachen-Burtscheid", "Aachen-Burtscheid", "aachen", BURTSCHEID),
        ("aachen burtscheid", "Aachen-Burtscheid", "aachen", BURTSCHEID),
        ("AACHEN_BURTSCHEID", "Aachen-Burtscheid", "aachen", BURTSCHEID),
        ("Stolberg", "Stolberg", "stolberg", STOLBERG_CENTRE),
        ("Stolberg-Büsbach", "Stolberg-Büsbach", "stolberg", BUESBACH),
        ("stolberg busbach", "Stolberg-Büsbach", "stolberg", BUESBACH),
        ("Stolberg Buesbach", None, None, None),
    ],
)
def test_find_place(text: str, name: str | None, key: str | None, point: GeoPoint | None) -> None:
    found = find_place(text, [AACHEN, STOLBERG])
    if name is None:
        assert found is None
    else:
        assert found == KnownPlace(name, point, key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["", "   ", "-", "Köln", "Burtscheider Markt", "Aachen Brand Nord"]
)
def test_find_place_unknown(text: str) -> None:
    assert find_place(text, [AACHEN, STOLBERG]) is None


def test_find_place_without_municipalities() -> None:
    assert find_place("Aachen", []) is None


def test_nearest_place_names_the_district_with_its_town() -> None:
    from domain.municipalities import District, Municipality, nearest_place
    from domain.places import GeoPoint

    aachen = Municipality(
        "aachen",
        "Aachen",
        GeoPoint(50.7753, 6.0839),
        districts=(District("Burtscheid", GeoPoint(50.7619, 6.0950)),),
    )
    stolberg = Municipality("stolberg", "Stolberg", GeoPoint(50.7706, 6.2278))
    assert nearest_place(GeoPoint(50.7625, 6.0960), [aachen, stolberg]).name == "Aachen-Burtscheid"
    assert nearest_place(GeoPoint(50.7710, 6.2200), [aachen, stolberg]).name == "Stolberg"
    assert nearest_place(GeoPoint(50.7760, 6.0840), [aachen, stolberg]).name == "Aachen"
