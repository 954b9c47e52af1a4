"""Updates and events intake set aside (see DeadLetterRow): recorded once, counted for editors."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import DeadLetterRow
from storage.records import DeadLetter
from storage.repositories.dialect import insert_for

MAX_REASON = 255


class DeadLetterRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(
        self, *, platform: str, front_end: str, update_key: str, reason: str, at: datetime
    ) -> bool:
        """Set an update aside; False when it was set aside before (a redelivery)."""
        statement = (
            insert_for(self._session, DeadLetterRow)
            .values(
                platform=platform,
                front_end=front_end,
                update_key=update_key[:255],
                reason=reason[:MAX_REASON],
                at=at,
            )
            .on_conflict_do_nothing(index_elements=["platform", "front_end", "update_key"])
            .returning(DeadLetterRow.id)
        )
        return self._session.execute(statement).scalar_one_or_none() is not None

    def count(self, since: datetime, front_ends: Collection[str] | None = None) -> int:
        """How many were set aside since then (of these front ends' bots, when given)."""
        query = select(func.count()).select_from(DeadLetterRow).where(DeadLetterRow.at >= since)
        if front_ends is not None:
            query = query.where(DeadLetterRow.front_end.in_(list(front_ends)))
        return int(self._session.scalar(query) or 0)

    def recent(self, limit: int = 20) -> list[DeadLetter]:
        rows = self._session.scalars(
            select(DeadLetterRow).order_by(DeadLetterRow.id.desc()).limit(limit)
        )
        return [DeadLetter(r.platform, r.front_end, r.update_key, r.reason, r.at) for r in rows]
