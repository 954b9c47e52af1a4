from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import InboxRow, utcnow
from storage.records import InboxEntry
from storage.repositories.dialect import insert_for


def _entry(row: InboxRow) -> InboxEntry:
    return InboxEntry(
        id=row.id,
        platform=row.platform,
        update_id=row.update_id,
        chat_id=row.chat_id,
        identity_id=row.identity_id,
        payload=row.payload,
        received_at=row.received_at,
        handled_at=row.handled_at,
        front_end=row.front_end,
    )


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(
        self,
        *,
        platform: str,
        update_id: str,
        chat_id: str,
        identity_id: int | None,
        payload: dict[str, Any] | None,
        front_end: str = "",
    ) -> int | None:
        """The new entry's id, or None when this update was recorded before (a replay).

        ON CONFLICT DO NOTHING rather than catching IntegrityError: on PostgreSQL a failed
        INSERT would poison the surrounding transaction."""
        statement = (
            insert_for(self._session, InboxRow)
            .values(
                platform=platform,
                update_id=update_id,
                chat_id=chat_id,
                identity_id=identity_id,
                payload=payload,
                front_end=front_end,
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["platform", "update_id"])
            .returning(InboxRow.id)
        )
        return self._session.execute(statement).scalar_one_or_none()

    def record_all(self, platform: str, entries: list[dict[str, Any]]) -> dict[str, int]:
        """Many new entries in one statement (`record`'s fields, but platform, in each dict):
        the id of each by its update id; replays are left out."""
        if not entries:
            return {}
        now = utcnow()
        statement = (
            insert_for(self._session, InboxRow)
            .values([{**entry, "platform": platform, "received_at": now} for entry in entries])
            .on_conflict_do_nothing(index_elements=["platform", "update_id"])
            .returning(InboxRow.update_id, InboxRow.id)
        )
        return {update_id: entry_id for update_id, entry_id in self._session.execute(statement)}

    def get(self, entry_id: int) -> InboxEntry:
        return _entry(self._session.get_one(InboxRow, entry_id))

    def mark_handled(self, entry_id: int) -> None:
        row = self._session.get_one(InboxRow, entry_id)
        row.handled_at = utcnow()
        row.payload = None  # the message text is not kept once it has been handled
        self._session.flush()

    def unhandled(
        self,
        platform: str,
        limit: int = 100,
        received_before: datetime | None = None,
        front_end: str | None = None,
    ) -> list[InboxEntry]:
        """What was recorded and not handled yet; of one front end, when given."""
        query = select(InboxRow).where(InboxRow.platform == platform, InboxRow.handled_at.is_(None))
        if front_end is not None:
            query = query.where(InboxRow.front_end == front_end)
        if received_before is not None:
            query = query.where(InboxRow.received_at < received_before)
        rows = self._session.scalars(query.order_by(InboxRow.id).limit(limit))
        return [_entry(r) for r in rows]

    def last_received_at(self, identity_id: int) -> datetime | None:
        """When this user's newest recorded message came in."""
        return self._session.scalar(
            select(func.max(InboxRow.received_at)).where(InboxRow.identity_id == identity_id)
        )

    def seen(self, platform: str, update_id: str) -> bool:
        """Whether this update is recorded (handled or not)."""
        found = self._session.scalar(
            select(InboxRow.id).where(
                InboxRow.platform == platform, InboxRow.update_id == update_id
            )
        )
        return found is not None
