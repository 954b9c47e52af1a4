"""What a failed database call means for the caller, without SQLAlchemy types leaving storage."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError


def unavailable(error: BaseException) -> bool:
    """True when the database could not be reached or dropped the connection (it may work on
    the next try), False for a statement the database refused (it will fail again)."""
    if isinstance(error, OperationalError | InterfaceError | DisconnectionError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated
