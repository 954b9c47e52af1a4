"""Settings: language, home area, municipality, radius, interests, qualifications,
availability, notifications on/off, quiet hours, daily digest. Each change is saved at once and
leads back to the menu.

    menu ─▶ language | home | municipality | radius | interests | qualifications | availability
            | notifications (toggle) | quiet hours | digest time ─▶ saved ─▶ menu ─▶ done

A new home area brings its municipality along (the postcode's, else the nearest); someone living
on a border picks the municipality directly, until their next change of home area.
"""

from __future__ import annotations

import dataclasses
from datetime import time

from bot import formatting
from bot.context import Turn
from bot.flows import basics, profile
from bot.flows import framework as fw
from bot.flows.common import nav_choices
from bot.messages import Choice
from domain.actors import Account, Availability, QuietHours
from domain.categories import Category
from domain.places import GeoPoint, Place
from domain.qualifications import Qualification

NAME = "settings"
QUIET_PRESETS = {
    "22-7": (time(22), time(7)),
    "21-8": (time(21), time(8)),
    "23-6": (time(23), time(6)),
}
DIGEST_PRESETS = {"8": time(8), "12": time(12), "18": time(18), "20": time(20)}
TOWN = "town:"  # choice payload prefix of a municipality, by its key


def begin(turn: Turn) -> None:
    if turn.account is None:
        from bot.flows import onboarding

        turn.say(turn.t._("Let's set up your profile first."))
        onboarding.begin(turn)
        return
    fw.start(turn, FLOW, "menu")


def _account(turn: Turn) -> Account:
    account = turn.account
    assert account is not None
    assert account.id is not None
    return account


def _menu_prompt(turn: Turn) -> None:
    t = turn.t
    account = _account(turn)
    assert account.id is not None
    interests = ", ".join(
        formatting.category(c, t) for c in sorted(turn.uow.accounts.interests(account.id))
    )
    quiet = account.quiet_hours
    lines = [
        t._("Your settings:"),
        t._("Language: {value}", value="Deutsch" if account.language == "de" else "English"),
        t._("Home area: {value}", value=account.home.label if account.home else "–"),
        t._("Municipality: {value}", value=_municipality_name(turn, account.municipality_key)),
        t._(
            "Radius: {value}",
            value=formatting.distance(account.home.radius_km, turn.language)
            if account.home
            else "–",
        ),
        t._("Interests: {value}", value=interests or "–"),
        t._(
            "Notifications: {value}",
            value=t._("on") if account.notifications_enabled else t._("off"),
        ),
        t._(
            "Quiet hours: {value}", value=f"{quiet.start:%H:%M}–{quiet.end:%H:%M}" if quiet else "–"
        ),
        t._(
            "Daily digest: {value}",
            value=f"{account.digest_time:%H:%M}" if account.digest_time else t._("off"),
        ),
    ]
    choices = (
        Choice(t._("🌐 Language"), "set:language"),
        Choice(t._("🏠 Home area"), "set:home"),
        Choice(t._("🏛 Municipality"), "set:municipality"),
        Choice(t._("📏 Radius"), "set:radius"),
        Choice(t._("❤️ Interests"), "set:interests"),
        Choice(t._("🎓 Qualifications"), "set:qualifications"),
        Choice(t._("🕒 When I have time"), "set:availability"),
        Choice(
            t._("🔕 Notifications off")
            if account.notifications_enabled
            else t._("🔔 Notifications on"),
            "set:notifications",
        ),
        Choice(t._("🌙 Quiet hours"), "set:quiet"),
        Choice(t._("📬 Daily digest"), "set:digest"),
        Choice(t._("✔ Done"), "nav:cancel"),
    )
    turn.say("\n".join(lines), choices)


def _menu_handle(turn: Turn) -> None:
    choice = (turn.incoming.choice or "").removeprefix("set:")
    account = _account(turn)
    assert account.id is not None
    answers = fw.data(turn)
    if choice == "notifications":
        _save(
            turn,
            dataclasses.replace(account, notifications_enabled=not account.notifications_enabled),
        )
        return
    if choice == "interests":
        answers["interests"] = sorted(c.value for c in turn.uow.accounts.interests(account.id))
    elif choice == "qualifications":
        answers["qualifications"] = sorted(
            q.key for q in turn.uow.accounts.qualifications(account.id)
        )
    elif choice == "availability":
        answers["availability"] = sorted(a.value for a in account.availability)
    if choice in FLOW.steps and choice != "menu":
        fw.goto(turn, choice)
        return
    fw.reprompt(turn, turn.t._("Pick a setting from the list."))


def _save(turn: Turn, account: Account) -> None:
    turn.uow.accounts.update(account)
    turn.forget_account()
    turn.say(turn.t._("Saved. ✔"))
    fw.goto(turn, "menu", remember=False)


def _saved_home(turn: Turn) -> None:
    account = _account(turn)
    home = fw.data(turn).pop("home")
    radius = account.home.radius_km if account.home else turn.settings.default_radius_km
    place = Place(GeoPoint(home["lat"], home["lon"]), home["label"], radius)
    _save(turn, dataclasses.replace(account, home=place, municipality_key=home["municipality"]))


