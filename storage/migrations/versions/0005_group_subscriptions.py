"""group subscriptions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21

Group chats (a club's Telegram group) subscribe to urgent needs of their topics and area.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("place_label", sa.String(length=120), nullable=False),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subscribed_by_identity_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscribed_by_identity_id"],
            ["platform_identities.id"],
            name=op.f("fk_group_subscriptions_subscribed_by_identity_id_platform_identities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_subscriptions")),
        sa.UniqueConstraint(
            "platform", "chat_id", name=op.f("uq_group_subscriptions_platform_chat_id")
        ),
    )
    with op.batch_alter_table("group_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_subscriptions_subscribed_by_identity_id"),
            ["subscribed_by_identity_id"],
            unique=False,
        )
    op.create_table(
        "group_alerts",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("closed_as", sa.String(length=10), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_group_alerts_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["group_subscriptions.id"],
            name=op.f("fk_group_alerts_subscription_id_group_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "posting_id", name=op.f("pk_group_alerts")),
    )
    with op.batch_alter_table("group_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_alerts_posting_id"), ["posting_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("group_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_alerts_posting_id"))
    op.drop_table("group_alerts")
    with op.batch_alter_table("group_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_subscriptions_subscribed_by_identity_id"))
    op.drop_table("group_subscriptions")
