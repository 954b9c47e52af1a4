"""The audit log: every editorial action, appended in the transaction of the action itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.actors import PlatformIdentity
from domain.editorial import AuditSubject, EditorialAction
from storage.models import AuditEntryRow, utcnow
from storage.records import AuditEntry

# a municipality is named by its key (municipality_key); its entries carry this subject id
MUNICIPALITY_ID = 0


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        municipality_key=row.municipality_key,
        reason=row.reason,
        details=dict(row.details or {}),
    )


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(
        self,
        actor: PlatformIdentity | str,
        action: EditorialAction,
        subject: AuditSubject,
        subject_id: int,
        *,
        municipality_key: str | None = None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditEntry:
        """`at`: the moment of the action (the turn's clock); now when not given."""
        row = AuditEntryRow(
            at=at or utcnow(),
            actor=str(actor),
            action=action.value,
            subject_kind=subject.value,
            subject_id=subject_id,
            municipality_key=municipality_key,
            reason=reason[:500] if reason else None,
            details=details or {},
        )
        self._session.add(row)
        self._session.flush()
        return _entry(row)

    def history(self, subject: AuditSubject, subject_id: int) -> list[AuditEntry]:
        """What editors did to this object, oldest first."""
        rows = self._session.scalars(
            select(AuditEntryRow)
            .where(
                AuditEntryRow.subject_kind == subject.value,
                AuditEntryRow.subject_id == subject_id,
            )
            .order_by(AuditEntryRow.id)
        )
        return [_entry(r) for r in rows]

    def count_since(self, action: EditorialAction, municipality_key: str, since: datetime) -> int:
        """How often editors took this action about the municipality itself since then (a
        broadcast: the daily limit counts them)."""
        found = self._session.scalar(
            select(func.count())
            .select_from(AuditEntryRow)
            .where(
                # the subject index narrows it to actions about whole municipalities
                AuditEntryRow.subject_kind == AuditSubject.MUNICIPALITY.value,
                AuditEntryRow.subject_id == MUNICIPALITY_ID,
                AuditEntryRow.action == action.value,
                AuditEntryRow.municipality_key == municipality_key,
                AuditEntryRow.at >= since,
            )
        )
        return int(found or 0)
