"""SQLAlchemy models: the one schema for SQLite and PostgreSQL (created only by Alembic).

Personal data hangs off `accounts` (directly, or through `platform_identities`), so that export
and erasure reach everything; tests/storage/test_personal_data.py keeps it that way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class MunicipalityRow(Base):
    """Mirror of config.yml's municipalities, so postings and accounts can reference them."""

    __tablename__ = "municipalities"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    centre_lat: Mapped[float] = mapped_column(Float)
    centre_lon: Mapped[float] = mapped_column(Float)
    default_radius_km: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AccountRow(Base):
    __tablename__ = "accounts"
    # push targeting: volunteers whose home lies in a box of bands and longitudes, with the
    # columns its prefilter tests on every home there (no row read for those that fail; on
    # PostgreSQL the rest of what it reads, too: an index-only scan)
    __table_args__ = (
        Index(
            "ix_accounts_home_band_home_lon_filters",
            "home_band",
            "home_lon",
            "notifications_enabled",
            "consent_at",
            "time_zone",
            text("CAST(availability AS VARCHAR)"),
            "home_lat",
            postgresql_include=[
                "availability",
                "id",
                "home_radius_km",
                "quiet_start_minute",
                "quiet_end_minute",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(5))
    time_zone: Mapped[str] = mapped_column(String(64))
    municipality_key: Mapped[str | None] = mapped_column(
        ForeignKey("municipalities.key", ondelete="SET NULL"), index=True
    )
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    home_label: Mapped[str | None] = mapped_column(String(120))
    home_radius_km: Mapped[float | None] = mapped_column(Float)
    home_band: Mapped[int | None] = mapped_column(Integer)  # domain.places.geo_band(home_lat)
    consent_at: Mapped[datetime | None]
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    notifications_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start_minute: Mapped[int | None] = mapped_column(SmallInteger)
    quiet_end_minute: Mapped[int | None] = mapped_column(SmallInteger)
    # the daily digest of new matches, at this local minute of the day; None: no digest
    digest_minute: Mapped[int | None] = mapped_column(SmallInteger, default=18 * 60)
    last_digest_at: Mapped[datetime | None]
    # set by an editor's /ban: the account may not post, and its postings are hidden
    banned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # the database cascades erasure; without passive_deletes the ORM would merely unlink rows
    identities: Mapped[list[IdentityRow]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )
    memberships: Mapped[list[MembershipRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    interests: Mapped[list[AccountInterestRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    qualifications: Mapped[list[AccountQualificationRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class IdentityRow(Base):
    """A platform user id. It exists before the account: nothing else is kept before consent."""

    __tablename__ = "platform_identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    unreachable_at: Mapped[datetime | None]
    # the private chat with this user where it is not addressed by the user id: a Matrix
    # direct room (replies and pushes to "@user:server" go there)
    direct_chat_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # the front end (bot account) the user last wrote to privately: "" the shared bot, else a
    # municipality key. Pushes go out through it, so they come from the bot the user talks to.
    front_end: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[AccountRow | None] = relationship(back_populates="identities")


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    municipality_key: Mapped[str | None] = mapped_column(
        ForeignKey("municipalities.key", ondelete="SET NULL"), index=True
    )
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MembershipRow(Base):
    __tablename__ = "memberships"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10))


class AccountInterestRow(Base):
    __tablename__ = "account_interests"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(32), primary_key=True)


class AccountQualificationRow(Base):
    __tablename__ = "account_qualifications"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    qualification: Mapped[str] = mapped_column(String(40), primary_key=True)


class PostingRow(Base):
    __tablename__ = "postings"
    __table_args__ = (
        # the retrieval prefilter: visible postings by category, by place, by time
        # (see domain.places.box_around: a band is an equality, the longitude a range)
        Index("ix_postings_status_category", "status", "category"),
        Index("ix_postings_status_kind_geo_band_lon", "status", "kind", "geo_band", "lon"),
        Index(
            "ix_postings_status_kind_category_geo_band_lon",
            "status",
            "kind",
            "category",
            "geo_band",
            "lon",
        ),
        Index("ix_postings_status_ends_at", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    time_kind: Mapped[str] = mapped_column(String(10))
    time_zone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    geo_band: Mapped[int] = mapped_column(Integer)
    place_label: Mapped[str] = mapped_column(String(120))
    radius_km: Mapped[float] = mapped_column(Float)
    quantity: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    owner_account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    municipality_key: Mapped[str] = mapped_column(
        ForeignKey("municipalities.key", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the owner is banned: out of every search, match and push, whatever its status, until unban
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    qualifications: Mapped[list[PostingQualificationRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    weekly_slots: Mapped[list[PostingWeeklySlotRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class PostingQualificationRow(Base):
    __tablename__ = "posting_qualifications"

    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True
    )
    qualification: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class PostingWeeklySlotRow(Base):
    """A weekly slot in the posting's own zone, as minutes after local midnight."""

    __tablename__ = "posting_weekly_slots"

    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    start_minute: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    end_minute: Mapped[int] = mapped_column(SmallInteger)


class PostingInterestRow(Base):
    """ "I'm interested": a volunteer's interest in a posting, for its owner to follow up."""

    __tablename__ = "posting_interests"

    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationStateRow(Base):
    """Where a user is in a dialogue; survives restarts so a conversation resumes mid-step."""

    __tablename__ = "conversation_states"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("platform_identities.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str | None] = mapped_column(String(5))
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    slots: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboxRow(Base):
    """Every platform update once: a replayed update id is recognised and not handled again.

    The payload is cleared once handled; only the key stays for de-duplication."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(128))
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform_identities.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[str] = mapped_column(String(255))
    # the front end that received it; update_id is already unique per bot (a Telegram key
    # carries the bot's id, Matrix event ids are global), so the unique key stays as it is
    front_end: Mapped[str] = mapped_column(String(40), default="", server_default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]


class OutboxRow(Base):
    """A message waiting for, or past, delivery. The idempotency key makes a retry safe."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        # a claim takes the head of each chat's queue of one front end (OutboxRepository.claim)
        Index("ix_outbox_platform_front_end_chat_id_id", "platform", "front_end", "chat_id", "id"),
        # a bot's new leader reads what went out in the last minute (OutboxRepository.recent_sends)
        Index("ix_outbox_platform_front_end_sent_at", "platform", "front_end", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    # the bot account that sends it ("" the shared one, else a municipality key): only that
    # front end's worker claims it, since a chat id means nothing to another bot
    front_end: Mapped[str] = mapped_column(String(40), default="", server_default="")
    chat_id: Mapped[str] = mapped_column(String(255))
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform_identities.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # a worker's claim: while it lasts no other worker touches the row (see OutboxRepository.claim)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(255))
    # fixed at enqueue and reused by every attempt: Matrix accepts a transaction id once, so a
    # retried send cannot duplicate
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class ChannelCursorRow(Base):
    """Where a channel's intake stands (a Matrix sync token), advanced only after what came
    before it is in the inbox, and when the channel first started (older events are ignored)."""

    __tablename__ = "channel_cursors"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    position: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeadLetterRow(Base):
    """An update or event intake could not parse, verify or record: set aside and acknowledged,
    so the ones behind it go on. Only where it came from and why, never its content (personal
    data the bot never consented to keep)."""

    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("platform", "front_end", "update_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    front_end: Mapped[str] = mapped_column(String(40), default="", server_default="")
    update_key: Mapped[str] = mapped_column(String(255))  # the platform's update or event id
    reason: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FreeNowWindowRow(Base):
    """ "I'm free now, here": where a volunteer is and until when. The row, and with it the precise
    location, is deleted when the window closes."""

    __tablename__ = "free_now_windows"
    __table_args__ = (Index("ix_free_now_windows_geo_band_lon", "geo_band", "lon"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    geo_band: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(120))
    radius_km: Mapped[float] = mapped_column(Float)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    live: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PushCampaignRow(Base):
    """The alerting of an urgent need: which wave it is in and when the next one is due."""

    __tablename__ = "push_campaigns"

    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True
    )
    wave: Mapped[int] = mapped_column(SmallInteger, default=0)
    radius_km: Mapped[float] = mapped_column(Float)
    next_wave_at: Mapped[datetime | None] = mapped_column(index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    finish_reason: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=0)


class PushAlertRow(Base):
    """One push about one posting to one volunteer: at most one ever (the unique key), answered
    with help / not now, and updated when the posting closes."""

    __tablename__ = "push_alerts"
    __table_args__ = (
        UniqueConstraint("posting_id", "account_id"),
        Index("ix_push_alerts_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(10))  # urgent | free_now
    wave: Mapped[int | None] = mapped_column(SmallInteger)
    distance_km: Mapped[float] = mapped_column(Float)
    answer: Mapped[str | None] = mapped_column(String(10))  # help | not_now
    answered_at: Mapped[datetime | None]
    closed_as: Mapped[str | None] = mapped_column(String(10))  # filled | cancelled (follow-up sent)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestItemRow(Base):
    """A non-urgent new match waiting for the volunteer's daily digest."""

    __tablename__ = "digest_items"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class GroupSubscriptionRow(Base):
    """A group chat that gets urgent needs of its topics and area. It was set up by one of the
    group's admins and goes with their identity when that is erased; an admin who never wrote to
    the bot privately has no identity, and none is made for this (the link stays empty)."""

    __tablename__ = "group_subscriptions"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    # the bot that was asked in the group (its alerts come from it): "" the shared one, else a
    # municipality key
    front_end: Mapped[str] = mapped_column(String(40), default="", server_default="")
    title: Mapped[str | None] = mapped_column(String(255))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    place_label: Mapped[str] = mapped_column(String(120))
    radius_km: Mapped[float] = mapped_column(Float)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every topic
    language: Mapped[str] = mapped_column(String(5))
    subscribed_by_identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform_identities.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class GroupAlertRow(Base):
    """An urgent need posted to a subscribed group: once per group and need."""

    __tablename__ = "group_alerts"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("group_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    closed_as: Mapped[str | None] = mapped_column(String(10))  # filled | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntryRow(Base):
    """One editorial action: who (an editor's platform id), when, what, to which object, why.

    Written in the same transaction as the action. It names objects by id and copies none of
    their content, and it stays when the object is deleted: the editors' accountability
    outlives a posting (see NOT_PERSONAL)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_kind", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(300))  # "telegram:123456", never a name
    action: Mapped[str] = mapped_column(String(20))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    municipality_key: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReportRow(Base):
    """A user's abuse report ("melden") about a posting or a user, until an editor resolves it.

    The reporter's words are theirs: the report goes with the reporter's account (and with the
    reported posting or account); what the editor decided stays in the audit log."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_open", "municipality_key", "resolved_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reporter_account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    posting_id: Mapped[int | None] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    municipality_key: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(300))  # an editor's platform id
    resolution: Mapped[str | None] = mapped_column(String(500))


PERSONAL_DATA_ROOTS = ("accounts", "platform_identities")
# channel_cursors: a sync token and a start time, about the bot and nobody else;
# audit_log: editors' actions by their platform ids (staff acting in office) on objects named by
# id only, kept for accountability when the object is gone; dead_letters: a platform's update
# id and a reason, never whose it was or what it said
NOT_PERSONAL = (
    "municipalities",
    "organisations",
    "channel_cursors",
    "audit_log",
    "dead_letters",
    "alembic_version",
)
