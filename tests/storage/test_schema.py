"""The Alembic migrations build exactly the schema the models describe, on both backends; a start
recognises an up-to-date database without importing Alembic (storage.migrate.is_up_to_date)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.db import make_engine
from storage.migrate import (
    current_revision,
    downgrade,
    head_revision,
    is_up_to_date,
    script_head,
    stamped_revisions,
    upgrade_unless_up_to_date,
)
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


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    assert script_head() == head_revision()


def test_the_database_stamp_is_read_without_alembic(database: Database) -> None:
    assert stamped_revisions(database.engine) == (head_revision(),)


def test_an_unmigrated_database_is_migrated_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        assert stamped_revisions(engine) is None
        assert not is_up_to_date(engine)
        upgrade_unless_up_to_date(engine)
        assert is_up_to_date(engine)
        downgrade(engine, "0008")
        assert not is_up_to_date(engine)  # behind: the stamp is not the head
        upgrade_unless_up_to_date(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def _migration(directory: Path, revision: str, down: str) -> None:
    (directory / f"{revision}_x.py").write_text(
        f'import sqlalchemy as sa\n\nrevision: str = "{revision}"\ndown_revision = {down}\n'
        "COLUMN = sa.Column('x', sa.Integer)\n",
        encoding="utf-8",
    )


def test_the_head_is_left_to_alembic_unless_it_is_plain(tmp_path: Path) -> None:
    _migration(tmp_path, "a", "None")
    _migration(tmp_path, "b", '"a"')
    assert script_head(tmp_path) == "b"
    _migration(tmp_path, "c", '"a"')  # a second branch: two heads
    assert script_head(tmp_path) is None
    _migration(tmp_path, "d", '("b", "c")')  # merged again
    assert script_head(tmp_path) == "d"
    _migration(tmp_path, "e", "compute()")  # not a literal
    assert script_head(tmp_path) is None
