"""Alembic, driven from code: `ehrenamt db upgrade` and the tests use the same path."""

from __future__ import annotations

import warnings
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SAWarning

MIGRATIONS = Path(__file__).with_name("migrations")
_SKIPPED_INDEX = "Skipped unsupported reflection of expression-based index"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        # env.py picks the live connection up, so tests can migrate inside their own schema
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection, warnings.catch_warnings():
        # On SQLite, batch mode reflects a table before adding a column to it and warns that it
        # skips the expression index on accounts; the column is added in place, the index stays
        # (tests/storage/test_schema.py), and the warning would only alarm the operator at the
        # first start.
        warnings.filterwarnings("ignore", _SKIPPED_INDEX, SAWarning)
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
