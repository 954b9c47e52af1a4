"""The audit log: every editorial action, appended in the transaction of the action itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.actors import PlatformIdentity
from domain.editorial import AuditSubject, EditorialAction
from storage.models import AuditEntryRow, utcnow
from storage.records import AuditEntry


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
        actor: PlatformIdentity,
        action: EditorialAction,
        subject: AuditSubject,
        subject_id: int,
        *,
        municipality_key: str | None = None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        row = AuditEntryRow(
            at=utcnow(),
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
