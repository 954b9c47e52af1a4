"""Onboarding: getting to know a new user, with consent before anything is stored.

language ─▶ consent ─(no)─▶ end: nothing stored but the platform id
              │yes
              ▼
who (person | club | company | school | initiative) ─▶ [organisation name]
  ─▶ home area ─▶ radius ─▶ interests ─▶ qualifications ─▶ availability ─▶ account created
  ─▶ resume what the user wanted before (e.g. the need they started posting)
"""

from __future__ import annotations

from datetime import datetime

from bot import formatting
from bot.context import Turn
from bot.flows import framework as fw
from bot.flows import profile
from bot.flows.common import answer_yes_no, main_menu, nav_choices, yes_no
from bot.messages import Choice
from domain.actors import (
    ACTOR_KIND_LABELS,
    Account,
    ActorKind,
    Availability,
    MemberRole,
    Organisation,
)
from domain.categories import Category
from domain.errors import ValidationError
from domain.places import GeoPoint, Place
from domain.qualifications import Qualification
from domain.text import check_text

NAME = "onboarding"
ORDER = (
    "language",
    "consent",
    "actor",
    "organisation",
    "home",
    "radius",
    "interests",
    "qualifications",
    "availability",
)
RESUME = "resume"


def begin(turn: Turn, resume: dict[str, str] | None = None) -> None:
    answers = {RESUME: resume} if resume else {}
    fw.start(turn, FLOW, "language", answers)


def _next(turn: Turn) -> None:
    step = turn.state.step
    index = ORDER.index(step) + 1 if step in ORDER else 0
    following = ORDER[index] if index < len(ORDER) else None
    if following == "organisation" and fw.data(turn).get("actor") == ActorKind.PERSON.value:
        following = "home"
    if following is None:
        _complete(turn)
    else:
        fw.goto(turn, following)


# ---- language ----------------------------------------------------------------------------------


def _language_prompt(turn: Turn) -> None:
    turn.say(
        turn.t._("Hello! 👋 Which language shall we use?"),
        (Choice("Deutsch", "lang:de"), Choice("English", "lang:en")),
    )


def _language_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    if choice.startswith("lang:") and choice[5:] in ("de", "en"):
        turn.state.language = choice[5:]
    # free text answers keep the language we guessed from the platform
    _next(turn)


# ---- consent -----------------------------------------------------------------------------------


def _consent_prompt(turn: Turn) -> None:
    t = turn.t
    contact = turn.home_municipality.contact
    lines = [
        t._("Before we start, a word on privacy 🔒"),
        t._(
            "To suggest engagements near you I store: your chat id, language, home area "
            "(roughly), radius, interests, qualifications and when you have time. A location you "
            "share is used only for the moment and deleted. Nothing is passed on to third "
            "parties. You can change your profile any time under /settings."
        ),
    ]
    if contact:
        lines.append(t._("Questions or a request to delete your data: {contact}", contact=contact))
    lines.append(t._("Do you agree?"))
    turn.say("\n\n".join(lines), yes_no(turn, t._("✅ I agree"), t._("No, thanks")))


def _consent_handle(turn: Turn) -> None:
    answer = answer_yes_no(turn)
    if answer is None:
        fw.reprompt(turn, turn.t._("Please answer with yes or no."))
        return
    if not answer:
        fw.finish(turn)
        turn.say(
            turn.t._(
                "Okay, I haven't stored anything. You can still look around with /search. "
                "Type /start whenever you change your mind."
            )
        )
        return
    fw.data(turn)["consent_at"] = turn.now.isoformat()
    _next(turn)


# ---- who are you -------------------------------------------------------------------------------


def _actor_prompt(turn: Turn) -> None:
    t = turn.t
    choices = tuple(
        Choice(ACTOR_KIND_LABELS[kind][turn.language], f"actor:{kind.value}")
        for kind in (
            ActorKind.PERSON,
            ActorKind.CLUB,
            ActorKind.COMPANY,
            ActorKind.SCHOOL,
            ActorKind.INITIATIVE,
        )
    )
    turn.say(t._("Are you here as a private person, or for an organisation?"), choices)


def _actor_handle(turn: Turn) -> None:
    choice = turn.incoming.choice or ""
    if not choice.startswith("actor:"):
        fw.reprompt(turn, turn.t._("Please tap one of the options."))
        return
    try:
        kind = ActorKind(choice.removeprefix("actor:"))
    except ValueError:
        fw.reprompt(turn, turn.t._("Please tap one of the options."))
        return
    fw.data(turn)["actor"] = kind.value
    _next(turn)


def _organisation_prompt(turn: Turn) -> None:
    turn.say(turn.t._("What is the name of your organisation?"), nav_choices(turn))


def _organisation_handle(turn: Turn) -> None:
    try:
        name = check_text("organisation.name", turn.incoming.text or "", min_len=2, max_len=120)
    except ValidationError:
        fw.reprompt(turn, turn.t._("Please type the name (2 to 120 characters)."))
        return
    fw.data(turn)["organisation"] = name
    _next(turn)


# ---- completion --------------------------------------------------------------------------------


def _complete(turn: Turn) -> None:
    answers = fw.data(turn)
    t = turn.t
    home = answers["home"]
    display_name = turn.incoming.user_name or answers.get("organisation") or turn.incoming.user_id
    account = turn.uow.accounts.add(
        Account(
            display_name=display_name[:80],
            language=turn.language,
            time_zone=turn.settings.default_time_zone,
            municipality_key=home["municipality"],
            home=Place(GeoPoint(home["lat"], home["lon"]), home["label"], answers["radius_km"]),
            consent_at=datetime.fromisoformat(answers["consent_at"]),
            identities=(turn.incoming.identity,),
            availability=frozenset(Availability(a) for a in answers.get("availability", [])),
        )
    )
    assert account.id is not None
    turn.uow.accounts.set_interests(account.id, [Category(c) for c in answers["interests"]])
    turn.uow.accounts.set_qualifications(
        account.id, [Qualification(q) for q in answers.get("qualifications", [])]
    )
    if answers.get("organisation"):
        organisation = turn.uow.organisations.add(
            Organisation(ActorKind(answers["actor"]), answers["organisation"], home["municipality"])
        )
        assert organisation.id is not None
        turn.uow.organisations.add_member(organisation.id, account.id, MemberRole.ADMIN)
    turn.forget_account()
    resume = answers.get(RESUME)
    fw.finish(turn)
    interests = ", ".join(formatting.category(Category(c), t) for c in answers["interests"])
    turn.say(
        t._(
            "Welcome aboard! 🎉 Home area: {home} ({radius}). Interests: {interests}.",
            home=home["label"],
            radius=formatting.distance(answers["radius_km"], turn.language),
            interests=interests,
        ),
        () if resume else main_menu(turn),
    )
    if resume:
        from bot.flows.router import resume_after_onboarding

        resume_after_onboarding(turn, resume)


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "language": fw.Step(_language_prompt, _language_handle),
            "consent": fw.Step(_consent_prompt, _consent_handle),
            "actor": fw.Step(_actor_prompt, _actor_handle),
            "organisation": fw.Step(_organisation_prompt, _organisation_handle),
            "home": profile.home_step(_next),
            "radius": profile.radius_step(_next),
            "interests": profile.interests_step(_next),
            "qualifications": profile.qualifications_step(_next),
            "availability": profile.availability_step(_next),
        },
    )
)
