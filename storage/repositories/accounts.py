from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from domain.actors import (
    Account,
    ActorKind,
    Availability,
    MemberRole,
    Membership,
    Organisation,
    Platform,
    PlatformIdentity,
    QuietHours,
)
from domain.categories import Category
from domain.errors import NotFound
from domain.places import GeoPoint, Place, geo_band
from domain.qualifications import Qualification
from storage.models import (
    AccountInterestRow,
    AccountQualificationRow,
    AccountRow,
    IdentityRow,
    MembershipRow,
    OrganisationRow,
    utcnow,
)
from storage.repositories.identities import IdentityRepository
from storage.types import clock_of, minutes_of, quiet_hours_of


@dataclass(frozen=True, slots=True)
class Recipient:
    """An account a message to many goes to, with what decides when it may arrive."""

    account_id: int
    time_zone: str
    quiet_hours: QuietHours | None


def _account(row: AccountRow) -> Account:
    home = None
    if row.home_lat is not None and row.home_lon is not None:
        home = Place(
            GeoPoint(row.home_lat, row.home_lon),
            row.home_label or "",
            row.home_radius_km or 5.0,
        )
    return Account(
        id=row.id,
        display_name=row.display_name,
        language=row.language,
        time_zone=row.time_zone,
        municipality_key=row.municipality_key,
        home=home,
        consent_at=row.consent_at,
        identities=tuple(
            PlatformIdentity(Platform(i.platform), i.external_id) for i in row.identities
        ),
        memberships=tuple(
            Membership(m.organisation_id, MemberRole(m.role)) for m in row.memberships
        ),
        availability=frozenset(Availability(a) for a in row.availability or ()),
        notifications_enabled=row.notifications_enabled,
        quiet_hours=quiet_hours_of(row.quiet_start_minute, row.quiet_end_minute),
        digest_time=clock_of(row.digest_minute) if row.digest_minute is not None else None,
        banned_at=row.banned_at,
    )


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, account: Account) -> Account:
        row = AccountRow()
        self._fill(row, account)
        self._session.add(row)
        self._session.flush()
        identities = IdentityRepository(self._session)
        for identity in account.identities:
            identities.link(identities.get_or_create(identity).id, row.id)
        for membership in account.memberships:
            row.memberships.append(
                MembershipRow(
                    organisation_id=membership.organisation_id, role=membership.role.value
                )
            )
        self._session.flush()
        self._session.refresh(row)
        return _account(row)

    def update(self, account: Account) -> Account:
        if account.id is None:
            raise NotFound("account has no id")
        row = self._get_row(account.id)
        self._fill(row, account)
        self._session.flush()
        return _account(row)

    @staticmethod
    def _fill(row: AccountRow, account: Account) -> None:
        row.display_name = account.display_name
        row.language = account.language
        row.time_zone = account.time_zone
        row.municipality_key = account.municipality_key
        row.consent_at = account.consent_at
        home = account.home
        row.home_lat = home.lat if home else None
        row.home_lon = home.lon if home else None
        row.home_label = home.label if home else None
        row.home_radius_km = home.radius_km if home else None
        row.home_band = geo_band(home.lat) if home else None
        row.availability = sorted(a.value for a in account.availability)
        row.notifications_enabled = account.notifications_enabled
        quiet = account.quiet_hours
        row.quiet_start_minute = minutes_of(quiet.start) if quiet else None
        row.quiet_end_minute = minutes_of(quiet.end) if quiet else None
        row.digest_minute = minutes_of(account.digest_time) if account.digest_time else None

    def _get_row(self, account_id: int) -> AccountRow:
        row = self._session.get(AccountRow, account_id)
        if row is None:
            raise NotFound(f"no account {account_id}", account_id=account_id)
        return row

    def get(self, account_id: int) -> Account:
        return _account(self._get_row(account_id))

    def set_banned(self, account_id: int, at: datetime | None) -> None:
        """Ban (at a moment) or unban (None); `update` leaves a ban as it is."""
        self._get_row(account_id).banned_at = at
        self._session.flush()

    def find_by_identity(self, identity: PlatformIdentity) -> Account | None:
        row = self._session.scalars(
            select(AccountRow)
            .join(IdentityRow, IdentityRow.account_id == AccountRow.id)
            .where(
                IdentityRow.platform == identity.platform.value,
                IdentityRow.external_id == identity.external_id,
            )
        ).one_or_none()
        return _account(row) if row else None

    def set_interests(self, account_id: int, categories: Iterable[Category]) -> None:
        self._session.execute(
            delete(AccountInterestRow).where(AccountInterestRow.account_id == account_id)
        )
        self._session.add_all(
            AccountInterestRow(account_id=account_id, category=c.value) for c in set(categories)
        )
        self._session.flush()

    def interests(self, account_id: int) -> set[Category]:
        return {
            Category(c)
            for c in self._session.scalars(
                select(AccountInterestRow.category).where(
                    AccountInterestRow.account_id == account_id
                )
            )
        }

    def set_qualifications(self, account_id: int, qualifications: Iterable[Qualification]) -> None:
        self._session.execute(
            delete(AccountQualificationRow).where(AccountQualificationRow.account_id == account_id)
        )
        self._session.add_all(
            AccountQualificationRow(account_id=account_id, qualification=q.key)
            for q in set(qualifications)
        )
        self._session.flush()

    def qualifications(self, account_id: int) -> set[Qualification]:
        return {
            Qualification(q)
            for q in self._session.scalars(
                select(AccountQualificationRow.qualification).where(
                    AccountQualificationRow.account_id == account_id
                )
            )
        }

    def broadcast_recipients(self, municipality_key: str) -> list[Recipient]:
        """Who an editors' call to the municipality reaches: its people who consented, have
        notifications on, are not banned and can be reached on at least one platform."""
        reachable = exists().where(
            IdentityRow.account_id == AccountRow.id, IdentityRow.unreachable_at.is_(None)
        )
        rows = self._session.execute(
            select(
                AccountRow.id,
                AccountRow.time_zone,
                AccountRow.quiet_start_minute,
                AccountRow.quiet_end_minute,
            )
            .where(
                AccountRow.municipality_key == municipality_key,
                AccountRow.consent_at.is_not(None),
                AccountRow.notifications_enabled.is_(True),
                AccountRow.banned_at.is_(None),
                reachable,
            )
            .order_by(AccountRow.id)
        )
        return [
            Recipient(
                row.id, row.time_zone, quiet_hours_of(row.quiet_start_minute, row.quiet_end_minute)
            )
            for row in rows
        ]

    def delete(self, account_id: int) -> None:
        """Erasure: the database cascades to everything hanging off the account."""
        self._session.delete(self._get_row(account_id))
        self._session.flush()

    def count(self) -> int:
        return len(self._session.scalars(select(AccountRow.id)).all())


