"""front ends: one bot per municipality

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22

A municipality may run its own Telegram bot and Matrix account (its front end) on the shared
backend. Each identity remembers the front end the user last wrote to privately (pushes go out
through it), inbox entries and outbox messages name the front end that received or sends them
(a worker claims only its own), and a group subscription the bot that was asked in the group.
"" is the shared bot, so every existing row keeps meaning what it meant.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("platform_identities", "inbox", "outbox", "group_subscriptions")


def _front_end() -> sa.Column[str]:
    return sa.Column("front_end", sa.String(length=40), server_default="", nullable=False)


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_front_end())
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        # a claim reads the head of each chat's queue within one front end
        batch_op.drop_index("ix_outbox_platform_chat_id_id")
        batch_op.create_index(
            "ix_outbox_platform_front_end_chat_id_id",
            ["platform", "front_end", "chat_id", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_platform_front_end_chat_id_id")
        batch_op.create_index(
            "ix_outbox_platform_chat_id_id", ["platform", "chat_id", "id"], unique=False
        )
    for table in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("front_end")
