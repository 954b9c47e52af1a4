"""Plain records the storage layer hands out for its technical tables (no SQLAlchemy types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    id: int
    platform: str
    external_id: str
    account_id: int | None
    unreachable: bool
    direct_chat_id: str | None = None  # a Matrix direct room; None where the user id is the chat
    front_end: str = ""  # the bot the user last wrote to privately ("" the shared one)


@dataclass(slots=True)
class ConversationState:
    """The dialogue position of one platform identity. Mutable: a flow step edits it in place."""

    identity_id: int
    language: str | None = None
    flow: str | None = None
    step: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True, slots=True)
class InboxEntry:
    id: int
    platform: str
    update_id: str
    chat_id: str
    identity_id: int | None
    payload: dict[str, Any] | None
    received_at: datetime
    handled_at: datetime | None
    front_end: str = ""  # the bot that received it ("" the shared one)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker (claimed_by) until claimed_until
    SENT = "sent"
    FAILED = "failed"  # given up: e.g. the user blocked the bot
    CANCELLED = "cancelled"  # never sent on purpose: an edit of a message nobody got


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    idempotency_key: str
    platform: str
    chat_id: str
    identity_id: int | None
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None
    platform_message_id: str | None
    last_error: str | None
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    transaction_id: str | None = None
    front_end: str = ""  # the bot that sends it ("" the shared one)


@dataclass(frozen=True, slots=True)
class ChannelCursor:
    name: str  # e.g. "matrix:@bot:example.org"
    position: str | None  # None until the first sync went through
    started_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject_kind: str
    subject_id: int
    municipality_key: str | None
    reason: str | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Report:
    """A user's abuse report about a posting or a user (the poster of a posting)."""

    id: int
    created_at: datetime
    reporter_account_id: int
    posting_id: int | None
    account_id: int | None  # the reported user
    municipality_key: str | None
    reason: str
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    platform: str
    front_end: str
    update_key: str
    reason: str
    at: datetime
