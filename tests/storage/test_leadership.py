"""One process leads each bot: the election works across processes, on SQLite and PostgreSQL,
and a killed leader's lead is free at once (no lease to wait out)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.unit_of_work import Database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def second(database: Database) -> Iterator[Database]:
    """Another process's view of the same database (its own leadership)."""
    other = Database(database.url, engine=database.engine)
    yield other
    other.leadership.close()


def test_one_leader_per_bot(database: Database, second: Database) -> None:
    assert database.leadership.try_lead("telegram:1")
    assert database.leadership.try_lead("telegram:1")  # asking again keeps it
    assert not second.leadership.try_lead("telegram:1")
    assert second.leadership.try_lead("telegram:2")  # another bot is another election
    assert database.leadership.leads("telegram:1")
    assert not second.leadership.leads("telegram:1")
    database.leadership.step_down("telegram:1")
    assert not database.leadership.leads("telegram:1")
    assert second.leadership.try_lead("telegram:1")
    database.leadership.close()


def _schema(database: Database) -> str:
    if database.engine.dialect.name != "postgresql":
        return ""
    with database.engine.connect() as connection:
        return str(connection.scalar(text("SELECT current_schema()")))


LEADER = """
import sys, time
from storage.db import make_engine
from storage.unit_of_work import Database

url, schema = sys.argv[1], sys.argv[2]
options = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
database = Database(url, engine=make_engine(url, **options))
assert database.leadership.try_lead("telegram:42")
print("leading", flush=True)
time.sleep(120)
"""


def test_a_killed_leader_is_replaced_at_once(database: Database, second: Database) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(LEADER), database.url, _schema(database)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "leading"
        assert not second.leadership.try_lead("telegram:42")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not second.leadership.try_lead("telegram:42"):
            assert time.monotonic() < deadline, "the dead leader's lead was never freed"
            time.sleep(0.05)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
