"""Posting an offer or a need — or editing one of my postings.

(free text "Wir suchen morgen früh 4 Helfer für die Tafel in Rothe Erde")
  └─ fills kind, category, time, place, quantity, qualifications, urgency, title
ask only what is missing:  kind ─▶ text ─▶ category ─▶ time ─▶ place
  ─▶ summary ─┬─ publish/save ─▶ published (verified organisation) | pending_review
              ├─ change title | category | time | place | quantity | qualifications |
              │  urgency | type ─▶ back to the summary
              └─ cancel
"""

from __future__ import annotations

import re
from typing import Any

from bot import formatting, pushes
from bot.context import Turn
from bot.flows import bans, moderation, profile, windows
from bot.flows import framework as fw
from bot.flows.common import (
    answer_yes_no,
    cancel_choice,
    categories_named,
    intent_name,
    main_menu,
    nav_choices,
    place_answer,
    qualifications_named,
    yes_no,
)
from bot.messages import Choice
from domain.actors import Owner
from domain.categories import Category, parse_category
from domain.errors import ValidationError
from domain.lifecycle import PostingEvent, PostingStatus
from domain.municipalities import nearest_municipality
from domain.places import GeoPoint, Place
from domain.postings import TITLE_MAX, Posting, PostingKind, PostingType, Urgency
from domain.qualifications import Qualification
from domain.text import check_text
from domain.timewindow import OneOff

