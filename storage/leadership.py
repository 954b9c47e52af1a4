"""Which process serves a bot: one at a time among all processes on one database.

A bot's limits belong to its token (Telegram counts per bot, a homeserver per account), and
Telegram lets one poller fetch a bot's updates. So each bot is served by one elected process,
its leader: it fetches the bot's updates and sends its messages; other processes stand by and
take over when it stops. The election is a lock the operating system or the database releases
by itself when the holder dies, so a stand-by takes over within its next try and never waits
for a lease to run out:

- PostgreSQL: a session-level advisory lock per bot, all held on one connection of their own.
  A killed process's connection closes at once and its locks with it; the connection keeps
  TCP keepalives short on both ends, so a vanished host is noticed in seconds too.
- SQLite (one host by nature): an exclusive `flock` on a lock file beside the database file;
  the kernel drops it with the process. An in-memory database is one process's alone.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import threading
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class Leadership(Protocol):
    def try_lead(self, name: str) -> bool:
        """Become the leader of `name` if nobody is; True when this process leads it."""
        ...

    def leads(self, name: str) -> bool:
        """Whether this process still leads `name` (False once the lock was lost)."""
        ...

    def step_down(self, name: str) -> None: ...

    def close(self) -> None: ...


def leadership_for(engine: Engine) -> Leadership:
    if engine.dialect.name == "postgresql":
        return AdvisoryLocks(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        return ProcessLocks()
    return FileLocks(Path(database).expanduser())


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock."""
    digest = hashlib.sha256(f"ehrenamt-bot leader {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLocks:
    """Advisory locks are per database; the key also names the schema, so deployments (and test
    sessions) in schemas of one database don't elect each other's leaders."""

    def __init__(self, engine: Engine) -> None:
        # one connection of the engine's pool, kept checked out while any lock is held
        self._engine = engine
        self._connection: Connection | None = None
        self._schema = ""
        self._held: set[str] = set()
        self._guard = threading.Lock()

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            # the server notices a vanished client host within seconds (a killed process's
            # connection closes at once anyway), not after the default two hours
            for setting in ("idle 5", "interval 2", "count 3"):
                name, value = setting.split()
                connection.execute(text(f"SET tcp_keepalives_{name} = {value}"))
            self._schema = str(connection.scalar(text("SELECT current_schema()")) or "")
            self._connection = connection
        return self._connection

    def _lost(self) -> None:
        if self._held:
            log.warning(
                "the database connection holding %s was lost", ", ".join(sorted(self._held))
            )
        self._held.clear()
        if self._connection is not None:
            try:
                self._connection.invalidate()  # really closed, never back into the pool
            except Exception:  # already broken: closing is only tidying up
                log.debug("closing a broken leadership connection failed", exc_info=True)
            self._connection = None

    def try_lead(self, name: str) -> bool:
        with self._guard:
            if name in self._held:
                return self._alive()
            try:
                connection = self._connect()
                won = connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key(name)}
                )
            except Exception:
                self._lost()
                raise
            if won:
                self._held.add(name)
            return bool(won)

    def _key(self, name: str) -> int:
        return lock_key(f"{self._schema}/{name}")

    def _alive(self) -> bool:
        try:
            self._connect().execute(text("SELECT 1"))
        except Exception:
            self._lost()
            return False
        return True

    def leads(self, name: str) -> bool:
        with self._guard:
            return name in self._held and self._alive()

    def step_down(self, name: str) -> None:
        with self._guard:
            if name not in self._held:
                return
            self._held.discard(name)
            try:
                self._connect().execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self._key(name)}
                )
            except Exception:
                self._lost()  # the lock went with the connection

    def close(self) -> None:
        with self._guard:
            self._held.clear()
            if self._connection is not None:
                # session locks outlive a return to the pool: released first
                try:
                    self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
                    self._connection.close()
                except Exception:
                    self._connection.invalidate()
                self._connection = None


class FileLocks:
    def __init__(self, database: Path) -> None:
        self._database = database
        self._files: dict[str, IO[bytes]] = {}
        self._guard = threading.Lock()

    def path(self, name: str) -> Path:
        return self._database.with_name(f"{self._database.name}.{_UNSAFE.sub('_', name)}.lock")

    def try_lead(self, name: str) -> bool:
        with self._guard:
            if name in self._files:
                return True
            path = self.path(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("ab")
            try:
                # per open file, not per process: a second open in this process is refused too
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n".encode())
            handle.flush()
            self._files[name] = handle
            return True

    def leads(self, name: str) -> bool:
        with self._guard:
            return name in self._files

    def step_down(self, name: str) -> None:
        with self._guard:
            handle = self._files.pop(name, None)
        if handle is not None:
            handle.close()  # closing the last descriptor releases the flock

    def close(self) -> None:
        for name in list(self._files):
            self.step_down(name)


class ProcessLocks:
    """For an in-memory database, which no other process can open: this object decides."""

    def __init__(self) -> None:
        self._held: set[str] = set()
        self._guard = threading.Lock()

    def try_lead(self, name: str) -> bool:
        with self._guard:
            self._held.add(name)
            return True

    def leads(self, name: str) -> bool:
        return name in self._held

    def step_down(self, name: str) -> None:
        with self._guard:
            self._held.discard(name)

    def close(self) -> None:
        self._held.clear()