def _municipality_name(turn: Turn, key: str | None) -> str:
    return next((m.name for m in turn.settings.municipalities if m.key == key), "–")


def _municipality_prompt(turn: Turn) -> None:
    t = turn.t
    choices = tuple(Choice(m.name, f"{TOWN}{m.key}") for m in turn.settings.municipalities)
    turn.say(
        t._(
            "Which municipality do you belong to? It follows your home area; pick it here if "
            "you live near a border. Matching still goes by distance, across municipal borders."
        ),
        choices + nav_choices(turn),
    )


def _municipality_handle(turn: Turn) -> None:
    key = (turn.incoming.choice or "").removeprefix(TOWN)
    if key not in {m.key for m in turn.settings.municipalities}:
        fw.reprompt(turn, turn.t._("Please pick your municipality from the list."))
        return
    _save(turn, dataclasses.replace(_account(turn), municipality_key=key))


def _saved_radius(turn: Turn) -> None:
    account = _account(turn)
    radius = float(fw.data(turn).pop("radius_km"))
    if account.home is None:
        turn.say(turn.t._("Please set your home area first."))
        fw.goto(turn, "home")
        return
    _save(
        turn, dataclasses.replace(account, home=dataclasses.replace(account.home, radius_km=radius))
    )


def _saved_interests(turn: Turn) -> None:
    account = _account(turn)
    assert account.id is not None
    turn.uow.accounts.set_interests(
        account.id, [Category(c) for c in fw.data(turn).pop("interests")]
    )
    _save(turn, account)


def _saved_qualifications(turn: Turn) -> None:
    account = _account(turn)
    assert account.id is not None
    keys = fw.data(turn).pop("qualifications", [])
    turn.uow.accounts.set_qualifications(account.id, [Qualification(k) for k in keys])
    _save(turn, account)


def _saved_availability(turn: Turn) -> None:
    account = _account(turn)
    chosen = frozenset(Availability(a) for a in fw.data(turn).pop("availability", []))
    _save(turn, dataclasses.replace(account, availability=chosen))


def _language_handle(turn: Turn) -> None:
    code = (turn.incoming.choice or "").removeprefix("lang:")
    if code not in ("de", "en"):
        fw.reprompt(turn, turn.t._("Please tap one of the options."))
        return
    turn.state.language = code
    _save(turn, dataclasses.replace(_account(turn), language=code))


def _quiet_prompt(turn: Turn) -> None:
    t = turn.t
    choices = tuple(
        Choice(f"{start:%H:%M}–{end:%H:%M}", f"quiet:{key}")
        for key, (start, end) in QUIET_PRESETS.items()
    )
    turn.say(
        t._("When should I keep quiet?"), (*choices, Choice(t._("No quiet hours"), "quiet:off"))
    )


def _quiet_handle(turn: Turn) -> None:
    key = (turn.incoming.choice or "").removeprefix("quiet:")
    account = _account(turn)
    if key == "off":
        _save(turn, dataclasses.replace(account, quiet_hours=None))
    elif key in QUIET_PRESETS:
        start, end = QUIET_PRESETS[key]
        _save(turn, dataclasses.replace(account, quiet_hours=QuietHours(start, end)))
    else:
        fw.reprompt(turn, turn.t._("Please tap one of the options."))


def _digest_prompt(turn: Turn) -> None:
    t = turn.t
    choices = tuple(Choice(f"{at:%H:%M}", f"digest:{key}") for key, at in DIGEST_PRESETS.items())
    turn.say(
        t._(
            "New matches that aren't urgent come together in one message a day. When would "
            "you like it?"
        ),
        (*choices, Choice(t._("No digest"), "digest:off")),
    )


def _digest_handle(turn: Turn) -> None:
    key = (turn.incoming.choice or "").removeprefix("digest:")
    account = _account(turn)
    if key == "off":
        _save(turn, dataclasses.replace(account, digest_time=None))
    elif key in DIGEST_PRESETS:
        _save(turn, dataclasses.replace(account, digest_time=DIGEST_PRESETS[key]))
    else:
        fw.reprompt(turn, turn.t._("Please tap one of the options."))


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "menu": fw.Step(_menu_prompt, _menu_handle, takes_text=False),
            "language": fw.Step(basics.ask_language, _language_handle, takes_text=False),
            "home": profile.home_step(_saved_home),
            "municipality": fw.Step(_municipality_prompt, _municipality_handle, takes_text=False),
            "radius": profile.radius_step(_saved_radius),
            "interests": profile.interests_step(_saved_interests),
            "qualifications": profile.qualifications_step(_saved_qualifications),
            "availability": profile.availability_step(_saved_availability),
            "quiet": fw.Step(_quiet_prompt, _quiet_handle, takes_text=False),
            "digest": fw.Step(_digest_prompt, _digest_handle, takes_text=False),
        },
    )
)
