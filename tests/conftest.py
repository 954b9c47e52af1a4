"""Shared fixtures: a migrated database on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.

Each PostgreSQL test session works in a schema of its own (dropped at the end), so the suite can
share a server with other databases and with parallel runs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Base
from storage.unit_of_work import Database

PG_URL_VARIABLE = "TEST_DATABASE_URL"


def _sqlite_engine(directory: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{directory / 'test.sqlite3'}"
    return url, make_engine(url)


def _postgres_engine() -> tuple[str, Engine, str]:
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: set {PG_URL_VARIABLE}")
        pytest.skip(
            f"PostgreSQL tests skipped: set {PG_URL_VARIABLE}, "
            "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return url, engine, schema


def _drop_schema(url: str, schema: str) -> None:
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Engine]]:
    if request.param == "sqlite":
        url, engine = _sqlite_engine(tmp_path_factory.mktemp("sqlite"))
        upgrade(engine)
        yield url, engine
        engine.dispose()
        return
    url, engine, schema = _postgres_engine()
    try:
        upgrade(engine)
        yield url, engine
    finally:
        engine.dispose()
        _drop_schema(url, schema)


def _empty_all_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def database(migrated_engine: tuple[str, Engine]) -> Iterator[Database]:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    url, engine = migrated_engine
    _empty_all_tables(engine)
    yield Database(url, engine=engine)
    _empty_all_tables(engine)


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """A fresh migrated SQLite database, for tests about dialogue rather than storage."""
    url, engine = _sqlite_engine(tmp_path)
    upgrade(engine)
    db = Database(url, engine=engine)
    yield db
    db.dispose()
