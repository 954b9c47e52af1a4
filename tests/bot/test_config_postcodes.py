"""Postcodes in config.yml: the shipped ones, both ways of writing them, and one plain line for
each mistake."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError, load_config, parse_config
from domain.municipalities import Postcode, find_place, nearest_municipality
from domain.places import GeoPoint

SHIPPED = Path(__file__).resolve().parents[2] / "config.yml"
NO_ENV: dict[str, str] = {}
Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def shipped_data() -> dict[str, Any]:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _problems(base: dict[str, Any], change: Mutation) -> list[str]:
    data = copy.deepcopy(base)
    change(data)
    with pytest.raises(ConfigError) as caught:
        parse_config(data, NO_ENV)
    return caught.value.problems


def _postcodes(base: dict[str, Any], index: int, postcodes: list[Any]) -> list[Postcode]:
    data = copy.deepcopy(base)
    data["municipalities"][index]["postcodes"] = postcodes
    return list(parse_config(data, NO_ENV).domain_municipalities()[index].postcodes)


def _set(index: int, postcodes: list[Any]) -> Mutation:
    return lambda d: d["municipalities"][index].update(postcodes=postcodes)


# --- the shipped file ---------------------------------------------------------------------------


def test_shipped_postcodes() -> None:
    municipalities = load_config(SHIPPED, NO_ENV).domain_municipalities()
    codes = {m.key: [p.code for p in m.postcodes] for m in municipalities}
    assert codes == {
        "aachen": [str(code) for code in range(52062, 52081, 2)],
        "stolberg": ["52222", "52223", "52224"],
        "eschweiler": ["52249"],
        "wuerselen": ["52146"],
        "herzogenrath": ["52134"],
    }


def test_shipped_postcode_centres_lie_in_their_municipality() -> None:
    municipalities = load_config(SHIPPED, NO_ENV).domain_municipalities()
    for municipality in municipalities:
        for postcode in municipality.postcodes:
            # a centre far away or nearer another town is a typo in the coordinates
            assert postcode.centre.distance_km(municipality.centre) < 15, postcode.code
            nearest = nearest_municipality(postcode.centre, municipalities)
            assert nearest.key == municipality.key, postcode.code


def test_a_shipped_postcode_is_a_place() -> None:
    municipalities = load_config(SHIPPED, NO_ENV).domain_municipalities()
    brand = find_place("52078", municipalities)
    assert brand is not None
    assert (brand.name, brand.municipality_key) == ("52078 Aachen", "aachen")
    stolberg = find_place("52222 Stolberg", municipalities)
    assert stolberg is not None
    assert stolberg.municipality_key == "stolberg"


# --- both ways of writing one -------------------------------------------------------------------


def test_a_plain_code_stands_for_the_town_centre(shipped_data: dict[str, Any]) -> None:
    centre = shipped_data["municipalities"][0]["centre"]
    assert _postcodes(shipped_data, 0, ["52062"]) == [
        Postcode("52062", GeoPoint(centre["lat"], centre["lon"]))
    ]


def test_a_code_with_its_own_centre(shipped_data: dict[str, Any]) -> None:
    entry = {"code": "52064", "lat": 50.77, "lon": 6.07}
    assert _postcodes(shipped_data, 0, [entry]) == [Postcode("52064", GeoPoint(50.77, 6.07))]


def test_an_unquoted_code_from_10000_is_fine(shipped_data: dict[str, Any]) -> None:
    (postcode,) = _postcodes(shipped_data, 0, [52062])
    assert postcode.code == "52062"


# --- one line per mistake -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcodes", "expected"),
    [
        (
            ["5206"],
            "municipalities[0].postcodes[0].code: "
            "must be a German postcode of five digits, like 52062",
        ),
        (
            [{"code": "52O62"}],
            "municipalities[0].postcodes[0].code: "
            "must be a German postcode of five digits, like 52062",
        ),
        (
            # YAML read 01067 as an octal number
            ["52062", 567],
            'municipalities[0].postcodes[1].code: must be in quotes, like "01067" '
            "(YAML drops a leading zero)",
        ),
        (
            [{"code": "52064", "lat": 50.77}],
            "municipalities[0].postcodes[0].lon: required when lat is given",
        ),
        (
            [{"code": "52064", "lon": 6.07}],
            "municipalities[0].postcodes[0].lat: required when lon is given",
        ),
        (
            [{"code": "52064", "lat": 95, "lon": 6.07}],
            "municipalities[0].postcodes[0].lat: must be between -90 and 90",
        ),
        (
            [{"code": "52064", "lng": 6.07}],
            "municipalities[0].postcodes[0].lng: unknown key (allowed: code, lat, lon)",
        ),
        ([{"lat": 50.77, "lon": 6.07}], "municipalities[0].postcodes[0].code: required"),
        ("52062", "municipalities[0].postcodes: must be a list"),
        (
            ["52062", "52064", "52062"],
            "municipalities[0].postcodes[2].code: duplicate postcode '52062' (also postcodes[0])",
        ),
    ],
)
def test_mistakes(shipped_data: dict[str, Any], postcodes: Any, expected: str) -> None:
    assert _problems(shipped_data, _set(0, postcodes)) == [expected]


def test_a_postcode_belongs_to_one_municipality(shipped_data: dict[str, Any]) -> None:
    def share_one(d: dict[str, Any]) -> None:
        d["municipalities"][0]["postcodes"] = ["52062", "52222"]
        d["municipalities"][1]["postcodes"] = ["52222"]

    assert _problems(shipped_data, share_one) == [
        "municipalities[1].postcodes[0].code: postcode '52222' of Stolberg already belongs to "
        "Aachen (municipalities[0].postcodes[1])"
    ]
