"""Coordinates, radii, great-circle distances and places."""

from __future__ import annotations

import math

import pytest

from domain.errors import ValidationError
from domain.places import (
    EARTH_RADIUS_KM,
    GeoPoint,
    Place,
    check_latitude,
    check_longitude,
    check_radius_km,
    haversine_km,
)

AACHEN_DOM = GeoPoint(50.7748, 6.0839)
KOELN_DOM = GeoPoint(50.9413, 6.9583)


@pytest.mark.parametrize("lat", [-90, -90.0, -45.5, 0, 0.0, 50.7748, 90, 90.0])
def test_latitude_in_range_is_accepted_as_float(lat: float) -> None:
    result = check_latitude(lat)
    assert result == float(lat)
    assert type(result) is float


@pytest.mark.parametrize("lat", [90.0001, -90.0001, 91, -91, 180.0, math.inf, -math.inf])
def test_latitude_out_of_range_is_refused(lat: float) -> None:
    with pytest.raises(ValidationError) as info:
        check_latitude(lat)
    assert info.value.field == "lat"
    assert info.value.message == "must be between -90 and 90"
    assert info.value.params == {"value": lat}


def test_latitude_nan_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        check_latitude(math.nan)
    assert info.value.message == "must be between -90 and 90"


@pytest.mark.parametrize("lat", ["50.7", None, [50.0]])
def test_latitude_non_number_is_refused(lat: object) -> None:
    with pytest.raises(ValidationError) as info:
        check_latitude(lat)  # type: ignore[arg-type]
    assert info.value.field == "lat"


def test_latitude_error_names_the_given_field() -> None:
    with pytest.raises(ValidationError) as info:
        check_latitude(100, "home.lat")
    assert info.value.field == "home.lat"
    assert str(info.value) == "home.lat: must be between -90 and 90"


@pytest.mark.parametrize("lon", [-180, -180.0, 0, 6.0839, 179.9999, 180, 180.0])
def test_longitude_in_range_is_accepted(lon: float) -> None:
    assert check_longitude(lon) == float(lon)


@pytest.mark.parametrize("lon", [180.0001, -180.0001, 360, math.nan, math.inf])
def test_longitude_out_of_range_is_refused(lon: float) -> None:
    with pytest.raises(ValidationError) as info:
        check_longitude(lon)
    assert info.value.field == "lon"
    assert info.value.message == "must be between -180 and 180"


@pytest.mark.parametrize("radius", [0.1, 0.5, 5, 10.0, 199.99, 200, 200.0])
def test_radius_in_range_is_accepted(radius: float) -> None:
    assert check_radius_km(radius) == float(radius)


@pytest.mark.parametrize("radius", [0, 0.0, 0.0999, -1, 200.0001, 1000, math.nan, math.inf])
def test_radius_out_of_range_is_refused(radius: float) -> None:
    with pytest.raises(ValidationError) as info:
        check_radius_km(radius)
    assert info.value.field == "radius_km"
    assert info.value.message == "must be between 0.1 and 200 km"


def test_radius_error_names_the_given_field() -> None:
    with pytest.raises(ValidationError) as info:
        check_radius_km(500, "search.radius")
    assert info.value.field == "search.radius"


def test_geopoint_validates_and_stores_floats() -> None:
    point = GeoPoint(90, -180)
    assert (point.lat, point.lon) == (90.0, -180.0)
    assert type(point.lat) is float
    assert type(point.lon) is float


