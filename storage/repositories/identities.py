from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.actors import PlatformIdentity
from storage.models import IdentityRow, utcnow
from storage.records import IdentityRecord
from storage.repositories.dialect import insert_for


def _record(row: IdentityRow) -> IdentityRecord:
    return IdentityRecord(
        id=row.id,
        platform=row.platform,
        external_id=row.external_id,
        account_id=row.account_id,
        unreachable=row.unreachable_at is not None,
        direct_chat_id=row.direct_chat_id,
        front_end=row.front_end,
    )


class IdentityRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _row(self, identity: PlatformIdentity) -> IdentityRow | None:
        return self._session.scalars(
            select(IdentityRow).where(
                IdentityRow.platform == identity.platform.value,
                IdentityRow.external_id == identity.external_id,
            )
        ).one_or_none()

    def find(self, identity: PlatformIdentity) -> IdentityRecord | None:
        row = self._row(identity)
        return _record(row) if row else None

    def get_or_create(self, identity: PlatformIdentity) -> IdentityRecord:
        """The identity's row; only the platform id is stored for someone without an account."""
        row = self._row(identity)
        if row is None:
            row = IdentityRow(platform=identity.platform.value, external_id=identity.external_id)
            self._session.add(row)
            self._session.flush()
        return _record(row)

    def ids_of(self, platform: str, external_ids: Collection[str]) -> dict[str, int]:
        """The ids of these users' identities, made where missing: a whole intake batch in
        three statements at most, however large."""
        wanted = set(external_ids)
        found = self._ids(platform, wanted)
        missing = wanted - found.keys()
        if missing:
            now = utcnow()
            self._session.execute(
                insert_for(self._session, IdentityRow)
                .values(
                    [
                        {"platform": platform, "external_id": e, "front_end": "", "created_at": now}
                        for e in sorted(missing)
                    ]
                )
                .on_conflict_do_nothing(index_elements=["platform", "external_id"])
            )
            found.update(self._ids(platform, missing))
        return found

    def _ids(self, platform: str, external_ids: Collection[str]) -> dict[str, int]:
        if not external_ids:
            return {}
        rows = self._session.execute(
            select(IdentityRow.external_id, IdentityRow.id).where(
                IdentityRow.platform == platform,
                IdentityRow.external_id.in_(list(external_ids)),
            )
        )
        return {external_id: identity_id for external_id, identity_id in rows}

    def wrote_through(self, identity_ids: Collection[int], front_end: str) -> None:
        """These users wrote privately to this front end's bot: later messages go through it.
        Moving to another bot also ends an unreachable mark, which was the old bot's (blocked,
        left): the bot that just heard from the user can answer."""
        if identity_ids:
            self._session.execute(
                update(IdentityRow)
                .where(IdentityRow.id.in_(list(identity_ids)), IdentityRow.front_end != front_end)
                .values(front_end=front_end, unreachable_at=None)
            )

    def link(self, identity_id: int, account_id: int) -> None:
        row = self._session.get_one(IdentityRow, identity_id)
        row.account_id = account_id
        self._session.flush()

    def for_account(self, account_id: int) -> list[IdentityRecord]:
        rows = self._session.scalars(
            select(IdentityRow).where(IdentityRow.account_id == account_id).order_by(IdentityRow.id)
        )
        return [_record(r) for r in rows]

    def mark_unreachable(self, identity_id: int, at: datetime, *, via: str | None = None) -> None:
        """The user blocked the bot or left: nothing more is queued or sent to this identity.
        With `via` (a front end) only when that is the bot the user talks to now: blocking a
        bot they have left for another one changes nothing."""
        row = self._session.get_one(IdentityRow, identity_id)
        if via is not None and row.front_end != via:
            return
        if row.unreachable_at is None:  # keep the first time: it says since when
            row.unreachable_at = at
        self._session.flush()

    def mark_reachable(self, identity_id: int, *, via: str | None = None) -> None:
        """The user is back (wrote to the bot again); with `via` only if it is their bot."""
        row = self._session.get_one(IdentityRow, identity_id)
        if via is not None and row.front_end != via:
            return
        row.unreachable_at = None
        self._session.flush()

    def set_direct_chat(self, identity_id: int, chat_id: str | None) -> None:
        """The private chat the bot talks to this user in (None: it is gone)."""
        row = self._session.get_one(IdentityRow, identity_id)
        row.direct_chat_id = chat_id
        self._session.flush()

    def with_direct_chat(self, platform: str, chat_id: str) -> list[IdentityRecord]:
        rows = self._session.scalars(
            select(IdentityRow).where(
                IdentityRow.platform == platform, IdentityRow.direct_chat_id == chat_id
            )
        )
        return [_record(r) for r in rows]

    def unreachable_among(self, identity_ids: Collection[int]) -> set[int]:
        if not identity_ids:
            return set()
        rows = self._session.scalars(
            select(IdentityRow.id).where(
                IdentityRow.id.in_(list(identity_ids)), IdentityRow.unreachable_at.is_not(None)
            )
        )
        return set(rows)
