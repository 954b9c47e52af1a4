"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.migrate import current_revision, head_revision, is_up_to_date
from storage.models import Base
from storage.unit_of_work import Database


def test_migrations_match_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_database_is_at_head(database: Database) -> None:
    assert current_revision(database.engine) == head_revision()
    assert is_up_to_date(database.engine)


def test_expected_tables_exist(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {
        "accounts",
        "platform_identities",
        "organisations",
        "memberships",
        "postings",
        "posting_qualifications",
        "posting_weekly_slots",
        "conversation_states",
        "inbox",
        "outbox",
        "municipalities",
    } <= tables


def test_inbox_unique_on_platform_and_update(database: Database) -> None:
    constraints = inspect(database.engine).get_unique_constraints("inbox")
    assert any(set(c["column_names"]) == {"platform", "update_id"} for c in constraints)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_database: Database) -> None:
    with sqlite_database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_expression_index_on_homes_survives_the_sqlite_migrations(
    sqlite_database: Database,
) -> None:
    # batch mode cannot reflect it (and its warning is silenced in storage/migrate.py): the
    # migrations after it must add columns in place, never copy the table without it
    with sqlite_database.engine.connect() as connection:
        found = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND name = :name"),
            {"name": "ix_accounts_home_band_home_lon_filters"},
        ).scalar()
    assert found == "ix_accounts_home_band_home_lon_filters"
