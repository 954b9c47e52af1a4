"""`time` entities relative to the parse context's "now", in the user's time zone.

A point is an ISO-8601 instant with offset ("2026-11-22T15:00:00+01:00"); a stretch of time is
{"from": iso, "to": iso} (a whole day ends at 23:59:59).

dateparser gets the common chat phrases wrong (NOTES.md: "morgen um 15 Uhr" → 10:00, "Samstag
um 10 Uhr" in the past, "morgen früh" → None) and is slow, so a small grammar comes first: it
finds pieces (a day, a part of the day, a clock time, "in 2 Stunden", "jetzt"), joins neighbours
into one phrase ("morgen" + "früh", "nächsten Samstag" + "um 10") and resolves the phrase itself.
dateparser's search_dates only runs when the grammar found nothing but the text still looks
like it holds a date (a month name, "12-12", "2026")."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nlu.entities._numbers import NUMBER_WORD_PATTERN, number_value
from nlu.interpreter import ParseContext

EXTRACTOR = __name__
DEFAULT_ZONE = "Europe/Berlin"
END_OF_DAY = 24 * 60  # minutes; rendered as 23:59:59

TimeValue = str | dict[str, str]

_WEEKDAYS: dict[str, int] = {
    "montag": 0,
    "dienstag": 1,
    "mittwoch": 2,
    "donnerstag": 3,
    "freitag": 4,
    "samstag": 5,
    "sonnabend": 5,
    "sonntag": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_MONTHS: dict[str, int] = {
    "januar": 1,
    "jänner": 1,
    "january": 1,
    "jan": 1,
    "februar": 2,
    "february": 2,
    "feb": 2,
    "märz": 3,
    "maerz": 3,
    "march": 3,
    "mär": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "may": 5,
    "juni": 6,
    "june": 6,
    "jun": 6,
    "juli": 7,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "october": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "december": 12,
    "dez": 12,
    "dec": 12,
}
# (start, end) in minutes of the day
_PARTS: dict[str, tuple[int, int]] = {
    "früh": (8 * 60, 12 * 60),
    "frueh": (8 * 60, 12 * 60),
    "morgens": (8 * 60, 12 * 60),
    "morgen": (8 * 60, 12 * 60),  # only after "heute": "heute Morgen"
    "morning": (8 * 60, 12 * 60),
    "vormittag": (8 * 60, 12 * 60),
    "mittag": (12 * 60, 14 * 60),
    "noon": (12 * 60, 14 * 60),
    "midday": (12 * 60, 14 * 60),
    "nachmittag": (14 * 60, 18 * 60),
    "afternoon": (14 * 60, 18 * 60),
    "abend": (18 * 60, 22 * 60),
    "evening": (18 * 60, 22 * 60),
    "nacht": (22 * 60, END_OF_DAY),
    "night": (22 * 60, END_OF_DAY),
}
_LATE_PARTS = frozenset({"nachmittag", "afternoon", "abend", "evening", "nacht", "night"})

_WD = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_PART_WORDS = (
    r"früh|frueh|morgens|vormittags?|mittags?|nachmittags?|abends?|nachts?"
    r"|morning|afternoon|evening|night|noon|midday"
)
_NEXT = r"nächste[nrs]?|naechste[nrs]?|kommende[nrs]?|next|coming"
_AFTER_NEXT = r"übernächste[nrs]?|uebernaechste[nrs]?"
_THIS = r"diese[nrms]?|this"
_NUM = rf"\d{{1,3}}|{NUMBER_WORD_PATTERN}"
# "10 am Samstag" is German "on", not a.m.
_AM = (
    rf"am(?!\s+(?:{_WD}|wochenende|\d|nächst|naechst|kommend|dies|abend|morgen|nachmittag"
    r"|vormittag|mittag))"
)
_MERIDIEM = rf"(?P<mer>{_AM}|pm|a\.m\.|p\.m\.)"
_CLOCK_PREP = r"(?P<prep>um|ab|gegen|at|from|around|by)\s+"
# Hours as words; not "ein"/"eine": "eine Uhr" is a clock on the wall, not one o'clock.
_HOUR_WORDS_DE = "eins|zwei|drei|vier|fünf|fuenf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwoelf"
_HOUR_WORDS = _HOUR_WORDS_DE + "|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"


# "Guten Abend", "gute Nacht", "schönen Abend noch" are greetings, not times
_GREETING = (
    r"(?<!guten\s)(?<!gute\s)(?<!schönen\s)(?<!schoenen\s)(?<!schönes\s)(?<!schoenes\s)"
    r"(?<!\bn\s)(?<!good\s)(?<!nice\s)"
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE)


_P_TODAY_MORNING = _rx(r"\b(?:heute|today)\s+(?P<part>morgen|früh|frueh)\b")
_P_TONIGHT = _rx(r"\btonight\b")
_P_WEEKDAY = _rx(
    rf"""\b(?:(?:am|an\s+diesem|on|jeden|every)\s+)?
    (?:(?P<mod>{_AFTER_NEXT}|{_NEXT}|{_THIS})\s+)?
    (?P<wd>{_WD})(?P<part>früh|frueh|morgen|vormittag|mittag|nachmittag|abend|nacht)?s?\b"""
)
_P_WEEKEND = _rx(
    rf"""\b(?:(?:am|an\s+diesem|übers|uebers|über\s+das|at\s+the|on\s+the|over\s+the|the|at|on)\s+)?
    (?:(?P<mod>{_NEXT}|{_THIS})\s+)?{_GREETING}(?:wochenenden|wochenende|weekends|weekend)\b"""
)
_P_WEEK = _rx(
    rf"""\b(?:(?:in\s+der|im\s+laufe\s+der)\s+)?
    (?P<mod>{_AFTER_NEXT}|{_NEXT}|{_THIS})\s+(?:woche|week)\b"""
)
_P_RELDAY = _rx(
    r"""\b(?<!guten\s)(?<!good\s)
    (?P<word>übermorgen|uebermorgen|the\s+day\s+after\s+tomorrow|heute|today|morgen|tomorrow)\b"""
)
_P_NUMDATE = _rx(
    r"""(?:\b(?:am|on|the|den|vom|bis\s+zum|zum)\s+)?(?<![\d.,])
    (?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?:(?P<y>\d{4}|\d{2})(?!\d))?(?!\d)"""
)
_P_DAY_MONTH = _rx(
    rf"""(?:\b(?:am|on|the|den)\s+)?(?<![\d.,])
    (?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{_MONTH})\b\.?
    (?:\s+(?P<y>\d{{4}})\b)?"""
)
_P_MONTH_DAY = _rx(
    rf"""(?:\bon\s+)?\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b
    (?:,?\s+(?P<y>\d{{4}})\b)?"""
)
_FULL_MONTHS = "|".join(
    m for m in sorted(_MONTHS, key=len, reverse=True) if len(m) >= 4 or m == "mai"
)
_FULL_MONTHS += "|may"
_P_MONTH_ONLY = _rx(
    rf"""\b(?:im|in|during)\s+(?P<mon>{_FULL_MONTHS})\b(?:\s+(?P<y>\d{{4}})\b)?(?!\s*\d)"""
)
_P_MONTH_REL = _rx(rf"""\b(?:im\s+)?(?P<mod>{_AFTER_NEXT}|{_NEXT}|{_THIS})\s+(?:monat|month)\b""")
# "die nächsten zwei Stunden", "noch 3 Stunden", "for the next 2 hours": from now until then
_P_FOR_NEXT = _rx(
    rf"""\b(?:(?:(?:die|the|for\s+the)\s+)?(?:nächsten|naechsten|next|noch)|für|fuer|for)\s+
    (?P<n>{_NUM})\s+(?P<unit>stunden|stunde|minuten|hours|hour|minutes)\b"""
)
# clock ranges: "18–20 Uhr", "von 22 bis 7 Uhr" (ends next morning), "from 10pm to 7am"
_P_CLOCK_RANGE = _rx(
    r"""\b(?:(?P<pre>von|from|zwischen|between)\s+)?(?<![\d.,:/-])
    (?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?:uhr\s*|(?P<mer1>am|pm)\s*)?
    (?:bis|-|–|und|and|to|until)\s*
    (?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?(?![\d.,])\s*(?:(?P<uhr>uhr\b|h\b)|(?P<mer2>am|pm)\b)?"""
)
# "bis Sonntag", "bis 18 Uhr": from now until then
_P_UNTIL = _rx(r"\b(?:bis(?:\s+zum|\s+zur)?|until|till)\b")
# "hab 2 Stunden Zeit", "I have 3 more hours", "2 hours free": from now for that long
_P_HOURS_FREE = _rx(
    rf"""\b(?P<n>{_NUM})\s+(?:(?P<more>more|weitere|freie)\s+)?(?P<unit>stunden|stunde|hours|hour)\b
    (?(more)|(?=\s+(?:zeit|frei|free|time|übrig|left)\b))"""
)
_P_MONTH_YEAR = _rx(rf"""\b(?P<mon>{_FULL_MONTHS})\s+(?P<y>\d{{4}})\b""")
_P_PART = _rx(
    rf"""\b(?:(?P<pre>am|in\s+der|in\s+the|at|this|heute)\s+)?{_GREETING}(?P<part>{_PART_WORDS})\b"""
)
_P_CLOCK_HM = _rx(
    rf"""\b(?:{_CLOCK_PREP})?(?<![\d.,:])(?P<h>\d{{1,2}})(?P<sep>[:.])(?P<mi>\d{{2}})(?![\d])
    (?:\s*(?:(?P<uhr>uhr|h\b)|{_MERIDIEM}))?"""
)
_P_CLOCK_UHR = _rx(
    rf"""\b(?:{_CLOCK_PREP})?(?<![\d.,:])(?P<h>\d{{1,2}}|{_HOUR_WORDS})\s*
    (?:(?P<uhr>uhr|o'?clock)(?:\s+(?P<mi>\d{{2}})\b)?|{_MERIDIEM})(?!\w)"""
)
_P_CLOCK_BARE = _rx(
    rf"""\b(?P<prep>um|gegen|at)\s+(?P<h>\d{{1,2}}|{_HOUR_WORDS_DE})\b
    (?!\s*(?:[.:,]\d|km\b|m\b|kilometer|meter|%|euro|€|leute|personen|helfer|people|helpers))"""
)
_P_HALF = _rx(rf"""\b(?:(?P<prep>um|gegen|ab)\s+)?halb\s+(?P<h>\d{{1,2}}|{_HOUR_WORDS_DE})\b""")
_P_REL = _rx(
    rf"""\bin\s+(?:(?P<half>(?:einer\s+)?halben\s+stunde|half\s+an\s+hour)
    |(?:(?P<n>{_NUM}|an|a)\s+)?(?P<unit>minuten|minute|minutes|mins|min|stunden|stunde|std
    |hours|hour|hrs|h|tagen|tag|days|day|wochen|woche|weeks|week))\b"""
)
_P_NOW = _rx(
    r"\b(?:jetzt\s+gleich|jetzt|sofort|gleich|gerade|grade|grad|right\s+now|now|immediately"
    r"|asap|straight\s+away|right\s+away|just\s+now|at\s+the\s+moment|im\s+moment|atm)\b"
)

# Words allowed between two pieces of one phrase: "Samstag, den 3.12. um 10 Uhr".
_GLUE = re.compile(r"[\s,]*(?:(?:den|the)\s+)?")
# When to pay for dateparser: something date-like the grammar did not take.
_DATE_HINT = re.compile(
    rf"\b(?:{_MONTH})\b|\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}|\b(?:19|20)\d\d\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    kind: str  # day | part | clock | rel | now | until
    day: date | None = None
    days: tuple[date, date] | None = None  # a weekend or week
    weekday: int | None = None
    mod: str = ""  # next | after_next | this
    part: str | None = None
    force_today: bool = False
    hour: int = 0
    minute: int = 0
    meridiem: str | None = None
    exact_clock: bool = False  # "Uhr", minutes or a.m./p.m. given: no afternoon guess
    delta: timedelta | None = None
    until: bool = False  # "die nächsten 2 Stunden": from now to then, not a point
    minutes: tuple[int, int] | None = None  # a clock range "18–20 Uhr" (end < start: next day)
    weak: bool = False  # English "morning"/"evening" alone is a greeting


@dataclass(frozen=True, slots=True)
class _Now:
    local: datetime
    zone: ZoneInfo

    @property
    def today(self) -> date:
        return self.local.date()

    def at(self, day: date, minutes: int) -> datetime:
        if minutes >= END_OF_DAY:
            return datetime.combine(day, clock_time(23, 59, 59), tzinfo=self.zone)
        return datetime.combine(day, clock_time(minutes // 60, minutes % 60), tzinfo=self.zone)


def _lower(text: str) -> str:
    """Lowercase without changing offsets ("İ".lower() has two characters)."""
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


def _mod(word: str | None) -> str:
    if not word:
        return ""
    if word.startswith(("über", "ueber")):
        return "after_next"
    if word in ("this",) or word.startswith("dies"):
        return "this"
    return "next"


def _part_key(word: str) -> str:
    if word in _PARTS:
        return word
    return word[:-1]  # "abends" → "abend"


def _hour(token: str) -> int | None:
    return number_value(token)


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    year = int(raw)
    return year + 2000 if year < 100 else year


def _pieces(low: str, now: _Now) -> list[_Piece]:
    found: list[_Piece] = []
    today = now.today

    def add(match: re.Match[str], kind: str, **values: Any) -> None:
        found.append(_Piece(match.start(), match.end(), kind, **values))

    for m in _P_TODAY_MORNING.finditer(low):
        add(m, "day", day=today, part="früh", force_today=True)
    for m in _P_TONIGHT.finditer(low):
        add(m, "day", day=today, part="abend", force_today=True)
    for m in _P_WEEKDAY.finditer(low):
        part = m["part"]
        add(m, "day", weekday=_WEEKDAYS[m["wd"]], mod=_mod(m["mod"]), part=part)
    for m in _P_WEEKEND.finditer(low):
        add(m, "day", days=_weekend(today, _mod(m["mod"])))
    for m in _P_WEEK.finditer(low):
        add(m, "day", days=_week(today, _mod(m["mod"])))
    for m in _P_RELDAY.finditer(low):
        word = m["word"]
        offset = 0 if word in ("heute", "today") else 1 if word in ("morgen", "tomorrow") else 2
        add(m, "day", day=today + timedelta(days=offset), force_today=offset == 0)
    for pattern in (_P_NUMDATE, _P_DAY_MONTH, _P_MONTH_DAY):
        for m in pattern.finditer(low):
            month = int(m["m"]) if "m" in m.groupdict() and m["m"] else _MONTHS[m["mon"]]
            day = _calendar_day(today, int(m["d"]), month, _year(m["y"]))
            if day is not None:
                add(m, "day", day=day)
    for pattern in (_P_MONTH_ONLY, _P_MONTH_YEAR):
        for m in pattern.finditer(low):
            add(m, "day", days=_month(today, _MONTHS[m["mon"]], _year(m["y"])))
    for m in _P_MONTH_REL.finditer(low):
        mod = _mod(m["mod"])
        this_month = date(today.year, today.month, 1)
        ahead = {"this": 0, "next": 1, "after_next": 2}[mod]
        first = date(
            this_month.year + (this_month.month - 1 + ahead) // 12,
            (this_month.month - 1 + ahead) % 12 + 1,
            1,
        )
        add(m, "day", days=_month(today, first.month, first.year))
    for m in (*_P_FOR_NEXT.finditer(low), *_P_HOURS_FREE.finditer(low)):
        delta = _delta(m)
        if delta is not None:
            add(m, "rel", delta=delta, until=True)
    for m in _P_PART.finditer(low):
        pre = m["pre"] or ""
        part = _part_key(m["part"])
        weak = not pre and part in ("morning", "afternoon", "evening", "night", "noon", "midday")
        add(m, "part", part=part, force_today=pre in ("this", "heute"), weak=weak)
    for m in _P_CLOCK_RANGE.finditer(low):
        h1, h2 = int(m["h1"]), int(m["h2"])
        if not (m["pre"] or m["uhr"] or m["m1"] or m["m2"] or m["mer2"]) or max(h1, h2) > 24:
            continue  # "3-4 Helfer" is no time
        h1, h2 = _with_meridiem(h1, m["mer1"] or m["mer2"]), _with_meridiem(h2, m["mer2"])
        m1, m2 = int(m["m1"] or 0), int(m["m2"] or 0)
        if m1 < 60 and m2 < 60:
            add(m, "part", minutes=((h1 % 24) * 60 + m1, (h2 % 24) * 60 + m2))
    for m in _P_UNTIL.finditer(low):
        add(m, "until")
    for m in _P_CLOCK_HM.finditer(low):
        hour, minute = int(m["h"]), int(m["mi"])
        if m["sep"] == "." and not (m["prep"] or m["uhr"] or m["mer"]):
            continue  # "14.30" alone may be a price or a score
        if hour <= 24 and minute < 60:
            add(
                m, "clock", hour=hour % 24, minute=minute, meridiem=_mer(m["mer"]), exact_clock=True
            )
    for m in _P_CLOCK_UHR.finditer(low):
        hour_or_none = _hour(m["h"])
        minute = int(m["mi"]) if m["mi"] else 0
        if hour_or_none is not None and hour_or_none <= 24 and minute < 60:
            add(
                m,
                "clock",
                hour=hour_or_none % 24,
                minute=minute,
                meridiem=_mer(m["mer"]),
                exact_clock=True,
            )
    for m in _P_CLOCK_BARE.finditer(low):
        hour_or_none = _hour(m["h"])
        if hour_or_none is not None and hour_or_none <= 24:
            add(m, "clock", hour=hour_or_none % 24)
    for m in _P_HALF.finditer(low):
        hour_or_none = _hour(m["h"])
        if hour_or_none is not None and 1 <= hour_or_none <= 24:
            add(m, "clock", hour=(hour_or_none - 1) % 24, minute=30)
    for m in _P_REL.finditer(low):
        delta = _delta(m)
        if delta is not None:
            add(m, "rel", delta=delta)
    for m in _P_NOW.finditer(low):
        add(m, "now")
    return _without_overlaps(found)


def _with_meridiem(hour: int, meridiem: str | None) -> int:
    if meridiem == "pm" and hour < 12:
        return hour + 12
    if meridiem == "am" and hour == 12:
        return 0
    return hour


def _mer(raw: str | None) -> str | None:
    if not raw:
        return None
    return "pm" if raw.startswith("p") else "am"


def _delta(m: re.Match[str]) -> timedelta | None:
    if m.groupdict().get("half"):
        return timedelta(minutes=30)
    count = 1 if m["n"] in (None, "a", "an") else number_value(m["n"])
    if count is None:
        return None
    unit = m["unit"]
    if unit.startswith("min"):
        return timedelta(minutes=count)
    if unit.startswith(("stund", "std", "hour", "hr")) or unit == "h":
        return timedelta(hours=count)
    if unit.startswith(("tag", "day")):
        return timedelta(days=count)
    return timedelta(weeks=count)


def _calendar_day(today: date, day: int, month: int, year: int | None) -> date | None:
    """The date; without a year the next one that is not over (PREFER_DATES_FROM=future)."""
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        if candidate < today:
            candidate = date(today.year + 1, month, day)
        return candidate
    except ValueError:
        return None  # 31.2. is not a date


def _weekend(today: date, mod: str) -> tuple[date, date]:
    weekday = today.weekday()
    if weekday == 6:  # on Sunday, "this weekend" is the one still running
        saturday = today - timedelta(days=1)
        if mod == "next":
            saturday += timedelta(days=7)
    else:
        saturday = today + timedelta(days=5 - weekday)
        if mod == "next" and weekday == 5:
            saturday += timedelta(days=7)
    return saturday, saturday + timedelta(days=1)


def _month(today: date, month: int, year: int | None) -> tuple[date, date]:
    """ "im Mai": the whole month, this year's unless it is over."""
    if year is None:
        year = today.year if month >= today.month else today.year + 1
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _week(today: date, mod: str) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    if mod == "next":
        monday += timedelta(days=7)
    elif mod == "after_next":
        monday += timedelta(days=14)
    return monday, monday + timedelta(days=6)


def _without_overlaps(pieces: list[_Piece]) -> list[_Piece]:
    """Longest piece wins where patterns overlap ("3.12." is a date, not 3:12)."""
    kept: list[_Piece] = []
    for piece in sorted(pieces, key=lambda p: (p.start - p.end, p.start)):
        if all(piece.end <= k.start or piece.start >= k.end for k in kept):
            kept.append(piece)
    return sorted(kept, key=lambda p: p.start)


def _groups(low: str, pieces: list[_Piece]) -> list[list[_Piece]]:
    groups: list[list[_Piece]] = []
    for piece in pieces:
        if groups and piece.kind != "until":
            last = groups[-1]
            gap = low[last[-1].end : piece.start]
            glued = _GLUE.fullmatch(gap) is not None
            if glued and all(p.kind != piece.kind or _day_and_date(p, piece) for p in last):
                last.append(piece)
                continue
        groups.append([piece])
    return groups


def _day_and_date(a: _Piece, b: _Piece) -> bool:
    """ "Samstag, den 5.12.": a weekday and a date name one day together."""
    return a.kind == b.kind == "day" and (a.weekday is None) != (b.weekday is None)


def _resolve(group: list[_Piece], now: _Now) -> TimeValue | None:
    if all(p.weak for p in group):
        return None
    if group[0].kind == "until":
        if len(group) == 1:
            return None
        then = _resolve(group[1:], now)
        if then is None:
            return None
        return {"from": now.local.isoformat(), "to": then if isinstance(then, str) else then["to"]}
    if len(group) > 1:  # "jetzt am Samstag": the day says more than "now"
        group = [p for p in group if p.kind != "now"] or group
    # the date wins over its weekday: it is the more exact of the two
    kinds = {p.kind: p for p in sorted(group, key=lambda p: p.weekday is None)}
    if "now" in kinds:
        return now.local.isoformat()
    if "rel" in kinds:
        rel = kinds["rel"]
        delta = rel.delta or timedelta()
        then = (now.local.astimezone(UTC) + delta).astimezone(now.zone).isoformat()
        if rel.until:
            return {"from": now.local.isoformat(), "to": then}
        if delta >= timedelta(days=1):
            return _day_interval(now, now.today + timedelta(days=delta.days))
        return then
    day_piece = kinds.get("day")
    part_piece = kinds.get("part")
    clock = kinds.get("clock")
    part = (day_piece.part if day_piece else None) or (part_piece.part if part_piece else None)
    if day_piece is not None and day_piece.days is not None:
        first, last = day_piece.days
        return {"from": now.at(first, 0).isoformat(), "to": now.at(last, END_OF_DAY).isoformat()}
    minutes = _clock_minutes(clock, part) if clock else None

    if day_piece is not None and day_piece.weekday is not None:

        def not_over(day: date) -> bool:
            # a bare "am Samstag" said on a Saturday means next week; "Samstag um 16 Uhr"
            # or "Samstagabend" means today when that is still ahead
            if minutes is not None:
                return now.at(day, minutes) > now.local
            if part is not None:
                return now.at(day, _PARTS[part][1]) > now.local
            return False

        day = _weekday(now.today, day_piece.weekday, day_piece.mod, not_over)
    elif day_piece is not None:
        day = day_piece.day or now.today
    else:
        day = None

    if minutes is not None:
        if day is None:
            day = now.today
            if now.at(day, minutes) <= now.local:
                day += timedelta(days=1)
        return now.at(day, minutes).isoformat()
    if part_piece is not None and part_piece.minutes is not None:
        start, end = part_piece.minutes
        if day is None:
            day = now.today
            if now.at(day, end if start < end else END_OF_DAY) <= now.local:
                day += timedelta(days=1)
        end_day = day if start < end else day + timedelta(days=1)  # "22 bis 7 Uhr"
        return {"from": now.at(day, start).isoformat(), "to": now.at(end_day, end).isoformat()}
    if part is not None:
        start, end = _PARTS[part]
        if day is None:
            day = now.today
            forced = part_piece is not None and part_piece.force_today
            if not forced and now.at(day, end) <= now.local:
                day += timedelta(days=1)
        return {"from": now.at(day, start).isoformat(), "to": now.at(day, end).isoformat()}
    if day is not None:
        return _day_interval(now, day)
    return None


def _clock_minutes(clock: _Piece, part: str | None) -> int:
    hour = clock.hour
    if clock.meridiem == "pm" and hour < 12:
        hour += 12
    elif clock.meridiem == "am" and hour == 12:
        hour = 0
    elif clock.meridiem is None and hour < 12:
        if part in _LATE_PARTS:
            hour += 12  # "heute Abend um 7"
        elif part is None and not clock.exact_clock and 1 <= hour <= 6:
            hour += 12  # "um 3": nobody volunteers at 3 a.m.
    return hour * 60 + clock.minute


def _weekday(today: date, weekday: int, mod: str, not_over: Callable[[date], bool]) -> date:
    ahead = (weekday - today.weekday()) % 7
    if mod == "after_next":
        ahead = (ahead or 7) + 7
    elif mod == "next":
        ahead = ahead or 7  # "nächsten Samstag" is never today
    elif mod == "" and ahead == 0 and not not_over(today):
        ahead = 7
    return today + timedelta(days=ahead)


def _day_interval(now: _Now, day: date) -> dict[str, str]:
    return {"from": now.at(day, 0).isoformat(), "to": now.at(day, END_OF_DAY).isoformat()}


def _local_now(context: ParseContext) -> _Now:
    try:
        zone = ZoneInfo(context.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_ZONE)
    current = context.now
    if current.tzinfo is None:  # a naive "now" is taken as wall time in the user's zone
        current = current.replace(tzinfo=zone)
    return _Now(current.astimezone(zone).replace(microsecond=0), zone)


def _entity(text: str, start: int, end: int, value: TimeValue, **extra: Any) -> dict[str, Any]:
    return {
        "entity": "time",
        "value": value,
        "start": start,
        "end": end,
        "text": text[start:end],
        "extractor": EXTRACTOR,
        **extra,
    }


def extract(text: str, context: ParseContext) -> list[dict[str, Any]]:
    now = _local_now(context)
    low = _lower(text)
    entities: list[dict[str, Any]] = []
    for group in _groups(low, _pieces(low, now)):
        value = _resolve(group, now)
        if value is not None:
            entities.append(_entity(text, group[0].start, group[-1].end, value))
    if not entities and _DATE_HINT.search(text):
        entities = _dateparser_entities(text, now)
    return entities


# --- dateparser for the rest -----------------------------------------------------------------

_TRAILING = re.compile(r"(?:\s+(?:in|im|am|um|an|at|on|bei|for|für|und|and))+\s*$", re.IGNORECASE)
_HAS_CLOCK = re.compile(r"\d[:.]\d\d(?!\d)|\buhr\b|\b[ap]\.?m\b", re.IGNORECASE)


_warm_up_lock = threading.Lock()
_warm = threading.Event()


def warm_up() -> None:
    """Import dateparser and let it load its German and English data, once. It may run in a
    background thread (nlu.loading): a parse that needs dateparser meanwhile waits for it here
    instead of setting up the same data alongside."""
    if _warm.is_set():
        return
    with _warm_up_lock:
        if not _warm.is_set():
            now = _local_now(ParseContext(now=datetime(2026, 1, 1, 12, 0, tzinfo=UTC)))
            _find_dates("12.12.2026", now)
            _warm.set()


def _dateparser_entities(text: str, now: _Now) -> list[dict[str, Any]]:
    warm_up()
    return _find_dates(text, now)


def _find_dates(text: str, now: _Now) -> list[dict[str, Any]]:
    from dateparser.search import search_dates  # slow to import: only when needed

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.local.replace(tzinfo=None),
        "TIMEZONE": str(now.zone.key),
        "TO_TIMEZONE": str(now.zone.key),
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    found = search_dates(text, languages=["de", "en"], settings=settings) or []
    entities: list[dict[str, Any]] = []
    cursor = 0
    for substring, moment in found:
        trimmed = _TRAILING.sub("", substring)
        start = text.find(trimmed, cursor)
        if start < 0 or not _DATE_HINT.search(trimmed) or not any(c.isdigit() for c in trimmed):
            continue  # "am 1" from "am 1. Advent" is no date; a bare month is the grammar's
        end = start + len(trimmed)
        cursor = end
        local = moment.astimezone(now.zone)
        value: TimeValue
        if _HAS_CLOCK.search(trimmed):
            value = local.replace(microsecond=0).isoformat()
        else:
            value = _day_interval(now, local.date())
        entities.append(_entity(text, start, end, value))
    return entities
