"""Where each channel's intake stands (a Matrix sync token), kept with the inbox it feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import ChannelCursorRow, utcnow
from storage.records import ChannelCursor


def _cursor(row: ChannelCursorRow) -> ChannelCursor:
    return ChannelCursor(name=row.name, position=row.position, started_at=row.started_at)


class ChannelCursorRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str) -> ChannelCursor | None:
        row = self._session.get(ChannelCursorRow, name)
        return _cursor(row) if row else None

    def begin(self, name: str, at: datetime | None = None) -> ChannelCursor:
        """The cursor, created at the channel's first start (no position yet)."""
        row = self._session.get(ChannelCursorRow, name)
        if row is None:
            now = at or utcnow()
            row = ChannelCursorRow(name=name, position=None, started_at=now, updated_at=now)
            self._session.add(row)
            self._session.flush()
        return _cursor(row)

    def advance(self, name: str, position: str) -> None:
        row = self._session.get_one(ChannelCursorRow, name)
        row.position = position
        row.updated_at = utcnow()
        self._session.flush()