def _organisation(row: OrganisationRow) -> Organisation:
    return Organisation(
        id=row.id,
        kind=ActorKind(row.kind),
        name=row.name,
        municipality_key=row.municipality_key,
        verified=row.verified_at is not None,
    )


class OrganisationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, organisation: Organisation) -> Organisation:
        row = OrganisationRow(
            kind=organisation.kind.value,
            name=organisation.name,
            municipality_key=organisation.municipality_key,
            verified_at=utcnow() if organisation.verified else None,
        )
        self._session.add(row)
        self._session.flush()
        return _organisation(row)

    def get(self, organisation_id: int) -> Organisation:
        row = self._session.get(OrganisationRow, organisation_id)
        if row is None:
            raise NotFound(f"no organisation {organisation_id}", organisation_id=organisation_id)
        return _organisation(row)

    def set_verified(self, organisation_id: int, at: datetime | None) -> None:
        """An editor verified the organisation (None: the verification is withdrawn)."""
        row = self._session.get(OrganisationRow, organisation_id)
        if row is None:
            raise NotFound(f"no organisation {organisation_id}", organisation_id=organisation_id)
        row.verified_at = at
        self._session.flush()

    def member_accounts(self, organisation_id: int) -> list[int]:
        """The accounts that act for the organisation, in the order they joined."""
        rows = self._session.scalars(
            select(MembershipRow.account_id)
            .where(MembershipRow.organisation_id == organisation_id)
            .order_by(MembershipRow.account_id)
        )
        return list(rows)

    def add_member(
        self, organisation_id: int, account_id: int, role: MemberRole = MemberRole.MEMBER
    ) -> None:
        self._session.merge(
            MembershipRow(account_id=account_id, organisation_id=organisation_id, role=role.value)
        )
        self._session.flush()

    def delete_by_names(self, names: Iterable[str]) -> int:
        rows = list(
            self._session.scalars(select(OrganisationRow).where(OrganisationRow.name.in_(names)))
        )
        for row in rows:
            self._session.delete(row)
        self._session.flush()
        return len(rows)
