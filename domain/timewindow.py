"""When a posting applies: a one-off start–end, weekly recurring slots, or open-ended.

Instants are timezone-aware and normalised to UTC; weekly slots are wall-clock times in a named
zone (a Tuesday 18–20 h slot stays 18–20 h across the change to summer time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import ValidationError

Interval = tuple[datetime, datetime]


class TimeWindowKind(StrEnum):
    ONE_OFF = "one_off"
    WEEKLY = "weekly"
    OPEN = "open"


def to_utc(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must carry a time zone")
    return value.astimezone(UTC)


def check_time_zone(name: str, field: str = "time_zone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(field, f"unknown time zone {name!r}") from None


@dataclass(frozen=True, slots=True)
class OneOff:
    start: datetime
    end: datetime

    kind = TimeWindowKind.ONE_OFF

    def __post_init__(self) -> None:
        start = to_utc(self.start, "time.start")
        end = to_utc(self.end, "time.end")
        if end <= start:
            raise ValidationError("time.end", "must be after the start")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        return self.start, self.end

    def intervals(self, start: datetime, end: datetime) -> list[Interval]:
        return _clip([(self.start, self.end)], start, end)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True, order=True)
class WeeklySlot:
    """A weekly slot: weekday 0 = Monday … 6 = Sunday, wall-clock start and end on that day."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValidationError("time.slots.weekday", "must be between 0 (Monday) and 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValidationError("time.slots", "slot times are wall-clock times without a zone")
        if self.end <= self.start:
            raise ValidationError("time.slots.end", "must be after the start")


@dataclass(frozen=True, slots=True)
class Weekly:
    slots: tuple[WeeklySlot, ...]
    time_zone: str = "Europe/Berlin"
    valid_from: date | None = None
    valid_until: date | None = None

    kind = TimeWindowKind.WEEKLY

    def __post_init__(self) -> None:
        if not self.slots:
            raise ValidationError("time.slots", "needs at least one weekly slot")
        if len(self.slots) > 21:
            raise ValidationError("time.slots", "at most 21 weekly slots")
        check_time_zone(self.time_zone, "time.time_zone")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError("time.valid_until", "must not be before valid_from")
        object.__setattr__(self, "slots", tuple(sorted(set(self.slots))))

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        zone = ZoneInfo(self.time_zone)
        first = (
            datetime.combine(self.valid_from, time.min, zone).astimezone(UTC)
            if self.valid_from
            else None
        )
        last = (
            datetime.combine(self.valid_until + timedelta(days=1), time.min, zone).astimezone(UTC)
            if self.valid_until
            else None
        )
        return first, last

    def intervals(self, start: datetime, end: datetime) -> list[Interval]:
        zone = ZoneInfo(self.time_zone)
        start, end = to_utc(start, "start"), to_utc(end, "end")
        day = start.astimezone(zone).date() - timedelta(days=1)
        last_day = end.astimezone(zone).date()
        found: list[Interval] = []
        while day <= last_day:
            in_validity = (self.valid_from is None or day >= self.valid_from) and (
                self.valid_until is None or day <= self.valid_until
            )
            if in_validity:
                for slot in self.slots:
                    if slot.weekday == day.weekday():
                        found.append(
                            (
                                datetime.combine(day, slot.start, zone).astimezone(UTC),
                                datetime.combine(day, slot.end, zone).astimezone(UTC),
                            )
                        )
            day += timedelta(days=1)
        return _clip(found, start, end)


@dataclass(frozen=True, slots=True)
class OpenEnded:
    """Any time (optionally from / until): a standing offer such as "I can repair bikes"."""

    valid_from: datetime | None = None
    valid_until: datetime | None = None

    kind = TimeWindowKind.OPEN

    def __post_init__(self) -> None:
        if self.valid_from is not None:
            object.__setattr__(self, "valid_from", to_utc(self.valid_from, "time.valid_from"))
        if self.valid_until is not None:
            object.__setattr__(self, "valid_until", to_utc(self.valid_until, "time.valid_until"))
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError("time.valid_until", "must be after valid_from")

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        return self.valid_from, self.valid_until

    def intervals(self, start: datetime, end: datetime) -> list[Interval]:
        lo = self.valid_from or to_utc(start, "start")
        hi = self.valid_until or to_utc(end, "end")
        return _clip([(lo, hi)], start, end)


TimeWindow = OneOff | Weekly | OpenEnded


def _clip(intervals: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    start, end = to_utc(start, "start"), to_utc(end, "end")
    return [(max(a, start), min(b, end)) for a, b in intervals if a < end and b > start]


def overlap(window: TimeWindow, start: datetime, end: datetime) -> timedelta:
    """How much of [start, end) the window covers."""
    return sum((b - a for a, b in window.intervals(start, end)), timedelta())
