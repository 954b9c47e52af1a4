"""I have time now, here.

("ich habe jetzt 2 Stunden Zeit", ⏱ tapped, or a live location shared outside a flow)
  ─▶ [how long? 1 h · 2 h · 3 h · 4 h — unless the text said so]
  ─▶ [where? share your location · type a place · 🏠 at home — unless shared]
  ─▶ the window opens: the best open needs nearby, each with why it fits (search results:
     details, "I'm interested"), and until it closes newly published needs are pushed at once
  ─▶ it closes at its end, or with "⏹ End" / /stop: the precise location is deleted
Live-location updates move an open window silently.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot import formatting
from bot.context import Turn
from bot.flows import framework as fw
from bot.flows import search
from bot.flows.common import nav_choices, remember_place
from bot.messages import Choice
from domain.places import GeoPoint
from matching.retrieval import needs_for_free_now
from matching.scoring import FreeNow

NAME = "free_now"
HOURS = (1, 2, 3, 4)
INTRO_LINES = 5
END = "freenow:end"
_NUMBER_WORDS = {
    "eine": 1, "einer": 1, "ne": 1, "one": 1, "an": 1, "a": 1,
    "zwei": 2, "two": 2, "drei": 3, "three": 3, "vier": 4, "four": 4,
}  # fmt: skip
_HOURS = re.compile(
    r"\b(\d{1,2}(?:[.,]5)?|eine?r?|ne|one|an|a|zwei|two|drei|three|vier|four)\s*"
    r"(?:std\.?|stunden?|h|hours?|hrs?)\b",
    re.IGNORECASE,
)


def _hours_in(text: str) -> float | None:
    match = _HOURS.search(text)
    if match is None:
        return None
    word = match.group(1).lower().replace(",", ".")
    value = _NUMBER_WORDS.get(word) or float(word)
    return value if 0 < value <= 12 else None


def begin(turn: Turn) -> None:
    account = turn.account
    if account is None or account.id is None:
        from bot.flows import onboarding

        turn.say(turn.t._("To tell you what's needed nearby I need to know you a little first."))
        onboarding.begin(turn, resume={"flow": NAME})
        return
    fw.start(turn, FLOW, "start", {})
    _absorb_time(turn)
    if turn.incoming.location is not None or turn.entities("location"):
        remember_place(turn, "place")
    _next(turn)


def _absorb_time(turn: Turn) -> None:
    answers = fw.data(turn)
    for entity in turn.entities("time"):
        value = entity["value"]
        if isinstance(value, dict) and "to" in value:
            until = datetime.fromisoformat(value["to"])
            if turn.now < until <= turn.now + timedelta(hours=12):
                answers["until"] = until.isoformat()
                return
    hours = _hours_in(turn.incoming.text or "")
    if hours is not None:
        answers["until"] = (turn.now + timedelta(hours=hours)).isoformat()


def _next(turn: Turn) -> None:
    answers = fw.data(turn)
    if "until" not in answers:
        fw.goto(turn, "duration", remember=False)
    elif "place" not in answers:
        fw.goto(turn, "place", remember=False)
    else:
        _open(turn)


def _open(turn: Turn) -> None:
    t = turn.t
    account = turn.account
    assert account is not None
    assert account.id is not None
    answers = fw.data(turn)
    settings = turn.settings.pushes
    # the window, and with it the location, lasts at most free_now_max
    until = min(datetime.fromisoformat(answers["until"]), turn.now + settings.free_now_max)
    place = answers["place"]
    point = GeoPoint(place["lat"], place["lon"])
    live = bool(turn.incoming.location and turn.incoming.location.live)
    turn.uow.pushes.open_window(
        account.id, point, place["label"], settings.free_now_radius_km, turn.now, until, live=live
    )
    window = FreeNow(
        account_id=account.id,
        point=point,
        radius_km=settings.free_now_radius_km,
        start=turn.now,
        end=until,
        interests=frozenset(turn.uow.accounts.interests(account.id)),
        qualifications=frozenset(turn.uow.accounts.qualifications(account.id)),
    )
    matches = needs_for_free_now(
        turn.uow.candidates, window, turn.now, k=search.MAX_RESULTS, exclude_owner_id=account.id
    )
    opened = t._(
        "⏱ Noted: you're free until {time} near {place}. Until then I'll send you new needs "
        "nearby right away. I'll delete your location when the time is up.",
        time=formatting.clock_time(until, t, turn.time_zone),
        place=place["label"],
    )
    if not matches:
        fw.finish(turn)
        turn.say(
            opened + "\n\n" + t._("Nothing is open nearby right now — I'll keep watching."),
            (Choice(t._("⏹ End my free time"), END),),
        )
        return
    intro = [opened, "", t._("What's needed nearby right now:")]
    for match in matches[:INTRO_LINES]:
        why = formatting.match_reasons(match.score, t, turn.time_zone)
        intro.append(f"• {match.posting.title} — {why}")
    search.present(
        turn,
        [(match.posting, match.km) for match in matches],
        centre=place,
        radius_km=settings.free_now_radius_km,
        time_from=turn.now,
        time_to=until,
        intro="\n".join(intro),
        extra=(Choice(t._("⏹ End my free time"), END),),
    )


def end(turn: Turn) -> None:
    account = turn.account
    if account is None or account.id is None or not turn.uow.pushes.close_window(account.id):
        turn.say(turn.t._("You haven't told me you're free right now."))
        return
    turn.say(turn.t._("⏹ Okay, your free time is closed and the location you shared is deleted."))


def live_update(turn: Turn) -> bool:
    """A live-location update moves an open window without a word; False when none is open."""
    account = turn.account
    location = turn.incoming.location
    if account is None or account.id is None or location is None:
        return False
    return turn.uow.pushes.move_window(account.id, location.point, turn.now)


# ---- steps ---------------------------------------------------------------------------------------


def _start_prompt(turn: Turn) -> None:
    """Only where the flow begins."""


def _start_handle(turn: Turn) -> None:
    _next(turn)


def _duration_prompt(turn: Turn) -> None:
    t = turn.t
    choices = tuple(Choice(t.n_("{n} hour", "{n} hours", h), f"hours:{h}") for h in HOURS)
    turn.say(t._("How long do you have?"), (*choices, *nav_choices(turn)))


def _duration_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    answers = fw.data(turn)
    if choice.startswith("hours:") and choice[6:].isdigit() and int(choice[6:]) in HOURS:
        answers["until"] = (turn.now + timedelta(hours=int(choice[6:]))).isoformat()
    else:
        _absorb_time(turn)
    if "until" not in answers:
        fw.reprompt(
            turn, turn.t._("Tap how many hours, or write e.g. “2 Stunden” or “bis 18 Uhr”.")
        )
        return
    _next(turn)


def _place_prompt(turn: Turn) -> None:
    t = turn.t
    choices: list[Choice] = []
    account = turn.account
    if account is not None and account.home is not None:
        choices.append(Choice(t._("🏠 Near my home area"), "freenow:home"))
    turn.say(
        t._("Where are you? Share your location or type a place, e.g. “Burtscheid” or “Stolberg”."),
        (*choices, *nav_choices(turn)),
        request_location=True,
    )


def _place_handle(turn: Turn) -> None:
    account = turn.account
    if turn.incoming.choice == "freenow:home" and account is not None and account.home:
        home = account.home
        fw.data(turn)["place"] = {"lat": home.lat, "lon": home.lon, "label": home.label}
    elif not remember_place(turn, "place"):
        fw.reprompt(turn, turn.t._("I don't know that place. Try a town or district near Aachen."))
        return
    _next(turn)


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "start": fw.Step(_start_prompt, _start_handle),
            "duration": fw.Step(_duration_prompt, _duration_handle),
            "place": fw.Step(_place_prompt, _place_handle),
        },
    )
)
