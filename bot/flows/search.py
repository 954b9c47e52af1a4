"""Search: by topic, time, place and radius, qualification; five results a page.

(free text "was gibt es am Wochenende in Burtscheid" fills topic, time, place, radius)
  ─▶ [place, if none is known] ─▶ results (page n, next / previous)
  ─▶ detail (place pin, distance, time) ─▶ "I'm interested" (recorded, the owner is told)

Before consent (no account) the place is typed, never shared, and serves one answer: the first
results, without distances; the search then ends, so nothing of the place stays in the state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot import formatting
from bot.context import Turn
from bot.flows import framework as fw
from bot.flows import windows
from bot.flows.common import (
    categories_named,
    nav_choices,
    qualifications_named,
    remember_place,
)
from bot.messages import Choice, LocationPin
from domain.categories import Category
from domain.errors import NotFound
from domain.places import GeoPoint
from domain.postings import Posting
from domain.qualifications import Qualification
from domain.search import PostingFilter
from domain.timewindow import OneOff
from matching.ranking import search_order

NAME = "search"
HORIZON = timedelta(days=28)
MAX_RESULTS = 100


def begin(turn: Turn, text: str | None = None, *, within: timedelta | None = None) -> None:
    """Search with what the text names; `within` limits an unnamed time to now … now+within."""
    fw.start(turn, FLOW, "start", {"categories": [], "qualifications": []})
    answers = fw.data(turn)
    if text:
        _absorb(turn)
    if within is not None and "time_from" not in answers:
        answers["time_from"] = turn.now.isoformat()
        answers["time_to"] = (turn.now + within).isoformat()
    if turn.incoming.location is not None:
        remember_place(turn, "centre")
    if "centre" not in answers:
        account = turn.account
        if account is not None and account.home is not None:
            answers["centre"] = {
                "lat": account.home.lat,
                "lon": account.home.lon,
                "label": account.home.label,
            }
            answers.setdefault("radius_km", account.home.radius_km)
    if "centre" not in answers:
        fw.goto(turn, "place", remember=False)
        return
    _run(turn)


def _absorb(turn: Turn) -> None:
    answers = fw.data(turn)
    for key in categories_named(turn):
        if key not in answers["categories"]:
            answers["categories"].append(key)
    for key in qualifications_named(turn):
        if key not in answers["qualifications"]:
            answers["qualifications"].append(key)
    for entity in turn.entities("time"):
        interval = windows.interval_of(entity["value"])
        if interval is not None:
            answers["time_from"], answers["time_to"] = (v.isoformat() for v in interval)
            break
    for entity in turn.entities("distance"):
        try:
            answers["radius_km"] = max(0.5, min(200.0, float(entity["value"])))
        except (TypeError, ValueError):
            continue
    if turn.entities("location"):
        remember_place(turn, "centre")


def _filter(turn: Turn) -> PostingFilter:
    answers = fw.data(turn)
    centre = answers["centre"]
    start = datetime.fromisoformat(answers["time_from"]) if "time_from" in answers else turn.now
    end = datetime.fromisoformat(answers["time_to"]) if "time_to" in answers else turn.now + HORIZON
    account = turn.account
    return PostingFilter(
        centre=GeoPoint(centre["lat"], centre["lon"]),
        radius_km=float(answers.get("radius_km") or turn.settings.default_radius_km),
        categories=frozenset(Category(c) for c in answers["categories"]),
        qualifications=frozenset(Qualification(q) for q in answers["qualifications"]),
        time_from=max(start, turn.now),
        time_to=max(end, turn.now + timedelta(hours=1)),
        exclude_owner_id=account.id if account else None,
    )


def present(
    turn: Turn,
    hits: list[tuple[Posting, float | None]],
    *,
    centre: dict[str, Any],
    radius_km: float,
    time_from: datetime,
    time_to: datetime,
    intro: str | None = None,
    extra: tuple[Choice, ...] = (),
) -> None:
    """Show results found elsewhere (free now) as a search: pages, details, "I'm interested";
    `intro` replaces the first page's header, `extra` choices stay on every page."""
    fw.start(
        turn,
        FLOW,
        "results",
        {
            "categories": [],
            "qualifications": [],
            "centre": centre,
            "radius_km": radius_km,
            "time_from": time_from.isoformat(),
            "time_to": time_to.isoformat(),
            "results": [[posting.id, km] for posting, km in hits],
            "page": 0,
            "intro": intro,
            "extra": [[choice.label, choice.payload] for choice in extra],
        },
    )


