"""Time windows to and from the JSON the conversation state holds, and from NLU time values."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import ValidationError
from domain.timewindow import OneOff, OpenEnded, TimeWindow, Weekly, WeeklySlot

DEFAULT_DURATION = timedelta(hours=2)


def to_data(window: TimeWindow) -> dict[str, Any]:
    if isinstance(window, OneOff):
        return {"kind": "one_off", "start": window.start.isoformat(), "end": window.end.isoformat()}
    if isinstance(window, OpenEnded):
        return {
            "kind": "open",
            "from": window.valid_from.isoformat() if window.valid_from else None,
            "until": window.valid_until.isoformat() if window.valid_until else None,
        }
    return {
        "kind": "weekly",
        "slots": [
            [s.weekday, s.start.isoformat("minutes"), s.end.isoformat("minutes")]
            for s in window.slots
        ],
        "tz": window.time_zone,
        "valid_from": window.valid_from.isoformat() if window.valid_from else None,
        "valid_until": window.valid_until.isoformat() if window.valid_until else None,
    }


def from_data(data: dict[str, Any]) -> TimeWindow:
    kind = data["kind"]
    if kind == "one_off":
        return OneOff(datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"]))
    if kind == "open":
        return OpenEnded(
            datetime.fromisoformat(data["from"]) if data.get("from") else None,
            datetime.fromisoformat(data["until"]) if data.get("until") else None,
        )
    return Weekly(
        tuple(
            WeeklySlot(d, time.fromisoformat(a), time.fromisoformat(b)) for d, a, b in data["slots"]
        ),
        data["tz"],
        date.fromisoformat(data["valid_from"]) if data.get("valid_from") else None,
        date.fromisoformat(data["valid_until"]) if data.get("valid_until") else None,
    )


def from_entity(value: Any) -> TimeWindow | None:
    """An NLU time value (instant or {"from", "to"}) as a window; None if unusable."""
    try:
        if isinstance(value, dict):
            return OneOff(
                datetime.fromisoformat(value["from"]), datetime.fromisoformat(value["to"])
            )
        start = datetime.fromisoformat(str(value))
        return OneOff(start, start + DEFAULT_DURATION)
    except (KeyError, ValueError, ValidationError):
        return None


def interval_of(value: Any) -> tuple[datetime, datetime] | None:
    """An NLU time value as a search interval: an instant means from then for a few hours."""
    window = from_entity(value)
    if not isinstance(window, OneOff):
        return None
    if not isinstance(value, dict):
        return window.start, window.start + timedelta(hours=4)
    return window.start, window.end


def preset(name: str, now: datetime, time_zone: str) -> TimeWindow | None:
    """The quick answers: today, tomorrow, the weekend, any time."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    today = local.date()

    def at(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), zone)

    if name == "today":
        start = (local + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        end = max(at(today, 22), start + DEFAULT_DURATION)
        return OneOff(start, end)
    if name == "tomorrow":
        tomorrow = today + timedelta(days=1)
        return OneOff(at(tomorrow, 9), at(tomorrow, 18))
    if name == "weekend":
        # on a Sunday "the weekend" is still this one, until it is over
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6 and local.hour < 18:
            saturday = today - timedelta(days=1)
        start = max(at(saturday, 9), local.replace(second=0, microsecond=0))
        return OneOff(start, at(saturday + timedelta(days=1), 18))
    if name == "flexible":
        return OpenEnded(valid_from=now)
    return None
