"""An INSERT that may do nothing on a conflict: the one statement SQLite and PostgreSQL spell
alike, but which SQLAlchemy builds per dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, model: Any) -> postgresql.Insert | sqlite.Insert:
    """`insert(model)` of the session's dialect, with `.on_conflict_do_nothing()` at hand."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
