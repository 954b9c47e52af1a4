"""Builders for realistic domain objects used by the storage tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.actors import Account, Owner, Platform, PlatformIdentity
from domain.categories import Category
from domain.municipalities import Municipality
from domain.places import GeoPoint, Place
from domain.postings import Posting, PostingKind, PostingType, Urgency
from domain.qualifications import Qualification
from domain.timewindow import OneOff, TimeWindow, Weekly, WeeklySlot
from storage.unit_of_work import UnitOfWork

BERLIN = ZoneInfo("Europe/Berlin")
AACHEN = Municipality("aachen", "Aachen", GeoPoint(50.7753, 6.0839))
STOLBERG = Municipality("stolberg", "Stolberg (Rhld.)", GeoPoint(50.7706, 6.2278))


def seed_municipalities(uow: UnitOfWork) -> None:
    uow.municipalities.sync([AACHEN, STOLBERG])


def add_person(uow: UnitOfWork, name: str = "Anna", external_id: str = "4711") -> Account:
    return uow.accounts.add(
        Account(
            display_name=name,
            identities=(PlatformIdentity(Platform.TELEGRAM, external_id),),
            municipality_key="aachen",
            home=Place(GeoPoint(50.7619, 6.0950), "Aachen-Burtscheid", 5.0),
            consent_at=datetime(2026, 11, 1, 9, 30, tzinfo=BERLIN),
        )
    )


def tafel_need(owner_id: int, window: TimeWindow | None = None) -> Posting:
    start = datetime(2026, 11, 28, 8, 0, tzinfo=BERLIN)
    return Posting(
        kind=PostingKind.NEED,
        type=PostingType.TIME,
        category=Category.FOOD,
        title="Helfer*innen für die Tafel-Ausgabe",
        description="Wir suchen 4 Helfer für die Ausgabe in Rothe Erde. Bitte festes Schuhwerk.",
        time_window=window or OneOff(start, start + timedelta(hours=3)),
        place=Place(GeoPoint(50.7700, 6.1150), "Aachen-Rothe Erde", 3.0),
        owner=Owner(owner_id),
        municipality_key="aachen",
        qualifications=frozenset({Qualification("food_hygiene"), Qualification("language:ar")}),
        quantity=4,
        urgency=Urgency.URGENT,
    )


def weekly_window() -> Weekly:
    return Weekly(
        slots=(WeeklySlot(1, time(16, 0), time(18, 0)), WeeklySlot(3, time(17, 30), time(19, 0))),
        time_zone="Europe/Berlin",
        valid_from=date(2026, 11, 23),
        valid_until=date(2027, 3, 31),
    )
