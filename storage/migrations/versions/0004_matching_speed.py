"""matching speed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

The homes of push targeting: the band/longitude index of accounts also carries the columns the
targeting prefilter tests on every home in a ring (notifications, consent, zone, the named
availability as text), so a home that fails them is passed over without reading its row — in a
city a wave's widest ring holds thousands of homes. The narrower index it replaces is its prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOMES_INDEX = "ix_accounts_home_band_home_lon_filters"
HOMES_COLUMNS = (
    "home_band",
    "home_lon",
    "notifications_enabled",
    "consent_at",
    "time_zone",
    sa.text("CAST(availability AS VARCHAR)"),
    "home_lat",
)
# PostgreSQL keeps the rest of what the prefilter reads in the index as well (SQLite ignores
# this), and then answers from the index alone
HOMES_INCLUDE = ["availability", "id", "home_radius_km", "quiet_start_minute", "quiet_end_minute"]


def upgrade() -> None:
    op.create_index(
        HOMES_INDEX,
        "accounts",
        list(HOMES_COLUMNS),
        unique=False,
        postgresql_include=HOMES_INCLUDE,
    )
    op.drop_index("ix_accounts_home_band_home_lon", table_name="accounts")


def downgrade() -> None:
    op.create_index(
        "ix_accounts_home_band_home_lon", "accounts", ["home_band", "home_lon"], unique=False
    )
    op.drop_index(HOMES_INDEX, table_name="accounts")
