"""The outbox: every reply and push, from enqueue through a worker's claim to sent or given up.

A worker claims rows (status `sending`, claimed_by, claimed_until) and commits before it sends,
so other workers skip them. Every later change applies only while the row is still claimed by
that worker: once a claim expired and was recovered, a slow worker cannot overwrite the outcome."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.models import OutboxRow, utcnow
from storage.records import OutboxMessage, OutboxStatus

UNKNOWN_OUTCOME = "outcome unknown: worker stopped while sending"


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
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        transaction_id=row.transaction_id,
        front_end=row.front_end,
    )


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _postgres(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    def enqueue(
        self,
        *,
        idempotency_key: str,
        platform: str,
        chat_id: str,
        identity_id: int | None,
        payload: dict[str, Any],
        not_before: datetime | None = None,
        front_end: str = "",
    ) -> int:
        """Queue a message for the front end (bot account) that is to send it ("" the shared
        one)."""
        row = OutboxRow(
            idempotency_key=idempotency_key,
            platform=platform,
            front_end=front_end,
            chat_id=chat_id,
            identity_id=identity_id,
            payload=payload,
            status=OutboxStatus.PENDING.value,
            not_before=not_before or utcnow(),
            transaction_id=uuid.uuid4().hex,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def claim(
        self,
        platform: str,
        now: datetime,
        limit: int,
        worker_id: str,
        lease_until: datetime,
        chat_id: str | None = None,
        *,
        front_end: str = "",
    ) -> list[OutboxMessage]:
        """Claim due messages of one front end (its bot sends them), oldest first, at most one
        per chat: the head of each chat's queue.

        A row waits while an earlier row of its chat is being sent, is due, or was postponed
        after a try (it has a last_error: a retry, a rate-limit deferral); so a chat's messages
        go out in id order even with several workers. A row enqueued for a later time holds
        nothing back until it is due. On PostgreSQL the rows are locked with SKIP LOCKED, so
        concurrent workers claim disjoint sets; the caller commits to make the claim visible."""
        queued = aliased(OutboxRow)  # an alias, so the subquery is not correlated to the row
        in_line = or_(
            queued.status == OutboxStatus.SENDING.value,
            and_(
                queued.status == OutboxStatus.PENDING.value,
                or_(queued.not_before <= now, queued.last_error.is_not(None)),
            ),
        )
        # one pass over the queue rather than a lookup per row: fast without a chat index
        # a chat's queue is per bot: two bots may write to one user id, each at its own pace
        heads = select(func.min(queued.id)).where(
            queued.platform == platform, queued.front_end == front_end, in_line
        )
        statement = select(OutboxRow).where(
            OutboxRow.platform == platform,
            OutboxRow.front_end == front_end,
            OutboxRow.status == OutboxStatus.PENDING.value,
            OutboxRow.not_before <= now,
        )
        if chat_id is not None:
            heads = heads.where(queued.chat_id == chat_id)
            statement = statement.where(OutboxRow.chat_id == chat_id)
        statement = (
            statement.where(OutboxRow.id.in_(heads.group_by(queued.chat_id)))
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if self._postgres():
            statement = statement.with_for_update(skip_locked=True, of=OutboxRow)
        rows = list(self._session.scalars(statement))
        for row in rows:
            row.status = OutboxStatus.SENDING.value
            row.claimed_by = worker_id
            row.claimed_until = lease_until
        self._session.flush()
        return [_message(r) for r in rows]

    def _update_claimed(
        self, message_ids: Collection[int], worker_id: str, values: dict[str, Any]
    ) -> int:
        if not message_ids:
            return 0
        result = self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id.in_(list(message_ids)),
                OutboxRow.status == OutboxStatus.SENDING.value,
                OutboxRow.claimed_by == worker_id,
            )
            .values(claimed_by=None, claimed_until=None, **values)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def mark_sent(
        self,
        message_id: int,
        worker_id: str,
        platform_message_id: str | None = None,
        *,
        at: datetime | None = None,
    ) -> bool:
        """False when the claim was lost (expired and recovered elsewhere): nothing changed."""
        return (
            self._update_claimed(
                [message_id],
                worker_id,
                {
                    "status": OutboxStatus.SENT.value,
                    "attempts": OutboxRow.attempts + 1,
                    "sent_at": at or utcnow(),
                    "platform_message_id": platform_message_id,
                },
            )
            == 1
        )

    def mark_failed(
        self,
        message_id: int,
        worker_id: str,
        error: str,
        retry_at: datetime | None,
        *,
        attempted: bool = True,
    ) -> bool:
        """A failed or refused attempt: pending again from `retry_at`, or given up when it is
        None. `attempted=False` gives up without counting a try (nothing was sent)."""
        values: dict[str, Any] = {"last_error": error[:500]}
        if attempted:
            values["attempts"] = OutboxRow.attempts + 1
        if retry_at is None:
            values["status"] = OutboxStatus.FAILED.value
        else:
            values["status"] = OutboxStatus.PENDING.value
            values["not_before"] = retry_at
        return self._update_claimed([message_id], worker_id, values) == 1

    def release(
        self, message_ids: Collection[int], worker_id: str, not_before: datetime, reason: str
    ) -> int:
        """Hand claimed rows back unsent, without counting an attempt (a chat's rate limit,
        an edit waiting for its original, a worker stopping); returns how many were released.
        The reason is kept as last_error, so the row keeps holding back its chat's later rows
        (see claim)."""
        return self._update_claimed(
            message_ids,
            worker_id,
            {
                "status": OutboxStatus.PENDING.value,
                "not_before": not_before,
                "last_error": reason[:500],
            },
        )

    def cancel(self, message_id: int, worker_id: str, reason: str) -> bool:
        """Never send this one (e.g. an edit of a message that was never delivered)."""
        return (
            self._update_claimed(
                [message_id],
                worker_id,
                {"status": OutboxStatus.CANCELLED.value, "last_error": reason[:500]},
            )
            == 1
        )

    def recover_claims(
        self,
        platform: str,
        now: datetime,
        *,
        front_end: str = "",
        other_than: str | None = None,
        max_attempts: int | None = None,
    ) -> list[str]:
        """Claims whose worker is gone mid-send: the message may have gone out or not. They are
        due again at once (a rare duplicate beats a silent loss), the unknown try counting as
        an attempt; past `max_attempts` they fail. With `other_than`, every claim of the front
        end not held by that worker is taken back (the bot's new leader knows the old one is
        gone); without it, claims whose lease ran out. Returns the chat of each claim taken
        back (its send may have reached the chat just now)."""
        statement = select(OutboxRow).where(
            OutboxRow.platform == platform,
            OutboxRow.front_end == front_end,
            OutboxRow.status == OutboxStatus.SENDING.value,
        )
        if other_than is None:
            statement = statement.where(OutboxRow.claimed_until < now)
        else:
            statement = statement.where(OutboxRow.claimed_by != other_than)
        if self._postgres():
            statement = statement.with_for_update(skip_locked=True)
        rows = list(self._session.scalars(statement))
        for row in rows:
            row.attempts += 1
            row.claimed_by = None
            row.claimed_until = None
            if max_attempts is None or row.attempts < max_attempts:
                row.status = OutboxStatus.PENDING.value
                row.not_before = now
                row.last_error = f"{UNKNOWN_OUTCOME}; resent"
            else:
                row.status = OutboxStatus.FAILED.value
                row.last_error = UNKNOWN_OUTCOME
        self._session.flush()
        return [row.chat_id for row in rows]

    def recent_sends(
        self, platform: str, since: datetime, *, front_end: str = ""
    ) -> list[tuple[str, datetime]]:
        """(chat id, sent at) of what the front end's bot sent since then: a new leader counts
        them against its rate limits before it sends anything itself."""
        rows = self._session.execute(
            select(OutboxRow.chat_id, OutboxRow.sent_at).where(
                OutboxRow.platform == platform,
                OutboxRow.front_end == front_end,
                OutboxRow.status == OutboxStatus.SENT.value,
                OutboxRow.sent_at >= since,
            )
        )
        return [(chat_id, sent_at) for chat_id, sent_at in rows if sent_at is not None]

    def get(self, message_id: int) -> OutboxMessage:
        return _message(self._session.get_one(OutboxRow, message_id))

    def get_by_key(self, idempotency_key: str) -> OutboxMessage | None:
        row = self._session.scalars(
            select(OutboxRow).where(OutboxRow.idempotency_key == idempotency_key)
        ).one_or_none()
        return _message(row) if row else None

    def for_chat(self, platform: str, chat_id: str) -> list[OutboxMessage]:
        rows = self._session.scalars(
            select(OutboxRow)
            .where(OutboxRow.platform == platform, OutboxRow.chat_id == chat_id)
            .order_by(OutboxRow.id)
        )
        return [_message(r) for r in rows]

    def recent_sent(
        self, platform: str, chat_id: str, limit: int = 10, *, front_end: str | None = None
    ) -> list[OutboxMessage]:
        """What the chat was sent last (by one front end's bot, when given), newest first."""
        query = select(OutboxRow).where(
            OutboxRow.platform == platform,
            OutboxRow.chat_id == chat_id,
            OutboxRow.status == OutboxStatus.SENT.value,
        )
        if front_end is not None:
            query = query.where(OutboxRow.front_end == front_end)
        rows = self._session.scalars(query.order_by(OutboxRow.id.desc()).limit(limit))
        return [_message(r) for r in rows]

    def sent_as(
        self, platform: str, chat_id: str, platform_message_id: str
    ) -> OutboxMessage | None:
        """The message the platform knows by this id, as last edited (edits share the id)."""
        row = self._session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.platform == platform,
                OutboxRow.chat_id == chat_id,
                OutboxRow.platform_message_id == platform_message_id,
            )
            .order_by(OutboxRow.id.desc())
            .limit(1)
        ).one_or_none()
        return _message(row) if row else None

    def count_by_status(self, platform: str) -> dict[OutboxStatus, int]:
        rows = self._session.execute(
            select(OutboxRow.status, func.count())
            .where(OutboxRow.platform == platform)
            .group_by(OutboxRow.status)
        )
        return {OutboxStatus(status): count for status, count in rows}
