"""The grid prefilter (domain.places.geo_band / box_around): a box covers its circle — a little
more, never less — so that the SQL prefilter never drops a posting within the radius."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.places import (
    EARTH_RADIUS_KM,
    GEO_BAND_DEG,
    KM_PER_DEG_LAT,
    GeoPoint,
    box_around,
    geo_band,
    haversine_km,
)
from tests.matching.builders import AACHEN, north_of


def destination(centre: GeoPoint, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` from the centre along a great circle starting at `bearing_deg`."""
    d = km / EARTH_RADIUS_KM
    phi1, lmb1, theta = (
        math.radians(centre.lat),
        math.radians(centre.lon),
        math.radians(bearing_deg),
    )
    phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(theta))
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(d) * math.cos(phi1),
        math.cos(d) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lmb2)


def inside(centre: GeoPoint, radius_km: float, lat: float, lon: float) -> bool:
    box = box_around(centre, radius_km)
    return geo_band(lat) in box.bands and box.lon_min <= lon <= box.lon_max


# where the bot is used, with room to spare: away from the poles and the antimeridian, which
# box_around does not handle (a box never wraps around ±180° nor contains a pole)
centres = st.builds(GeoPoint, st.floats(-75.0, 75.0), st.floats(-170.0, 170.0))
radii = st.floats(0.1, 200.0)


@settings(max_examples=200)
@given(centres, radii, st.floats(0.0, 360.0), st.floats(0.0, 1.0))
@example(AACHEN, 10.0, 0.0, 1.0)
@example(AACHEN, 10.0, 90.0, 1.0)
@example(AACHEN, 10.0, 45.0, 1.0)
@example(GeoPoint(70.0, 20.0), 200.0, 90.0, 1.0)
def test_a_box_covers_every_point_within_its_radius(
    centre: GeoPoint, radius_km: float, bearing: float, fraction: float
) -> None:
    lat, lon = destination(centre, bearing, radius_km * fraction)
    if haversine_km(centre.lat, centre.lon, lat, lon) > radius_km:
        return  # rounding put it a hair outside: not a point the box owes us
    assert inside(centre, radius_km, lat, lon)


@settings(max_examples=80)
@given(centres, radii)
def test_a_box_is_not_much_larger_than_its_circle(centre: GeoPoint, radius_km: float) -> None:
    box = box_around(centre, radius_km)
    # bands: the circle's latitude span, rounded out to whole bands
    span_deg = 2 * radius_km / KM_PER_DEG_LAT
    assert len(box.bands) <= math.ceil(span_deg / GEO_BAND_DEG) + 1
    assert box.bands == tuple(range(box.bands[0], box.bands[-1] + 1))  # contiguous
    assert geo_band(centre.lat) in box.bands
    # longitudes: not much more than the circle's widest span, asin(sin δ / cos φ) (that they
    # are not less is test_a_box_covers_every_point_within_its_radius)
    delta = radius_km / EARTH_RADIUS_KM
    circle_half = math.degrees(math.asin(math.sin(delta) / math.cos(math.radians(centre.lat))))
    box_half = (box.lon_max - box.lon_min) / 2
    assert box.lon_min < centre.lon < box.lon_max
    assert box_half <= 1.15 * circle_half


@given(st.floats(-89.9, 89.9), st.floats(-89.9, 89.9))
def test_bands_are_monotonic_and_about_2_km_tall(a: float, b: float) -> None:
    south, north = sorted((a, b))
    assert geo_band(south) <= geo_band(north)
    band = geo_band(south)
    assert band * GEO_BAND_DEG <= south + 1e-9
    assert south < (band + 1) * GEO_BAND_DEG + 1e-9


def test_band_boundaries() -> None:
    assert geo_band(0.0) == 0
    assert geo_band(0.0199) == 0
    assert geo_band(-0.0001) == -1
    assert geo_band(50.7753) == 2538
    assert pytest.approx(2.22, abs=0.01) == GEO_BAND_DEG * KM_PER_DEG_LAT


def test_a_box_reaches_into_the_next_band_when_its_circle_does() -> None:
    # Aachen's band ends at 50.78°, 0.52 km north of the centre: a 1 km box takes the next band,
    # a 0.5 km one does not
    assert box_around(AACHEN, 1.0).bands == (2538, 2539)
    assert box_around(AACHEN, 0.5).bands == (2538,)
    assert geo_band(north_of(AACHEN, 0.6).lat) == 2539


def test_a_box_is_wider_in_longitude_than_tall_away_from_the_equator() -> None:
    box = box_around(AACHEN, 10.0)
    lat_deg = 10.0 / KM_PER_DEG_LAT
    # a degree of longitude is cos(50.8°) ≈ 0.63 of a degree of latitude
    assert (box.lon_max - box.lon_min) / 2 == pytest.approx(lat_deg / 0.63, rel=0.01)
    equator = box_around(GeoPoint(0.0, 0.0), 10.0)
    assert (equator.lon_max - equator.lon_min) / 2 == pytest.approx(lat_deg, rel=1e-3)


@pytest.mark.parametrize("radius_km", [2.0, 10.0, 50.0])
@pytest.mark.parametrize("north", [True, False])
def test_a_box_covers_the_very_edge_of_its_circle_across_a_band_boundary(
    radius_km: float, north: bool
) -> None:
    # a point 1 cm across a band boundary, and a centre due south (north) of it, 1 mm less
    # than the radius away: built from the sphere alone, whatever constant the box uses
    boundary = (geo_band(AACHEN.lat) + 5) * GEO_BAND_DEG
    across = 1e-7 if north else -1e-7
    edge = GeoPoint(boundary + across, AACHEN.lon)
    reach = radius_km - 1e-6
    centre = north_of(edge, -reach if north else reach)
    assert haversine_km(centre.lat, centre.lon, edge.lat, edge.lon) < radius_km
    assert inside(centre, radius_km, edge.lat, edge.lon)


@pytest.mark.parametrize("bearing", [90.0, 270.0])
def test_a_box_on_the_equator_covers_the_east_and_west_edge_of_its_circle(bearing: float) -> None:
    centre = GeoPoint(0.01, 10.0)
    lat, lon = destination(centre, bearing, 10.0)
    assert haversine_km(centre.lat, centre.lon, lat, lon) <= 10.0
    assert inside(centre, 10.0, lat, lon)
