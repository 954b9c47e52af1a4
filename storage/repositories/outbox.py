from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import OutboxRow, utcnow
from storage.records import OutboxMessage, OutboxStatus


def _message(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        idempotency_key=row.idempotency_key,
        platform=row.platform,
        chat_id=row.chat_id,
        identity_id=row.identity_id,
        payload=row.payload,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        not_before=row.not_before,
        created_at=row.created_at,
        sent_at=row.sent_at,
        platform_message_id=row.platform_message_id,
        last_error=row.last_error,
    )


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def enqueue(
        self,
        *,
        idempotency_key: str,
        platform: str,
        chat_id: str,
        identity_id: int | None,
        payload: dict[str, Any],
        not_before: datetime | None = None,
    ) -> int:
        row = OutboxRow(
            idempotency_key=idempotency_key,
            platform=platform,
            chat_id=chat_id,
            identity_id=identity_id,
            payload=payload,
            status=OutboxStatus.PENDING.value,
            not_before=not_before or utcnow(),
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def due(
        self, platform: str, now: datetime, limit: int = 50, chat_id: str | None = None
    ) -> list[OutboxMessage]:
        """Pending messages whose time has come, oldest first, locked against other workers
        on PostgreSQL (SKIP LOCKED lets several workers share the queue)."""
        statement = (
            select(OutboxRow)
            .where(
                OutboxRow.platform == platform,
                OutboxRow.status == OutboxStatus.PENDING.value,
                OutboxRow.not_before <= now,
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if chat_id is not None:
            statement = statement.where(OutboxRow.chat_id == chat_id)
        if self._session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return [_message(r) for r in self._session.scalars(statement)]

    def mark_sent(self, message_id: int, platform_message_id: str | None = None) -> None:
        row = self._session.get_one(OutboxRow, message_id)
        row.status = OutboxStatus.SENT.value
        row.attempts += 1
        row.sent_at = utcnow()
        row.platform_message_id = platform_message_id
        self._session.flush()

    def mark_failed(self, message_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt: retried at `retry_at`, or given up when it is None."""
        row = self._session.get_one(OutboxRow, message_id)
        row.attempts += 1
        row.last_error = error[:500]
        if retry_at is None:
            row.status = OutboxStatus.FAILED.value
        else:
            row.not_before = retry_at
        self._session.flush()

    def get(self, message_id: int) -> OutboxMessage:
        return _message(self._session.get_one(OutboxRow, message_id))

    def for_chat(self, platform: str, chat_id: str) -> list[OutboxMessage]:
        rows = self._session.scalars(
            select(OutboxRow)
            .where(OutboxRow.platform == platform, OutboxRow.chat_id == chat_id)
            .order_by(OutboxRow.id)
        )
        return [_message(r) for r in rows]
