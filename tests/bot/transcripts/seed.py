"""People, clubs and postings the transcripts start from."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.actors import (
    Account,
    ActorKind,
    MemberRole,
    Organisation,
    Owner,
    Platform,
    PlatformIdentity,
)
from domain.categories import Category
from domain.lifecycle import PostingStatus
from domain.places import GeoPoint, Place
from domain.postings import Posting, PostingKind, PostingType, Urgency
from domain.timewindow import OneOff
from storage.unit_of_work import Database

BURTSCHEID = (50.7620, 6.0950, "Aachen-Burtscheid")
ROTHE_ERDE = (50.7705, 6.1150, "Aachen-Rothe Erde")
EILENDORF = (50.7810, 6.1560, "Aachen-Eilendorf")
STOLBERG = (50.7706, 6.2278, "Stolberg")
ESCHWEILER = (50.8176, 6.2717, "Eschweiler")


def person(
    database: Database,
    key: str,
    *,
    name: str | None = None,
    language: str = "de",
    home: tuple[float, float, str] = BURTSCHEID,
    radius_km: float = 10.0,
    interests: tuple[Category, ...] = (),
    municipality: str = "aachen",
) -> int:
    with database.unit_of_work() as uow:
        account = uow.accounts.add(
            Account(
                display_name=name or key.title(),
                language=language,
                municipality_key=municipality,
                home=Place(GeoPoint(home[0], home[1]), home[2], radius_km),
                consent_at=datetime(2026, 11, 1, 12, 0).astimezone(),
                identities=(PlatformIdentity(Platform.CONSOLE, key),),
            )
        )
        assert account.id is not None
        uow.accounts.set_interests(account.id, interests)
        uow.commit()
    return account.id


def club(
    database: Database, admin_id: int, name: str, *, verified: bool, municipality: str = "aachen"
) -> int:
    with database.unit_of_work() as uow:
        organisation = uow.organisations.add(
            Organisation(ActorKind.CLUB, name, municipality, verified=verified)
        )
        assert organisation.id is not None
        uow.organisations.add_member(organisation.id, admin_id, MemberRole.ADMIN)
        uow.commit()
    return organisation.id


def posting(
    database: Database,
    owner_id: int,
    *,
    title: str,
    category: Category,
    start: datetime,
    hours: float = 2,
    place: tuple[float, float, str] = BURTSCHEID,
    kind: PostingKind = PostingKind.NEED,
    quantity: int = 2,
    organisation_id: int | None = None,
    status: PostingStatus = PostingStatus.PUBLISHED,
    urgent: bool = False,
) -> int:
    with database.unit_of_work() as uow:
        stored = uow.postings.add(
            Posting(
                kind=kind,
                type=PostingType.TIME,
                category=category,
                title=title,
                description=title,
                time_window=OneOff(start, start + timedelta(hours=hours)),
                place=Place(GeoPoint(place[0], place[1]), place[2], 5.0),
                owner=Owner(owner_id, organisation_id),
                municipality_key={STOLBERG: "stolberg", ESCHWEILER: "eschweiler"}.get(
                    place, "aachen"
                ),
                quantity=quantity,
                status=status,
                urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            )
        )
        uow.commit()
    assert stored.id is not None
    return stored.id
