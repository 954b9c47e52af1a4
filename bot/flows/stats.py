"""/stats [municipality] [period] (/statistik): an editor's figures of their municipality.

    /stats stolberg 7d
      │ not an editor ──────────────────▶ the unknown-command answer (logged, no arguments)
      │ municipality unclear or not theirs ▶ asked back / refused (editorial.municipality_of)
      │ period not understood ──────────▶ a hint with examples, nothing else
      ▼
    one message: postings by status and topic, matches, alerts, urgent needs, active volunteers

A period ends now. It starts 30 days back unless named: "7d" (any number of days; "7t", "7 tage"
too), or the calendar span so far in the editor's time zone: heute/today, woche/week (since
Monday), monat/month, jahr/year. What each figure counts: storage/repositories/stats.py."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from bot import formatting
from bot.context import Turn
from bot.flows import editorial
from bot.flows.my_postings import status_label
from bot.i18n import Translator
from domain.lifecycle import PostingStatus
from domain.municipalities import Municipality, fold
from domain.statistics import MunicipalityStats

DEFAULT_DAYS = 30
MAX_DAYS = 3660  # ten years; more is a typo
INDENT = "   "
_DAYS = re.compile(r"^(\d{1,4}) ?(?:d|t|tag|tage|day|days)$")
_CALENDAR = {
    "heute": "day",
    "today": "day",
    "woche": "week",
    "week": "week",
    "monat": "month",
    "month": "month",
    "jahr": "year",
    "year": "year",
}


def show(turn: Turn) -> None:
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    name, argument = editorial.command(turn)
    words = argument.split()
    municipality = editorial.municipality_of(turn, words)
    if municipality is None:
        return
    since = period_start(" ".join(words), turn.now, turn.time_zone)
    if since is None:
        turn.say(
            turn.t._(
                "Sorry, I don't understand that period. Try for example {example}, or 7d, "
                "90d, today, week, month, year. Without a period I show the last 30 days."
            ).format(example=f"{name} 7d")
        )
        return
    stats = turn.uow.stats.of_municipality(municipality.key, since, turn.now)
    turn.say(report(stats, municipality, turn.t, turn.time_zone))


def period_start(text: str, now: datetime, time_zone: str) -> datetime | None:
    """When the period named by `text` begins (it ends now); None when `text` names none."""
    wanted = fold(text)
    if not wanted:
        return now - timedelta(days=DEFAULT_DAYS)
    days = _DAYS.match(wanted)
    if days is not None:
        n = int(days.group(1))
        return now - timedelta(days=n) if 1 <= n <= MAX_DAYS else None
    span = _CALENDAR.get(wanted)
    if span is None:
        return None
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    first = {
        "day": today,
        "week": today - timedelta(days=today.weekday()),
        "month": today.replace(day=1),
        "year": today.replace(month=1, day=1),
    }[span]
    # local midnight, so that "today" is the editor's day and not UTC's
    return datetime.combine(first, time(), tzinfo=zone)


def report(stats: MunicipalityStats, municipality: Municipality, t: Translator, zone: str) -> str:
    lines = [
        t._("📊 Figures for {municipality}, {period}").format(
            municipality=municipality.name, period=_dates(stats, t, zone)
        ),
        *_postings(stats, t),
        t._("🤝 Matches (interest shown or “I'll help”): {n}").format(n=_n(stats.matches, t)),
        t._(
            "🚨 Alerts sent: {sent}, answered: {answered} ({helped} × “I'll help”, "
            "{declined} × “not now”)"
        ).format(
            sent=_n(stats.alerts_sent, t),
            answered=_n(stats.alerts_answered, t),
            helped=_n(stats.alerts_helped, t),
            declined=_n(stats.alerts_declined, t),
        ),
        *_urgent_needs(stats, t),
        t._("👥 Active volunteers: {n}").format(n=_n(stats.active_volunteers, t)),
        t._("🧯 Unreadable messages set aside (not answered): {n}").format(
            n=_n(stats.set_aside, t)
        ),
    ]
    return "\n".join(lines)


def _dates(stats: MunicipalityStats, t: Translator, zone: str) -> str:
    tz = ZoneInfo(zone)
    first, last = stats.since.astimezone(tz).date(), stats.until.astimezone(tz).date()
    return format_interval(first, last, "yMMMd", locale=t.language)


def _postings(stats: MunicipalityStats, t: Translator) -> list[str]:
    lines = [t._("📝 New postings: {n}").format(n=_n(stats.postings, t))]
    if not stats.postings:
        return lines
    # the most frequent first; ties in the lifecycle's order, topics alphabetically
    lifecycle = list(PostingStatus)
    statuses = [
        (status_label(status, t), n)
        for status, n in sorted(
            stats.postings_by_status.items(), key=lambda item: (-item[1], lifecycle.index(item[0]))
        )
    ]
    topics = sorted(
        ((formatting.category(c, t), n) for c, n in stats.postings_by_category.items()),
        key=lambda item: (-item[1], item[0]),
    )
    lines.append(INDENT + t._("by status: {list}").format(list=_listed(statuses, t)))
    lines.append(INDENT + t._("by topic: {list}").format(list=_listed(topics, t)))
    if stats.postings_hidden:
        lines.append(
            INDENT
            + t._("hidden because the owner is banned: {n}").format(n=_n(stats.postings_hidden, t))
        )
    return lines


def _urgent_needs(stats: MunicipalityStats, t: Translator) -> list[str]:
    lines = [t._("⚡ Urgent needs published: {n}").format(n=_n(stats.urgent_needs, t))]
    if stats.fill_rate is None:
        return lines
    lines.append(
        INDENT
        + t._("filled: {filled} ({share})").format(
            filled=_n(stats.urgent_filled, t),
            share=format_percent(stats.fill_rate, locale=t.language),
        )
    )
    if stats.median_time_to_fill is not None:
        lines.append(
            INDENT
            + t._("median time until filled: {time}").format(
                time=_duration(stats.median_time_to_fill, t)
            )
        )
    return lines


def _listed(counts: list[tuple[str, int]], t: Translator) -> str:
    # "label: n" reads right for every label ("wartet auf Prüfung: 22", not "22 wartet …")
    return ", ".join(f"{label}: {_n(n, t)}" for label, n in counts)


def _n(value: int, t: Translator) -> str:
    return format_decimal(value, locale=t.language)


def _duration(value: timedelta, t: Translator) -> str:
    """The two largest units, short: "2 Std. 15 Min." / "2 hr 15 min", "1 Tg. 4 Std."."""
    minutes = round(value.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [(days, "duration-day"), (hours, "duration-hour")]
    elif hours:
        parts = [(hours, "duration-hour"), (minutes, "duration-minute")]
    else:
        parts = [(minutes, "duration-minute")]
    return " ".join(
        format_unit(n, unit, length="short", locale=t.language)
        for n, unit in parts
        if n or len(parts) == 1
    )
