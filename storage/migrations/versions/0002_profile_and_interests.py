"""profile and interests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

Existing accounts get an empty availability and notifications on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "posting_interests",
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_posting_interests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_posting_interests_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("posting_id", "account_id", name=op.f("pk_posting_interests")),
    )
    with op.batch_alter_table("posting_interests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_posting_interests_account_id"), ["account_id"], unique=False
        )

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("availability", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column(
                "notifications_enabled", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
        batch_op.add_column(sa.Column("quiet_start_minute", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("quiet_end_minute", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("quiet_end_minute")
        batch_op.drop_column("quiet_start_minute")
        batch_op.drop_column("notifications_enabled")
        batch_op.drop_column("availability")

    with op.batch_alter_table("posting_interests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posting_interests_account_id"))

    op.drop_table("posting_interests")