def _run(turn: Turn) -> None:
    found = turn.uow.postings.search(_filter(turn))
    ranked = search_order(found, turn.now)[:MAX_RESULTS]
    if turn.account is None:
        _answer_once(turn, [posting for posting, _km in ranked])
        return
    answers = fw.data(turn)
    answers.pop("intro", None)
    answers["results"] = [[p.id, km] for p, km in ranked]
    answers["page"] = 0
    fw.goto(turn, "results", remember=False)


def _answer_once(turn: Turn, found: list[Posting]) -> None:
    """Results for someone who hasn't consented: the place is used for this answer only. The
    search ends (paging or refining would need the place kept) and no distance is shown, as the
    choices' labels are kept to be answerable by their text."""
    t = turn.t
    described = _describe_filter(turn)
    fw.finish(turn)
    more = t._(
        "I haven't kept the place. To see everything page by page, or what's near you, "
        "start with /start."
    )
    if not found:
        turn.say(t._("Nothing found for {filter}.", filter=described) + "\n\n" + more)
        return
    choices = tuple(
        Choice(formatting.posting_line(posting, t, turn.time_zone, None), f"show:{posting.id}")
        for posting in found[: turn.settings.page_size]
    )
    header = t.n_(
        "{n} result for {filter}", "{n} results for {filter}", len(found), filter=described
    )
    turn.say(header + "\n" + t._("Pick one for details.") + "\n\n" + more, choices)


def _describe_filter(turn: Turn) -> str:
    t = turn.t
    answers = fw.data(turn)
    parts = [formatting.category(Category(c), t) for c in answers["categories"]]
    if "time_from" in answers:
        start = datetime.fromisoformat(answers["time_from"])
        end = datetime.fromisoformat(answers["time_to"])
        parts.append(formatting.time_window(OneOff(start, end), t, turn.time_zone))
    radius = float(answers.get("radius_km") or turn.settings.default_radius_km)
    parts.append(
        t._(
            "within {radius} of {place}",
            radius=formatting.distance(radius, turn.language),
            place=answers["centre"]["label"],
        )
    )
    return " · ".join(parts)


# ---- steps ---------------------------------------------------------------------------------------


def _start_prompt(turn: Turn) -> None:
    """Only where the flow begins."""


def _start_handle(turn: Turn) -> None:
    _run(turn)


def _place_prompt(turn: Turn) -> None:
    if turn.account is None:
        # before consent a shared location is not taken (router), so none is asked for
        turn.say(
            turn.t._("Where should I look? Type a place, e.g. “Burtscheid”."), nav_choices(turn)
        )
        return
    turn.say(
        turn.t._("Where should I look? Type a place (e.g. “Burtscheid”) or share your location."),
        nav_choices(turn),
        request_location=True,
    )


def _place_handle(turn: Turn) -> None:
    if not remember_place(turn, "centre"):
        fw.reprompt(turn, turn.t._("I don't know that place. Try a town or district near Aachen."))
        return
    _run(turn)


def _results_prompt(turn: Turn) -> None:
    t = turn.t
    answers = fw.data(turn)
    results: list[list[Any]] = answers["results"]
    size = turn.settings.page_size
    if not results:
        turn.say(
            t._("Nothing found for {filter}.", filter=_describe_filter(turn)),
            (
                Choice(t._("Wider: 25 km"), "search:wider"),
                Choice(t._("Any topic"), "search:any_topic"),
                Choice(t._("Any time"), "search:any_time"),
                Choice(t._("✖ Done"), "nav:cancel"),
            ),
        )
        return
    page = answers["page"]
    pages = (len(results) + size - 1) // size
    shown = results[page * size : (page + 1) * size]
    choices: list[Choice] = []
    for posting_id, km in shown:
        try:
            posting = turn.uow.postings.get(int(posting_id))
        except NotFound:
            continue
        choices.append(
            Choice(formatting.posting_line(posting, t, turn.time_zone, km), f"open:{posting_id}")
        )
    if page > 0:
        choices.append(Choice(t._("◀ Previous"), "page:prev"))
    if page + 1 < pages:
        choices.append(Choice(t._("Next ▶"), "page:next"))
    choices.extend(Choice(label, payload) for label, payload in answers.get("extra", []))
    choices.append(Choice(t._("✖ Done"), "nav:cancel"))
    header = t.n_(
        "{n} result for {filter}",
        "{n} results for {filter}",
        len(results),
        filter=_describe_filter(turn),
    )
    if page == 0 and answers.get("intro"):
        header = answers["intro"]
    turn.say(
        header
        + "\n"
        + t._("Page {page} of {pages} — pick one for details:", page=page + 1, pages=pages),
        tuple(choices),
    )


