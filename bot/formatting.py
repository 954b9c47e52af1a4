"""Times, distances and labels for the user's locale (babel), so flows never format by hand."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, get_day_names
from babel.numbers import format_decimal

from bot.i18n import Translator
from domain.categories import Category, category_label
from domain.postings import Posting, PostingKind, PostingType
from domain.qualifications import Qualification
from domain.timewindow import OneOff, OpenEnded, TimeWindow, Weekly
from matching.scoring import Brings, Near, Score, Topic, When


def distance(km: float, language: str) -> str:
    if km < 1:
        return f"{format_decimal(round(km * 1000 / 50) * 50, locale=language)} m"
    pattern = "#,##0" if float(km).is_integer() else "#,##0.0"
    return f"{format_decimal(round(km, 1), format=pattern, locale=language)} km"


# the hour cycle people expect: 24 h in German, 12 h with AM/PM in English
_CLOCK = {"de": "Hm", "en": "hm"}


def _clock(language: str) -> str:
    return _CLOCK.get(language, "Hm")


def moment(value: datetime, t: Translator, time_zone: str) -> str:
    zone = ZoneInfo(time_zone)
    local = value.astimezone(zone)
    day = format_skeleton("MMMEd", local, tzinfo=zone, locale=t.language)
    return f"{day}, {format_skeleton(_clock(t.language), local, tzinfo=zone, locale=t.language)}"


def clock_time(value: datetime, t: Translator, time_zone: str) -> str:
    """Only the time of day: "16:30" / "4:30 PM"."""
    zone = ZoneInfo(time_zone)
    return format_skeleton(
        _clock(t.language), value.astimezone(zone), tzinfo=zone, locale=t.language
    )


def time_window(window: TimeWindow, t: Translator, time_zone: str) -> str:
    zone = ZoneInfo(time_zone)
    if isinstance(window, OneOff):
        start, end = window.start.astimezone(zone), window.end.astimezone(zone)
        if start.date() == end.date() or (end - start).total_seconds() <= 12 * 3600:
            day = format_skeleton("MMMEd", start, tzinfo=zone, locale=t.language)
            hours = format_interval(start, end, _clock(t.language), tzinfo=zone, locale=t.language)
            return f"{day}, {hours}"
        return format_interval(start, end, "MMMEd", tzinfo=zone, locale=t.language)
    if isinstance(window, Weekly):
        days = get_day_names("abbreviated", locale=t.language)
        slots = ", ".join(f"{days[s.weekday]} {s.start:%H:%M}–{s.end:%H:%M}" for s in window.slots)
        return t._("weekly: {slots}", slots=slots)
    assert isinstance(window, OpenEnded)
    if window.valid_from:
        start_text = format_date(window.valid_from.astimezone(zone), "d. MMM", locale=t.language)
        return t._("any time from {date}", date=start_text)
    return t._("any time")


def category(value: Category, t: Translator) -> str:
    return category_label(value, t.language)


def qualification(value: Qualification, t: Translator) -> str:
    code = value.language
    if code is None:
        return value.label(t.language)
    name = Locale.parse(t.language).languages.get(code, code)
    return t._("speaks {language}", language=name)


def qualifications(values: frozenset[Qualification], t: Translator) -> str:
    return ", ".join(qualification(q, t) for q in sorted(values)) or "–"


def kind(value: PostingKind, t: Translator) -> str:
    return t._("Offer") if value is PostingKind.OFFER else t._("Need")


def posting_type(value: PostingType, t: Translator) -> str:
    labels = {
        PostingType.TIME: t._("time and help"),
        PostingType.RESOURCE: t._("things and rooms"),
        PostingType.TRAINING: t._("knowledge and training"),
        PostingType.EVENT: t._("event"),
    }
    return labels[value]


def posting_line(posting: Posting, t: Translator, time_zone: str, km: float | None) -> str:
    """One line of a result list: what, when, how far."""
    parts = [posting.title, time_window(posting.time_window, t, time_zone)]
    if km is not None:
        parts.append(distance(km, t.language))
    urgent = "⚡ " if posting.urgency.value == "urgent" else ""
    return urgent + " · ".join(parts)


def posting_detail(posting: Posting, t: Translator, time_zone: str, km: float | None) -> str:
    lines = [
        f"{'⚡ ' if posting.urgency.value == 'urgent' else ''}{posting.title}",
        f"{kind(posting.kind, t)} · {category(posting.category, t)}",
        t._("When: {when}", when=time_window(posting.time_window, t, time_zone)),
        t._("Where: {place}", place=posting.place.label)
        + (f" ({distance(km, t.language)})" if km is not None else ""),
    ]
    if posting.kind is PostingKind.NEED:
        lines.append(t._("Helpers wanted: {n}", n=posting.quantity))
    if posting.qualifications:
        lines.append(t._("Qualifications: {list}", list=qualifications(posting.qualifications, t)))
    if posting.description and posting.description != posting.title:
        lines.extend(["", posting.description])
    return "\n".join(lines)


def match_reasons(score: Score, t: Translator, time_zone: str) -> str:
    """Why something matched, in one line: "2,1 km · Sa., 21. Nov., 10–12 · braucht
    Führerschein — hast du"."""
    parts: list[str] = []
    for reason in score.reasons:
        if isinstance(reason, Near):
            parts.append(distance(reason.km, t.language))
        elif isinstance(reason, When):
            parts.append(time_window(OneOff(reason.start, reason.end), t, time_zone))
        elif isinstance(reason, Brings):
            parts.append(
                t._("needs {list} — you have it", list=qualifications(reason.qualifications, t))
            )
        elif isinstance(reason, Topic) and reason.named:
            parts.append(t._("your topic: {topic}", topic=category(reason.category, t)))
    return " · ".join(parts)