@pytest.mark.parametrize(
    ("lat", "lon", "field", "message"),
    [
        (90.0001, 0.0, "lat", "must be between -90 and 90"),
        (-90.0001, 0.0, "lat", "must be between -90 and 90"),
        (math.nan, 0.0, "lat", "must be between -90 and 90"),
        (0.0, 180.0001, "lon", "must be between -180 and 180"),
        (0.0, math.nan, "lon", "must be between -180 and 180"),
    ],
)
def test_geopoint_refuses_bad_coordinates(lat: float, lon: float, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        GeoPoint(lat, lon)
    assert info.value.field == field
    assert info.value.message == message


def test_geopoint_is_frozen() -> None:
    point = GeoPoint(50.0, 6.0)
    with pytest.raises(AttributeError):
        point.lat = 51.0  # type: ignore[misc]


def test_haversine_aachen_dom_to_koeln_dom() -> None:
    distance = haversine_km(50.7748, 6.0839, 50.9413, 6.9583)
    assert abs(distance - 63.7) <= 0.7
    assert AACHEN_DOM.distance_km(KOELN_DOM) == pytest.approx(distance)


def test_haversine_is_symmetric() -> None:
    assert AACHEN_DOM.distance_km(KOELN_DOM) == pytest.approx(KOELN_DOM.distance_km(AACHEN_DOM))


def test_haversine_zero_distance() -> None:
    assert haversine_km(50.7748, 6.0839, 50.7748, 6.0839) == 0.0
    assert AACHEN_DOM.distance_km(GeoPoint(50.7748, 6.0839)) == 0.0


@pytest.mark.parametrize(
    ("lat1", "lon1", "lat2", "lon2"),
    [(0, 0, 0, 180), (90, 0, -90, 0), (50.7748, 6.0839, -50.7748, -173.9161)],
)
def test_haversine_antipodal_is_half_the_circumference(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    distance = haversine_km(lat1, lon1, lat2, lon2)
    assert distance == pytest.approx(20015, abs=1)
    assert distance == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_haversine_one_degree_of_latitude() -> None:
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)


def test_haversine_across_the_date_line_is_short() -> None:
    assert haversine_km(0, 179.5, 0, -179.5) == pytest.approx(111.195, abs=0.01)


def test_place_defaults_and_properties() -> None:
    place = Place(AACHEN_DOM, "Aachener Dom")
    assert place.label == "Aachener Dom"
    assert place.radius_km == 5.0
    assert (place.lat, place.lon) == (50.7748, 6.0839)


def test_place_label_is_trimmed_and_nfc_normalised() -> None:
    place = Place(AACHEN_DOM, "  Marktplatz Du\u0308ren \n")
    assert place.label == "Marktplatz Düren"


@pytest.mark.parametrize("label", ["", "   ", "\n\t"])
def test_place_label_empty_is_refused(label: str) -> None:
    with pytest.raises(ValidationError) as info:
        Place(AACHEN_DOM, label)
    assert info.value.field == "place.label"
    assert info.value.message == "must not be empty"


def test_place_label_length_limit() -> None:
    assert len(Place(AACHEN_DOM, "x" * 120).label) == 120
    with pytest.raises(ValidationError) as info:
        Place(AACHEN_DOM, "x" * 121)
    assert info.value.field == "place.label"
    assert info.value.message == "must be at most 120 characters"


def test_place_label_control_characters_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Place(AACHEN_DOM, "Dom\x00platz")
    assert info.value.field == "place.label"
    assert info.value.message == "must not contain control characters"


def test_place_label_must_be_text() -> None:
    with pytest.raises(ValidationError) as info:
        Place(AACHEN_DOM, 42)  # type: ignore[arg-type]
    assert info.value.field == "place.label"
    assert info.value.message == "must be text"


@pytest.mark.parametrize("radius", [0.0999, 0, 200.0001])
def test_place_radius_is_checked(radius: float) -> None:
    with pytest.raises(ValidationError) as info:
        Place(AACHEN_DOM, "Dom", radius_km=radius)
    assert info.value.field == "place.radius_km"
    assert info.value.message == "must be between 0.1 and 200 km"


def test_place_radius_bounds_are_inclusive() -> None:
    assert Place(AACHEN_DOM, "Dom", radius_km=0.1).radius_km == 0.1
    assert Place(AACHEN_DOM, "Dom", radius_km=200).radius_km == 200.0
