"""moderation: bans, hidden postings, abuse reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21

An editor's /ban marks the account and hides its postings; users' "melden" files a report about
a posting or a user that an editor resolves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("banned_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reporter_account_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("municipality_key", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("resolved_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=300), nullable=True),
        sa.Column("resolution", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_reports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_reports_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_account_id"],
            ["accounts.id"],
            name=op.f("fk_reports_reporter_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            "ix_reports_open", ["municipality_key", "resolved_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reports_posting_id"), ["posting_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reports_reporter_account_id"), ["reporter_account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_reporter_account_id"))
        batch_op.drop_index(batch_op.f("ix_reports_posting_id"))
        batch_op.drop_index("ix_reports_open")
        batch_op.drop_index(batch_op.f("ix_reports_account_id"))
    op.drop_table("reports")
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_column("hidden")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("banned_at")
