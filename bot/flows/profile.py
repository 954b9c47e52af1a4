"""Questions about a volunteer's profile, shared by onboarding (one after the other) and settings
(one at a time): home area, radius, interests, qualifications, availability.

Each factory takes `done`, called once the answer is accepted; the answer is in the flow data."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot import formatting
from bot.context import Turn
from bot.flows import framework as fw
from bot.flows.common import categories_named, nav_choices, place_answer, qualifications_named
from bot.messages import Choice
from domain.actors import Availability
from domain.categories import Category
from domain.places import MAX_RADIUS_KM, MIN_RADIUS_KM
from domain.qualifications import Qualification, known_qualification_keys

Done = Callable[[Turn], None]
RADIUS_CHOICES = (2, 5, 10, 25)
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)")
# words people use for their availability, as parsing patterns (not shown to anyone)
_AVAILABILITY_WORDS = {
    Availability.WEEKDAY_DAYTIME: re.compile(
        r"tags(über|ueber)|vormittag|nachmittag|daytime|during the day"
    ),
    Availability.WEEKDAY_EVENINGS: re.compile(r"abend|evening|nach der arbeit|after work"),
    Availability.WEEKENDS: re.compile(r"wochenende|samstag|sonntag|weekend|saturday|sunday"),
    Availability.SPONTANEOUS: re.compile(
        r"spontan|kurzfristig|spontaneous|short notice|anytime|jederzeit"
    ),
}


def availability_label(value: Availability, turn: Turn) -> str:
    t = turn.t
    labels = {
        Availability.WEEKDAY_DAYTIME: t._("Weekdays during the day"),
        Availability.WEEKDAY_EVENINGS: t._("Weekday evenings"),
        Availability.WEEKENDS: t._("Weekends"),
        Availability.SPONTANEOUS: t._("Spontaneously"),
    }
    return labels[value]


# ---- home area -------------------------------------------------------------------------------


def home_step(done: Done) -> fw.Step:
    def prompt(turn: Turn) -> None:
        turn.say(
            turn.t._(
                "Where are you usually? Share your location or type a place, e.g. "
                "“Burtscheid” or “Stolberg”. I only keep the area, not the exact spot."
            ),
            nav_choices(turn),
            request_location=True,
        )

    def handle(turn: Turn) -> None:
        place = place_answer(turn)
        if place is None:
            fw.reprompt(
                turn,
                turn.t._(
                    "I don't know that place. Please type a town or district near Aachen, "
                    "or share your location."
                ),
            )
            return
        # a coarse point (about 100 m) is plenty for matching and keeps the exact spot private
        fw.data(turn)["home"] = {
            "lat": round(place.point.lat, 3),
            "lon": round(place.point.lon, 3),
            "label": place.name,
            "municipality": place.municipality_key,
        }
        done(turn)

    return fw.Step(prompt, handle)


# ---- radius ----------------------------------------------------------------------------------


def radius_step(done: Done) -> fw.Step:
    def prompt(turn: Turn) -> None:
        choices = tuple(
            Choice(formatting.distance(km, turn.language), f"radius:{km}") for km in RADIUS_CHOICES
        )
        turn.say(turn.t._("How far would you go to help?"), choices + nav_choices(turn))

    def handle(turn: Turn) -> None:
        radius = _radius_answer(turn)
        if radius is None:
            fw.reprompt(
                turn,
                turn.t._(
                    "Please pick a distance or type a number of kilometres between {min} and "
                    "{max}.",
                    min=f"{MIN_RADIUS_KM:g}",
                    max=f"{MAX_RADIUS_KM:g}",
                ),
            )
            return
        fw.data(turn)["radius_km"] = radius
        done(turn)

    return fw.Step(prompt, handle)


def _radius_answer(turn: Turn) -> float | None:
    choice = turn.incoming.choice or ""
    if choice.startswith("radius:"):
        value: float | None = float(choice.removeprefix("radius:"))
    else:
        distances = turn.entities("distance")
        if distances:
            value = float(distances[0]["value"])
        else:
            match = _NUMBER.search(turn.incoming.text or "")
            value = float(match.group(1).replace(",", ".")) if match else None
    if value is None or not MIN_RADIUS_KM <= value <= MAX_RADIUS_KM:
        return None
    return value


# ---- multiple choice: interests, qualifications, availability ---------------------------------


def _toggle_list(
    turn: Turn,
    key: str,
    options: list[tuple[str, str]],
    question: str,
    *,
    none_label: str | None = None,
) -> None:
    chosen: list[str] = fw.data(turn).setdefault(key, [])
    choices = [
        Choice(("✅ " if value in chosen else "") + label, f"pick:{value}")
        for value, label in options
    ]
    choices.append(Choice(turn.t._("✔ Done"), "pick:done"))
    if none_label:
        choices.append(Choice(none_label, "pick:none"))
    turn.say(question, tuple(choices))


def _handle_toggle(
    turn: Turn,
    key: str,
    valid: set[str],
    from_text: Callable[[Turn], list[str]],
    done: Done,
    *,
    at_least_one: bool,
) -> bool:
    """Apply a tap or free text; True when the list is complete and `done` ran."""
    chosen: list[str] = fw.data(turn).setdefault(key, [])
    choice = turn.incoming.choice or ""
    if choice == "pick:done":
        if at_least_one and not chosen:
            return False
        done(turn)
        return True
    if choice == "pick:none":
        fw.data(turn)[key] = []
        done(turn)
        return True
    if choice.startswith("pick:") and choice.removeprefix("pick:") in valid:
        value = choice.removeprefix("pick:")
        if value in chosen:
            chosen.remove(value)
        else:
            chosen.append(value)
        fw.current_step(turn).prompt(turn)  # type: ignore[union-attr]
        return True
    understood = [v for v in from_text(turn) if v in valid]
    if understood:
        fw.data(turn)[key] = sorted(set(chosen) | set(understood))
        done(turn)
        return True
    return False


def interests_step(done: Done) -> fw.Step:
    keys = [c.value for c in Category]

    def prompt(turn: Turn) -> None:
        options = [(c.value, formatting.category(c, turn.t)) for c in Category]
        _toggle_list(
            turn,
            "interests",
            options,
            turn.t._(
                "What are you interested in? Tap topics (tap again to remove), then Done — "
                "or just type them, e.g. “animals and environment”."
            ),
        )

    def handle(turn: Turn) -> None:
        if not _handle_toggle(
            turn, "interests", set(keys), categories_named, done, at_least_one=True
        ):
            fw.reprompt(turn, turn.t._("Please choose at least one topic."))

    return fw.Step(prompt, handle)


def qualifications_step(done: Done) -> fw.Step:
    keys = known_qualification_keys()

    def prompt(turn: Turn) -> None:
        options = [(k, formatting.qualification(Qualification(k), turn.t)) for k in keys]
        _toggle_list(
            turn,
            "qualifications",
            options,
            turn.t._(
                "Which of these do you have? Languages you speak count too — just type "
                "them, e.g. “Arabic”."
            ),
            none_label=turn.t._("None of these"),
        )

    def handle(turn: Turn) -> None:
        valid = set(keys) | {str(e["value"]) for e in turn.entities("qualification")}
        chosen = fw.data(turn).get("qualifications", [])
        valid |= set(chosen)
        if not _handle_toggle(
            turn, "qualifications", valid, qualifications_named, done, at_least_one=False
        ):
            fw.reprompt(turn, turn.t._("Tap what applies and then Done, or “None of these”."))

    return fw.Step(prompt, handle)


def availability_step(done: Done) -> fw.Step:
    keys = [a.value for a in Availability]

    def prompt(turn: Turn) -> None:
        options = [(a.value, availability_label(a, turn)) for a in Availability]
        _toggle_list(turn, "availability", options, turn.t._("When do you usually have time?"))

    def handle(turn: Turn) -> None:
        if not _handle_toggle(
            turn, "availability", set(keys), _availability_in_text, done, at_least_one=True
        ):
            fw.reprompt(turn, turn.t._("Please choose at least one, then Done."))

    return fw.Step(prompt, handle)


def _availability_in_text(turn: Turn) -> list[str]:
    text = (turn.incoming.text or "").casefold()
    return [a.value for a, pattern in _AVAILABILITY_WORDS.items() if pattern.search(text)]
