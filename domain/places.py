"""Points, places and distances on the earth's surface."""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.errors import ValidationError
from domain.text import check_text

EARTH_RADIUS_KM = 6371.0088
MIN_RADIUS_KM = 0.1
MAX_RADIUS_KM = 200.0
MAX_PLACE_LABEL = 120


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_latitude(lat: float, field: str = "lat") -> float:
    if not _is_number(lat) or math.isnan(lat) or not -90.0 <= lat <= 90.0:
        raise ValidationError(field, "must be between -90 and 90", value=lat)
    return float(lat)


def check_longitude(lon: float, field: str = "lon") -> float:
    if not _is_number(lon) or math.isnan(lon) or not -180.0 <= lon <= 180.0:
        raise ValidationError(field, "must be between -180 and 180", value=lon)
    return float(lon)


def check_radius_km(radius_km: float, field: str = "radius_km") -> float:
    if (
        not _is_number(radius_km)
        or math.isnan(radius_km)
        or not MIN_RADIUS_KM <= radius_km <= MAX_RADIUS_KM
    ):
        raise ValidationError(
            field,
            f"must be between {MIN_RADIUS_KM:g} and {MAX_RADIUS_KM:g} km",
            value=radius_km,
        )
    return float(radius_km)


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lat", check_latitude(self.lat))
        object.__setattr__(self, "lon", check_longitude(self.lon))

    def distance_km(self, other: GeoPoint) -> float:
        return haversine_km(self.lat, self.lon, other.lat, other.lon)


def valid_point(lat: float, lon: float) -> GeoPoint | None:
    """The point, or None when it is off the globe (input from users and other systems)."""
    try:
        return GeoPoint(lat, lon)
    except ValidationError:
        return None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; accurate to ~0.5 % which is far below what a volunteer notices."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Place:
    """Where a posting happens (or where a volunteer is), and how far around it counts."""

    point: GeoPoint
    label: str
    radius_km: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "label", check_text("place.label", self.label, min_len=1, max_len=MAX_PLACE_LABEL)
        )
        object.__setattr__(self, "radius_km", check_radius_km(self.radius_km, "place.radius_km"))

    @property
    def lat(self) -> float:
        return self.point.lat

    @property
    def lon(self) -> float:
        return self.point.lon


# ---- the grid that makes "near" an index lookup ----------------------------------------------
# Points are filed in latitude bands of GEO_BAND_DEG (≈ 2.2 km). A circle becomes a short list of
# bands and, within each, a longitude range: an equality plus a range on one B-tree index, which
# SQLite and PostgreSQL both answer without reading anything outside the box.
GEO_BAND_DEG = 0.02
KM_PER_DEG_LAT = math.pi * EARTH_RADIUS_KM / 180  # the sphere haversine_km measures on


def geo_band(lat: float) -> int:
    return math.floor(lat / GEO_BAND_DEG)


@dataclass(frozen=True, slots=True)
class GeoBox:
    """The bands and longitude range that cover a circle (a little more, never less)."""

    bands: tuple[int, ...]
    lon_min: float
    lon_max: float


def box_around(centre: GeoPoint, radius_km: float) -> GeoBox:
    lat_delta = radius_km / KM_PER_DEG_LAT
    lat_min, lat_max = max(-90.0, centre.lat - lat_delta), min(90.0, centre.lat + lat_delta)
    # the widest longitude span of the circle is at the latitude nearest a pole
    widest = max(abs(lat_min), abs(lat_max))
    lon_delta = radius_km / (KM_PER_DEG_LAT * max(0.01, math.cos(math.radians(widest))))
    return GeoBox(
        bands=tuple(range(geo_band(lat_min), geo_band(lat_max) + 1)),
        lon_min=centre.lon - lon_delta,
        lon_max=centre.lon + lon_delta,
    )
