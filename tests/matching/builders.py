"""Builders shared by the matching tests: postings, points at exact distances, volunteers."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.actors import Account, Availability, Owner, Platform, PlatformIdentity, QuietHours
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.places import EARTH_RADIUS_KM, GeoPoint, Place
from domain.postings import Posting, PostingKind, PostingType, Urgency
from domain.qualifications import Qualification
from domain.timewindow import OneOff, TimeWindow
from storage.unit_of_work import UnitOfWork

BERLIN = ZoneInfo("Europe/Berlin")
AACHEN = GeoPoint(50.7753, 6.0839)
# Saturday 21 November 2026, 15:00 in Aachen
NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
# along a meridian the haversine distance is exactly this many km per degree of latitude
KM_PER_DEG_MERIDIAN = math.pi * EARTH_RADIUS_KM / 180.0

FOOD_HYGIENE = Qualification("food_hygiene")
DRIVING = Qualification("driving_licence")
FIRST_AID = Qualification("first_aid")


def north_of(point: GeoPoint, km: float) -> GeoPoint:
    """The point `km` due north (south when negative): its haversine distance is `km`."""
    return GeoPoint(point.lat + km / KM_PER_DEG_MERIDIAN, point.lon)


def east_of(point: GeoPoint, km: float) -> GeoPoint:
    """A point roughly `km` due east (good to a few metres at these distances)."""
    km_per_deg = KM_PER_DEG_MERIDIAN * math.cos(math.radians(point.lat))
    return GeoPoint(point.lat, point.lon + km / km_per_deg)


def soon(hours_from_now: float = 2.0, length_hours: float = 2.0) -> OneOff:
    start = NOW + timedelta(hours=hours_from_now)
    return OneOff(start, start + timedelta(hours=length_hours))


def posting(
    kind: PostingKind = PostingKind.NEED,
    *,
    category: Category = Category.FOOD,
    at: GeoPoint = AACHEN,
    radius_km: float = 5.0,
    window: TimeWindow | None = None,
    qualifications: Iterable[Qualification] = (),
    urgency: Urgency = Urgency.NORMAL,
    owner: int = 1,
    created_at: datetime | None = None,
    status: PostingStatus = PostingStatus.PUBLISHED,
    posting_id: int | None = None,
    quantity: int = 1,
) -> Posting:
    return Posting(
        kind=kind,
        type=PostingType.TIME,
        category=category,
        title="Tafel-Ausgabe" if kind is PostingKind.NEED else "Ich helfe gern",
        description="",
        time_window=window or soon(),
        place=Place(at, "Aachen", radius_km),
        owner=Owner(owner),
        municipality_key="aachen",
        qualifications=frozenset(qualifications),
        quantity=quantity,
        urgency=urgency,
        status=status,
        created_at=created_at,
        id=posting_id,
    )


def need(**changes: object) -> Posting:
    return posting(PostingKind.NEED, **changes)  # type: ignore[arg-type]


def offer(**changes: object) -> Posting:
    return posting(PostingKind.OFFER, **changes)  # type: ignore[arg-type]


_external_ids = iter(range(100_000, 10**9))


def add_volunteer(
    uow: UnitOfWork,
    home: GeoPoint = AACHEN,
    *,
    reach_km: float = 10.0,
    name: str = "Vera",
    time_zone: str = "Europe/Berlin",
    availability: Iterable[Availability] = (),
    quiet_hours: QuietHours | None = None,
    notifications: bool = True,
    consent: bool = True,
    interests: Iterable[Category] = (),
    qualifications: Iterable[Qualification] = (),
) -> int:
    """A consenting volunteer with a Telegram identity and a home; returns the account id."""
    account = uow.accounts.add(
        Account(
            display_name=name,
            time_zone=time_zone,
            identities=(PlatformIdentity(Platform.TELEGRAM, str(next(_external_ids))),),
            municipality_key="aachen",
            home=Place(home, "Zuhause", reach_km),
            consent_at=datetime(2026, 11, 1, 9, 30, tzinfo=BERLIN) if consent else None,
            availability=frozenset(availability),
            notifications_enabled=notifications,
            quiet_hours=quiet_hours,
        )
    )
    assert account.id is not None
    if interests:
        uow.accounts.set_interests(account.id, interests)
    if qualifications:
        uow.accounts.set_qualifications(account.id, qualifications)
    return account.id
