"""Whether the database answers, in one line: transient failures as DatabaseUnreachable (a
ConnectionError, to be retried), refusals as DatabaseUnusable; the password never shown."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

import storage.db
from storage.connectivity import (
    DatabaseUnreachable,
    DatabaseUnusable,
    check_connection,
    shown_url,
)
from storage.db import make_engine
from storage.unit_of_work import Database


def test_a_server_not_listening_is_unreachable_and_its_password_hidden() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database = Database(f"postgresql+psycopg://bot:geheim-123@127.0.0.1:{port}/ehrenamt")
    try:
        with pytest.raises(DatabaseUnreachable) as caught:
            check_connection(database)
    finally:
        database.dispose()
    assert str(caught.value) == (
        f"database postgresql+psycopg://bot:***@127.0.0.1:{port}/ehrenamt"
        " is not reachable: connection refused"
    )
    assert isinstance(caught.value, ConnectionError)


def test_a_file_that_cannot_be_opened_is_unusable(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path}")  # a directory, not a database file
    try:
        with pytest.raises(DatabaseUnusable) as caught:
            check_connection(database)
    finally:
        database.dispose()
    assert str(caught.value) == (
        f"database sqlite:///{tmp_path} cannot be used: unable to open database file"
    )


def test_a_database_that_answers_passes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ok.sqlite3'}"
    database = Database(url)
    try:
        check_connection(database)
    finally:
        database.dispose()


def test_a_shown_url_has_no_password() -> None:
    shown = shown_url("postgresql+psycopg://bot:p%40ss@db.example.org:5432/ehrenamt")
    assert shown == "postgresql+psycopg://bot:***@db.example.org:5432/ehrenamt"


def test_postgresql_connections_wait_a_bounded_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """libpq would wait for the system's TCP timeout (minutes) for a server dropping packets."""
    given: list[dict[str, Any]] = []

    def create_engine(url: str, **options: Any) -> None:
        given.append(options)

    monkeypatch.setattr(storage.db, "create_engine", create_engine)
    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    make_engine("postgresql+psycopg://bot@db/x", connect_args={"options": "-csearch_path=s"})
    make_engine("postgresql+psycopg://bot@db/x?connect_timeout=3")
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "4")
    make_engine("postgresql+psycopg://bot@db/x")
    assert [options.get("connect_args") for options in given] == [
        {"options": "-csearch_path=s", "connect_timeout": 10},
        None,  # the operator's own choice, in the URL or the environment, stands
        None,
    ]