def _results_handle(turn: Turn) -> None:
    answers = fw.data(turn)
    choice = turn.incoming.choice or ""
    pages = max(
        1, (len(answers["results"]) + turn.settings.page_size - 1) // turn.settings.page_size
    )
    if choice == "page:next" and answers["page"] + 1 < pages:
        answers["page"] += 1
        fw.goto(turn, "results", remember=False)
    elif choice == "page:prev" and answers["page"] > 0:
        answers["page"] -= 1
        fw.goto(turn, "results", remember=False)
    elif choice.startswith("open:") and choice[5:].isdigit():
        answers["open"] = int(choice[5:])
        fw.goto(turn, "detail")
    elif choice == "search:wider":
        answers["radius_km"] = 25.0
        _run(turn)
    elif choice == "search:any_topic":
        answers["categories"] = []
        _run(turn)
    elif choice == "search:any_time":
        answers.pop("time_from", None)
        answers.pop("time_to", None)
        _run(turn)
    elif turn.incoming.text and turn.parse() and turn.parse()["entities"]:  # type: ignore[index]
        # a refinement typed into the results: "und am Sonntag?", "nur Tiere"
        answers["categories"] = []
        _absorb(turn)
        _run(turn)
    else:
        fw.reprompt(turn, turn.t._("Pick a result by its number, or tap next / previous."))


def _km_for(turn: Turn, posting_id: int) -> float | None:
    for found_id, km in fw.data(turn).get("results", []):
        if found_id == posting_id:
            return float(km) if km is not None else None
    return None


def open_posting(turn: Turn) -> int | None:
    """The posting the user is looking at, if any."""
    if turn.state.flow != NAME or turn.state.step != "detail":
        return None
    opened = fw.data(turn).get("open")
    return int(opened) if opened is not None else None


def _detail_prompt(turn: Turn) -> None:
    t = turn.t
    posting_id = int(fw.data(turn)["open"])
    try:
        posting = turn.uow.postings.get(posting_id)
    except NotFound:
        fw.reprompt(turn, t._("That posting is gone."))
        return
    if not posting.visible:
        turn.say(t._("This posting is no longer open."))
        if posting.hidden:
            return
    text = formatting.posting_detail(posting, t, turn.time_zone, _km_for(turn, posting_id))
    turn.say(
        text,
        (
            Choice(t._("🙋 I'm interested"), f"interest:{posting_id}"),
            Choice(t._("◀ Back to the results"), "nav:back"),
            Choice(t._("⚠️ Report"), f"report:{posting_id}"),
        ),
        location=LocationPin(posting.place.point, posting.place.label),
    )


def _detail_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    if choice.startswith("interest:") and choice[9:].isdigit():
        _interested(turn, int(choice[9:]))
        return
    fw.reprompt(turn, turn.t._("Tap “I'm interested” or go back to the results."))


def _interested(turn: Turn, posting_id: int) -> None:
    t = turn.t
    account = turn.account
    if account is None or account.id is None:
        from bot.flows import onboarding

        turn.say(t._("To get in touch I need to know you a little first."))
        onboarding.begin(turn, resume={"flow": NAME, "answers": fw.data(turn)})  # type: ignore[dict-item]
        return
    posting = turn.uow.postings.get(posting_id)
    if not posting.visible:
        fw.reprompt(turn, t._("This posting is no longer open."))
        return
    first = turn.uow.postings.record_interest(posting_id, account.id)
    if first:
        turn.notify(
            posting.owner.account_id,
            lambda owner_t: owner_t._(
                "🙋 {name} is interested in your posting “{title}”.",
                name=account.display_name,
                title=posting.title,
            ),
        )
    turn.say(
        t._(
            "Thank you! 🙌 I've told the people behind “{title}” — they will get in touch.",
            title=posting.title,
        )
        if first
        else t._("You've already shown interest in this one — they know. 👍"),
        (Choice(t._("◀ Back to the results"), "nav:back"), Choice(t._("✖ Done"), "nav:cancel")),
    )


def resume(turn: Turn, answers: dict[str, Any]) -> None:
    fw.start(turn, FLOW, "detail", answers)


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "start": fw.Step(_start_prompt, _start_handle),
            "place": fw.Step(_place_prompt, _place_handle),
            "results": fw.Step(_results_prompt, _results_handle, takes_text=False),
            "detail": fw.Step(_detail_prompt, _detail_handle, takes_text=False),
        },
    )
)
