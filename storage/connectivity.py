"""Whether the database answers, in one line for the operator.

The driver's words at connect are long and name the server twice ("connection failed: connection
to server at "127.0.0.1", port 5432 failed: FATAL:  database "x" does not exist"), and SQLAlchemy
wraps them in a traceback of a hundred lines. What the operator needs: which database (its
password hidden) and what is wrong. A failure the server may get over by itself — nothing
listening yet, a timeout, a name not yet resolvable, a server still starting — is
DatabaseUnreachable, a ConnectionError the caller may retry; anything else (no such database, a
failed login, a file that cannot be opened) is DatabaseUnusable, which waiting does not mend.
Later, `unavailable` tells a running process the same about a failed statement."""

from __future__ import annotations

from typing import Final

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

from storage.unit_of_work import Database

__all__ = [
    "DatabaseUnreachable",
    "DatabaseUnusable",
    "check_connection",
    "shown_url",
    "unavailable",
]

# (what the driver says, lower-cased; how we say it) for failures worth waiting out
_TRANSIENT: Final = (
    ("connection refused", "connection refused"),
    ("timeout expired", "timed out"),
    ("timed out", "timed out"),
    ("failed to resolve host", "host name not found"),
    ("could not translate host name", "host name not found"),
    ("no route to host", "no route to host"),
    ("network is unreachable", "network is unreachable"),
    ("the database system is starting up", "the server is starting up"),
    ("the database system is shutting down", "the server is shutting down"),
    ("the database system is in recovery mode", "the server is in recovery"),
    ("server closed the connection unexpectedly", "the server closed the connection"),
    ("too many clients", "the server has too many connections"),
    ("database is locked", "the database file is locked"),
)
_SEVERITIES: Final = ("FATAL:", "ERROR:")


class DatabaseUnreachable(ConnectionError):
    """The database did not answer; it may yet."""


class DatabaseUnusable(RuntimeError):
    """The database answered no, or cannot be opened at all."""


def shown_url(url: str) -> str:
    """The URL with its password as ***, fit for a message."""
    return make_url(url).render_as_string(hide_password=True)


def check_connection(database: Database) -> None:
    """Connect once; raise DatabaseUnreachable or DatabaseUnusable with one line when that
    fails."""
    try:
        with database.engine.connect():
            pass
    except DBAPIError as error:
        said = str(error.orig if error.orig is not None else error)
        where = f"database {shown_url(database.url)}"
        lowered = said.lower()
        for marker, reason in _TRANSIENT:
            if marker in lowered:
                raise DatabaseUnreachable(f"{where} is not reachable: {reason}") from None
        raise DatabaseUnusable(f"{where} cannot be used: {_gist(said)}") from None


def _gist(said: str) -> str:
    """The server's own words without the driver's preamble: 'database "x" does not exist'."""
    lines = said.strip().splitlines()
    if not lines:
        return "unknown error"
    gist = lines[0].rsplit(" failed: ", 1)[-1].strip()
    for severity in _SEVERITIES:
        gist = gist.removeprefix(severity).strip()
    return gist or lines[0]


def unavailable(error: BaseException) -> bool:
    """True when the database could not be reached or dropped the connection (it may work on
    the next try), False for a statement the database refused (it will fail again); without
    SQLAlchemy types leaving storage."""
    if isinstance(error, OperationalError | InterfaceError | DisconnectionError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated
