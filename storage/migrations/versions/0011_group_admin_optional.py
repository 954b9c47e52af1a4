"""group subscriptions without the admin's identity

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

A group's admin may subscribe the group without ever having written to the bot privately; no
platform identity is made for them just for that, so the link to the admin is optional.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("group_subscriptions", schema=None) as batch_op:
        batch_op.alter_column(
            "subscribed_by_identity_id", existing_type=sa.Integer(), nullable=True
        )


def downgrade() -> None:
    # the older schema needs an admin for every subscription: those without one end
    orphans = "SELECT id FROM group_subscriptions WHERE subscribed_by_identity_id IS NULL"
    op.execute(f"DELETE FROM group_alerts WHERE subscription_id IN ({orphans})")
    op.execute("DELETE FROM group_subscriptions WHERE subscribed_by_identity_id IS NULL")
    with op.batch_alter_table("group_subscriptions", schema=None) as batch_op:
        batch_op.alter_column(
            "subscribed_by_identity_id", existing_type=sa.Integer(), nullable=False
        )
