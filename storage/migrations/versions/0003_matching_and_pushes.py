"""matching and pushes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

Postings and homes are filed in latitude bands (domain.places.geo_band) for the retrieval index;
existing rows get their band computed here. Existing accounts get the daily digest at 18:00.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types
from domain.places import geo_band

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "free_now_windows",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("geo_band", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=True),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.Column("starts_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_free_now_windows_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_free_now_windows")),
    )
    with op.batch_alter_table("free_now_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_free_now_windows_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index("ix_free_now_windows_geo_band_lon", ["geo_band", "lon"], unique=False)

    op.create_table(
        "digest_items",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_digest_items_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_digest_items_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "posting_id", name=op.f("pk_digest_items")),
    )
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_items_posting_id"), ["posting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_digest_items_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "push_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("wave", sa.SmallInteger(), nullable=True),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_as", sa.String(length=10), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_push_alerts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_push_alerts_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_alerts")),
        sa.UniqueConstraint(
            "posting_id", "account_id", name=op.f("uq_push_alerts_posting_id_account_id")
        ),
    )
    with op.batch_alter_table("push_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_push_alerts_account_id_created_at", ["account_id", "created_at"], unique=False
        )

    op.create_table(
        "push_campaigns",
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("wave", sa.SmallInteger(), nullable=False),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.Column("next_wave_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finish_reason", sa.String(length=20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_push_campaigns_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("posting_id", name=op.f("pk_push_campaigns")),
    )
    with op.batch_alter_table("push_campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_push_campaigns_next_wave_at"), ["next_wave_at"], unique=False
        )

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_band", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("digest_minute", sa.SmallInteger(), nullable=True, server_default="1080")
        )
        batch_op.add_column(
            sa.Column("last_digest_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_accounts_home_band_home_lon", ["home_band", "home_lon"], unique=False
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_platform_chat_id_id", ["platform", "chat_id", "id"], unique=False
        )
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("claimed_until", storage.types.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geo_band", sa.Integer(), nullable=True))
    _backfill_bands()
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.alter_column("geo_band", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_postings_lat_lon"))
        batch_op.create_index(
            "ix_postings_status_kind_category_geo_band_lon",
            ["status", "kind", "category", "geo_band", "lon"],
            unique=False,
        )
        batch_op.create_index(
            "ix_postings_status_kind_geo_band_lon",
            ["status", "kind", "geo_band", "lon"],
            unique=False,
        )


def _backfill_bands() -> None:
    connection = op.get_bind()
    postings = sa.table("postings", sa.column("id"), sa.column("lat"), sa.column("geo_band"))
    for posting_id, lat in connection.execute(sa.select(postings.c.id, postings.c.lat)).all():
        connection.execute(
            postings.update().where(postings.c.id == posting_id).values(geo_band=geo_band(lat))
        )
    accounts = sa.table("accounts", sa.column("id"), sa.column("home_lat"), sa.column("home_band"))
    homes = connection.execute(
        sa.select(accounts.c.id, accounts.c.home_lat).where(accounts.c.home_lat.is_not(None))
    ).all()
    for account_id, lat in homes:
        connection.execute(
            accounts.update().where(accounts.c.id == account_id).values(home_band=geo_band(lat))
        )


def downgrade() -> None:
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index("ix_postings_status_kind_geo_band_lon")
        batch_op.drop_index("ix_postings_status_kind_category_geo_band_lon")
        batch_op.create_index(batch_op.f("ix_postings_lat_lon"), ["lat", "lon"], unique=False)
        batch_op.drop_column("geo_band")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_platform_chat_id_id")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_home_band_home_lon")
        batch_op.drop_column("last_digest_at")
        batch_op.drop_column("digest_minute")
        batch_op.drop_column("home_band")

    with op.batch_alter_table("push_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_campaigns_next_wave_at"))

    op.drop_table("push_campaigns")
    with op.batch_alter_table("push_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_push_alerts_account_id_created_at")

    op.drop_table("push_alerts")
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_items_sent_at"))
        batch_op.drop_index(batch_op.f("ix_digest_items_posting_id"))

    op.drop_table("digest_items")
    with op.batch_alter_table("free_now_windows", schema=None) as batch_op:
        batch_op.drop_index("ix_free_now_windows_geo_band_lon")
        batch_op.drop_index(batch_op.f("ix_free_now_windows_ends_at"))

    op.drop_table("free_now_windows")
