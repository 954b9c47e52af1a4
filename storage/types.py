"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from domain.actors import QuietHours


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones: it stores naive UTC. A naive value on the way in is refused, because
    guessing its zone is how a 10:00 shift silently becomes 11:00."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Wall-clock times of day (quiet hours, weekly slots, the digest) are stored as minutes after
# local midnight: one small integer that sorts and compares like the time it stands for.


def clock_of(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


def quiet_hours_of(start_minute: int | None, end_minute: int | None) -> QuietHours | None:
    if start_minute is None or end_minute is None:
        return None
    return QuietHours(clock_of(start_minute), clock_of(end_minute))
