"""matrix channel

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21

The Matrix channel: a user's direct room, the transaction id of every outgoing message (a
retried send is idempotent), and where the sync stands (channel_cursors).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_cursors",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Text(), nullable=True),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_channel_cursors")),
    )
    with op.batch_alter_table("platform_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("direct_chat_id", sa.String(length=255), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_platform_identities_direct_chat_id"), ["direct_chat_id"], unique=False
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transaction_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("transaction_id")
    with op.batch_alter_table("platform_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_identities_direct_chat_id"))
        batch_op.drop_column("direct_chat_id")
    op.drop_table("channel_cursors")