NAME = "posting"
MISSING_ORDER = ("kind", "text", "category", "time", "place")
_URGENT = re.compile(r"\b(dringend|eilig|sofort|asap|urgent|urgently|notfall)\b", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(\d{1,3})\s*$")
_INTENT_KIND = {"offer_help": PostingKind.OFFER.value, "request_help": PostingKind.NEED.value}


def begin(turn: Turn, kind: PostingKind | None = None, text: str | None = None) -> None:
    if bans.refuse_banned(turn):
        return
    answers: dict[str, Any] = {"mode": "new", "qualifications": []}
    if kind is not None:
        answers["kind"] = kind.value
    fw.start(turn, FLOW, "fill", answers)
    if text:
        _absorb_text(turn, text)
    _ask_next(turn)


def begin_edit(turn: Turn, posting: Posting) -> None:
    assert posting.id is not None
    place = posting.place
    answers: dict[str, Any] = {
        "mode": "edit",
        "posting_id": posting.id,
        "kind": posting.kind.value,
        "type": posting.type.value,
        "category": posting.category.value,
        "title": posting.title,
        "text": posting.description or posting.title,
        "time": windows.to_data(posting.time_window),
        "place": {
            "lat": place.lat,
            "lon": place.lon,
            "label": place.label,
            "municipality": posting.municipality_key,
            "radius_km": place.radius_km,
        },
        "quantity": posting.quantity,
        "qualifications": sorted(q.key for q in posting.qualifications),
        "urgent": posting.urgency is Urgency.URGENT,
    }
    fw.start(turn, FLOW, "summary", answers)


# ---- filling from free text ---------------------------------------------------------------------


def _absorb_text(turn: Turn, text: str) -> None:
    """Take everything the NLU understood from a description into the answers."""
    answers = fw.data(turn)
    answers.setdefault("text", text.strip()[:2000])
    answers.setdefault("title", _title_from(text))
    intent = intent_name(turn)
    if "kind" not in answers and intent in _INTENT_KIND:
        answers["kind"] = _INTENT_KIND[intent]
    categories = categories_named(turn)
    if categories:
        answers.setdefault("category", categories[0])
    for entity in turn.entities("time"):
        window = windows.from_entity(entity["value"])
        if window is not None and "time" not in answers:
            answers["time"] = windows.to_data(window)
    place = _place_from_entities(turn)
    if place is not None:
        answers.setdefault("place", place)
    for entity in turn.entities("quantity"):
        try:
            answers.setdefault("quantity", max(1, min(500, int(entity["value"]))))
        except (TypeError, ValueError):
            continue
    for key in qualifications_named(turn):
        if key not in answers["qualifications"]:
            answers["qualifications"].append(key)
    if _URGENT.search(text):
        answers["urgent"] = True


def _place_from_entities(turn: Turn) -> dict[str, Any] | None:
    if not turn.entities("location"):
        return None
    place = place_answer(turn)
    if place is None:
        return None
    return {
        "lat": place.point.lat,
        "lon": place.point.lon,
        "label": place.name,
        "municipality": place.municipality_key,
    }


def _title_from(text: str) -> str:
    first = re.split(r"(?<=[.!?])\s+|\n", text.strip(), maxsplit=1)[0].strip()
    if len(first) > TITLE_MAX:
        first = first[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"
    return first[:1].upper() + first[1:] if first else first


def _ask_next(turn: Turn) -> None:
    answers = fw.data(turn)
    # "fill" is only where a flow begins; "back" should never land there
    remember = turn.state.step != "fill"
    for field in MISSING_ORDER:
        if field not in answers:
            fw.goto(turn, field, remember=remember)
            return
    fw.goto(turn, "summary", remember=remember)


def _after_answer(turn: Turn) -> None:
    """Editing from the summary returns there; otherwise ask the next missing thing."""
    if fw.data(turn).pop("_editing", False):
        fw.goto(turn, "summary", remember=False)
    else:
        _ask_next(turn)


def _edit(turn: Turn, step: str) -> None:
    fw.data(turn)["_editing"] = True
    fw.goto(turn, step)


# ---- steps ---------------------------------------------------------------------------------------


def _fill_prompt(turn: Turn) -> None:
    """Only a resting point: `begin` decides the first real question."""


def _fill_handle(turn: Turn) -> None:
    _ask_next(turn)


def _kind_prompt(turn: Turn) -> None:
    t = turn.t
    turn.say(
        t._("Do you want to offer help, or are you looking for help?"),
        (
            Choice(t._("🙋 I offer help"), "kind:offer"),
            Choice(t._("📣 We need help"), "kind:need"),
            *nav_choices(turn),
        ),
    )


def _kind_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    intent = intent_name(turn)
    if choice in ("kind:offer", "kind:need"):
        fw.data(turn)["kind"] = choice.removeprefix("kind:")
    elif intent in _INTENT_KIND:
        fw.data(turn)["kind"] = _INTENT_KIND[intent]
        if turn.incoming.text and len(turn.incoming.text.split()) > 3:
            _absorb_text(turn, turn.incoming.text)
    else:
        fw.reprompt(turn, turn.t._("Please tap “I offer help” or “We need help”."))
        return
    _after_answer(turn)


def _text_prompt(turn: Turn) -> None:
    t = turn.t
    if fw.data(turn).get("kind") == PostingKind.NEED.value:
        example = t._("e.g. “We need 4 helpers for the food bank tomorrow morning in Rothe Erde”")
    else:
        example = t._("e.g. “I can help with tutoring in maths on weekday evenings in Burtscheid”")
    turn.say(
        t._("Describe it in a sentence or two — {example}.", example=example), nav_choices(turn)
    )


def _text_handle(turn: Turn) -> None:
    text = (turn.incoming.text or "").strip()
    if len(text) < 3 or text.startswith("/"):
        fw.reprompt(turn, turn.t._("Please describe it in a few words."))
        return
    answers = fw.data(turn)
    if answers.pop("_editing", False):
        answers["text"] = text[:2000]
        fw.goto(turn, "summary", remember=False)
        return
    # an answer given again after "back" replaces the earlier one
    answers["text"] = text[:2000]
    answers["title"] = _title_from(text)
    _absorb_text(turn, text)
    _ask_next(turn)


def _category_prompt(turn: Turn) -> None:
    choices = tuple(Choice(formatting.category(c, turn.t), f"category:{c.value}") for c in Category)
    turn.say(turn.t._("Which topic fits best?"), choices + nav_choices(turn))


def _category_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    value: str | None = None
    if choice.startswith("category:"):
        value = choice.removeprefix("category:")
    else:
        named = categories_named(turn)
        value = named[0] if named else None
    try:
        category = parse_category(value or "")
    except ValidationError:
        fw.reprompt(
            turn, turn.t._("Please pick a topic from the list, or name one, e.g. “animals”.")
        )
        return
    fw.data(turn)["category"] = category.value
    _after_answer(turn)


def _time_prompt(turn: Turn) -> None:
    t = turn.t
    turn.say(
        t._("When? Type it like “tomorrow 10–12”, “Saturday at 10” or “on 3 Dec” — or tap:"),
        (
            Choice(t._("Today"), "time:today"),
            Choice(t._("Tomorrow"), "time:tomorrow"),
            Choice(t._("This weekend"), "time:weekend"),
            Choice(t._("Flexible / any time"), "time:flexible"),
            *nav_choices(turn),
        ),
    )


def _time_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    window = None
    if choice.startswith("time:"):
        window = windows.preset(choice.removeprefix("time:"), turn.now, turn.time_zone)
    else:
        for entity in turn.entities("time"):
            window = windows.from_entity(entity["value"])
            if window is not None:
                break
    if window is None:
        fw.reprompt(turn, turn.t._("I couldn't read a time from that."))
        return
    if isinstance(window, OneOff) and window.end <= turn.now:
        fw.reprompt(turn, turn.t._("That time is already over — please give one in the future."))
        return
    fw.data(turn)["time"] = windows.to_data(window)
    _after_answer(turn)


def _place_prompt(turn: Turn) -> None:
    t = turn.t
    choices: tuple[Choice, ...] = ()
    account = turn.account
    if account is not None and account.home is not None:
        choices = (Choice(t._("🏠 {place}", place=account.home.label), "place:home"),)
    if account is None:
        # before consent a shared location is not taken (router), so none is asked for
        turn.say(t._("Where? Type a place or district, e.g. “Burtscheid”."), nav_choices(turn))
        return
    turn.say(
        t._("Where? Type a place or district (e.g. “Burtscheid”) or share a location."),
        choices + nav_choices(turn),
        request_location=True,
    )


def _place_handle(turn: Turn) -> None:
    account = turn.account
    if turn.incoming.choice == "place:home" and account is not None and account.home is not None:
        home = account.home
        municipality = nearest_municipality(home.point, turn.settings.municipalities).key
        fw.data(turn)["place"] = {
            "lat": home.lat,
            "lon": home.lon,
            "label": home.label,
            "municipality": municipality,
        }
        _after_answer(turn)
        return
    place = place_answer(turn)
    if place is None:
        fw.reprompt(turn, turn.t._("I don't know that place. Try a town or district near Aachen."))
        return
    fw.data(turn)["place"] = {
        "lat": place.point.lat,
        "lon": place.point.lon,
        "label": place.name,
        "municipality": place.municipality_key,
    }
    _after_answer(turn)


def _quantity_prompt(turn: Turn) -> None:
    turn.say(turn.t._("How many helpers are needed?"), nav_choices(turn))


def _quantity_handle(turn: Turn) -> None:
    entities = turn.entities("quantity")
    match = _NUMBER.match(turn.incoming.text or "")
    value = int(entities[0]["value"]) if entities else int(match.group(1)) if match else 0
    if not 1 <= value <= 500:
        fw.reprompt(turn, turn.t._("Please type a number between 1 and 500."))
        return
    fw.data(turn)["quantity"] = value
    _after_answer(turn)


def _title_prompt(turn: Turn) -> None:
    turn.say(turn.t._("Type a short title (3 to 120 characters)."), nav_choices(turn))


def _title_handle(turn: Turn) -> None:
    try:
        title = check_text("title", turn.incoming.text or "", min_len=3, max_len=TITLE_MAX)
    except ValidationError:
        fw.reprompt(turn, turn.t._("The title needs 3 to 120 characters."))
        return
    fw.data(turn)["title"] = title
    _after_answer(turn)


def _urgent_prompt(turn: Turn) -> None:
    turn.say(
        turn.t._("Is it urgent? Urgent needs alert volunteers nearby right away."),
        yes_no(turn),
    )


def _urgent_handle(turn: Turn) -> None:
    answer = answer_yes_no(turn)
    if answer is None:
        fw.reprompt(turn, turn.t._("Please answer with yes or no."))
        return
    fw.data(turn)["urgent"] = answer
    _after_answer(turn)


def _type_prompt(turn: Turn) -> None:
    choices = tuple(
        Choice(formatting.posting_type(kind, turn.t), f"type:{kind.value}") for kind in PostingType
    )
    turn.say(turn.t._("What kind of posting is it?"), choices)


def _type_handle(turn: Turn) -> None:
    choice = (turn.incoming.choice or "").removeprefix("type:")
    if choice not in {k.value for k in PostingType}:
        fw.reprompt(turn, turn.t._("Please tap one of the options."))
        return
    fw.data(turn)["type"] = choice
    _after_answer(turn)


# ---- summary and publishing ------------------------------------------------------------------


def _draft(turn: Turn, owner: Owner) -> Posting:
    answers = fw.data(turn)
    place = answers["place"]
    kind = PostingKind(answers["kind"])
    point = GeoPoint(place["lat"], place["lon"])
    municipality = (
        place.get("municipality") or nearest_municipality(point, turn.settings.municipalities).key
    )
    urgent = bool(answers.get("urgent")) and kind is PostingKind.NEED
    return Posting(
        kind=kind,
        type=PostingType(answers.get("type", PostingType.TIME.value)),
        category=Category(answers["category"]),
        title=answers["title"],
        description=answers.get("text", ""),
        time_window=windows.from_data(answers["time"]),
        place=Place(point, place["label"], place.get("radius_km", 5.0)),
        owner=owner,
        municipality_key=municipality,
        qualifications=frozenset(Qualification(q) for q in answers.get("qualifications", [])),
        quantity=int(answers.get("quantity", 1)),
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
    )


def _summary_prompt(turn: Turn) -> None:
    t = turn.t
    answers = fw.data(turn)
    try:
        draft = _draft(turn, Owner(0))
    except ValidationError as error:
        turn.say(t._("Something doesn't fit yet: {problem}", problem=error.message))
        _ask_fix(turn, error.field)
        return
    lines = [
        t._("Please check:"),
        "",
        formatting.posting_detail(draft, t, turn.time_zone, None),
    ]
    if draft.kind is PostingKind.NEED:
        lines.append(
            t._("Urgent: {answer}", answer=t._("yes") if answers.get("urgent") else t._("no"))
        )
    editing = answers.get("mode") == "edit"
    choices = [
        Choice(t._("💾 Save") if editing else t._("✅ Publish"), "summary:publish"),
        Choice(t._("✏️ Title"), "edit:title"),
        Choice(t._("✏️ Description"), "edit:text"),
        Choice(t._("✏️ Topic"), "edit:category"),
        Choice(t._("✏️ Time"), "edit:time"),
        Choice(t._("✏️ Place"), "edit:place"),
    ]
    if draft.kind is PostingKind.NEED:
        choices += [
            Choice(t._("✏️ Number of helpers"), "edit:quantity"),
            Choice(t._("✏️ Urgent"), "edit:urgent"),
        ]
    choices += [
        Choice(t._("✏️ Qualifications"), "edit:qualifications"),
        Choice(t._("✏️ Kind of posting"), "edit:type"),
        cancel_choice(turn),
    ]
    turn.say("\n".join(lines), tuple(choices))


def _ask_fix(turn: Turn, field: str) -> None:
    step = {"title": "title", "description": "text", "quantity": "quantity"}.get(field, "summary")
    if step != "summary":
        _edit(turn, step)


EDITABLE = (
    "title",
    "text",
    "category",
    "time",
    "place",
    "quantity",
    "urgent",
    "qualifications",
    "type",
)


def _summary_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    if choice.startswith("edit:") and choice.removeprefix("edit:") in EDITABLE:
        _edit(turn, choice.removeprefix("edit:"))
        return
    if choice == "summary:publish" or answer_yes_no(turn) is True:
        _publish(turn)
        return
    fw.reprompt(turn, turn.t._("Tap “Publish” (or “Save”), or one of the fields to change it."))


def _publish(turn: Turn) -> None:
    t = turn.t
    account = turn.account
    answers = fw.data(turn)
    if account is None or account.id is None:
        # the summary is kept: after onboarding the user comes back to it
        from bot.flows import onboarding

        onboarding.begin(turn, resume={"flow": NAME, "answers": answers})  # type: ignore[dict-item]
        return
    if answers.get("mode") == "edit":
        existing = turn.uow.postings.get(int(answers["posting_id"]))
        if existing.owner.account_id != account.id:
            fw.finish(turn)
            turn.say(t._("That posting isn't yours."))
            return
        edited = _draft(turn, existing.owner)
        turn.uow.postings.update(
            edited.changed(id=existing.id, status=existing.status, created_at=existing.created_at)
        )
        fw.finish(turn)
        turn.say(t._("💾 Saved."), main_menu(turn))
        return
    if bans.refuse_banned(turn):
        fw.finish(turn)
        return
    memberships = sorted(account.memberships, key=lambda m: m.role.value)
    organisation_id = memberships[0].organisation_id if memberships else None
    posting = turn.uow.postings.add(_draft(turn, Owner(account.id, organisation_id)))
    assert posting.id is not None
    posting_id = posting.id
    verified = organisation_id is not None and turn.uow.organisations.get(organisation_id).verified
    event = PostingEvent.PUBLISH if verified else PostingEvent.SUBMIT
    posting = turn.uow.postings.transition(posting_id, event)
    moderation.record_submission(turn, posting)
    pushes.status_changed(turn.uow, posting, turn.now, turn.settings.pushes)
    fw.finish(turn)
    if posting.status is PostingStatus.PUBLISHED:
        turn.say(t._("✅ Published! Your posting is visible now."), main_menu(turn))
        if posting.urgency is Urgency.URGENT:
            alerted = turn.uow.pushes.count_alerts(posting_id)
            turn.say(
                t.n_(
                    "🚨 I've alerted {n} volunteer nearby. I'll tell you as soon as someone "
                    "says they'll help.",
                    "🚨 I've alerted {n} volunteers nearby. I'll tell you as soon as someone "
                    "says they'll help.",
                    alerted,
                )
                if alerted
                else t._(
                    "🚨 Nobody is free nearby right now. I'll keep looking in widening circles "
                    "and tell you when someone says they'll help."
                )
            )
    else:
        municipality = turn.settings.municipality(posting.municipality_key)
        turn.say(
            t._(
                "📨 Thank you! The editors of {municipality} will check your posting and then "
                "publish it. I'll let you know.",
                municipality=municipality.name,
            ),
            main_menu(turn),
        )


def resume(turn: Turn, answers: dict[str, Any]) -> None:
    """Back to the summary after onboarding interrupted publishing."""
    fw.start(turn, FLOW, "summary", answers)


def _back_to_summary(turn: Turn) -> None:
    fw.goto(turn, "summary", remember=False)


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "fill": fw.Step(_fill_prompt, _fill_handle),
            "kind": fw.Step(_kind_prompt, _kind_handle),
            "text": fw.Step(_text_prompt, _text_handle),
            "category": fw.Step(_category_prompt, _category_handle),
            "time": fw.Step(_time_prompt, _time_handle),
            "place": fw.Step(_place_prompt, _place_handle),
            "quantity": fw.Step(_quantity_prompt, _quantity_handle),
            "title": fw.Step(_title_prompt, _title_handle),
            "urgent": fw.Step(_urgent_prompt, _urgent_handle),
            "type": fw.Step(_type_prompt, _type_handle),
            "qualifications": profile.qualifications_step(_back_to_summary),
            "summary": fw.Step(_summary_prompt, _summary_handle),
        },
    )
)
