"""dead letters: updates intake set aside; recent sends by bot

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

An update or event that cannot be parsed, verified or recorded is noted here (where from, its
id, why; never its content) and acknowledged, so it never holds up the ones behind it. A bot's
new leader process reads what the bot sent in the last minute, to keep to its rate limits from
the first send.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("front_end", sa.String(length=40), server_default="", nullable=False),
        sa.Column("update_key", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint(
            "platform",
            "front_end",
            "update_key",
            name=op.f("uq_dead_letters_platform_front_end_update_key"),
        ),
    )
    op.create_index(op.f("ix_dead_letters_at"), "dead_letters", ["at"], unique=False)
    op.create_index(
        "ix_outbox_platform_front_end_sent_at",
        "outbox",
        ["platform", "front_end", "sent_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_platform_front_end_sent_at", table_name="outbox")
    op.drop_index(op.f("ix_dead_letters_at"), table_name="dead_letters")
    op.drop_table("dead_letters")
