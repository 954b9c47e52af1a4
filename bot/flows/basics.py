"""Greeting, /start, /help and the language choice.

/start ─▶ welcome (municipality's text) + what the bot does ─▶ [Help] [Other language]
/help  ─▶ what the bot does and the commands that work now
/language (/sprache) ─▶ [Deutsch] [English] ─▶ "lang:xx" ─▶ confirmation in the new language
greeting / thanks / goodbye (free text, via NLU) ─▶ a short friendly answer
"""

from __future__ import annotations

from bot.context import Turn
from bot.i18n import Translator
from bot.messages import Choice

LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}


def _other_language(turn: Turn) -> str:
    return "en" if turn.language == "de" else "de"


def _language_choice(turn: Turn) -> Choice:
    other = _other_language(turn)
    # labelled in the other language, so someone who can't read this one still finds it
    return Choice(f"🌐 {LANGUAGE_NAMES[other]}", f"lang:{other}")


def start(turn: Turn) -> None:
    t = turn.t
    municipality = turn.home_municipality
    welcome = municipality.welcome_text(turn.language)
    intro = t._(
        "I connect people who want to help with clubs, initiatives and neighbours who need "
        "help in {place} and around — short-term and spontaneously, too.",
        place=municipality.name,
    )
    text = "\n\n".join(
        part for part in (welcome, intro, t._("Type /help to see what I can do.")) if part
    )
    turn.say(text, (Choice(t._("Help"), "cmd:help"), _language_choice(turn)))


def help_(turn: Turn) -> None:
    t = turn.t
    lines = [
        t._("Here you can offer help and find people who need it: by topic, time and place."),
        "",
        t._("What you can type:"),
        t._("/start – welcome and sign-up"),
        t._("/offer – offer your help"),
        t._("/need – post a need"),
        t._("/search – find offers and needs"),
        t._("/mine – your postings"),
        t._("/settings – your profile and notifications"),
        t._("/language – Deutsch or English"),
        t._("/cancel – stop what we're doing, /back – one step back"),
        t._("/help – this overview"),
        "",
        t._(
            "Or simply write to me, e.g. “We need 4 helpers tomorrow morning at the food "
            "bank in Rothe Erde” or “what's on at the weekend in Burtscheid”."
        ),
    ]
    if turn.authority.is_editor:
        lines += ["", *_editor_help(t)]
    turn.say("\n".join(lines), (_language_choice(turn),))


def _editor_help(t: Translator) -> list[str]:
    """Shown to editors only: to anyone else these commands don't exist."""
    return [
        t._("For editors:"),
        t._("/queue – postings waiting for review"),
        t._("/approve ID, /reject ID reason – publish or send back"),
        t._("/edit ID field value – fields: title, description, quantity, category"),
        t._("/remove ID reason – take a posting down"),
        t._("/ban USER reason, /unban USER – block or unblock a user"),
        t._("/reports – what users reported; /resolve ID when dealt with"),
        t._("/verify ORG, /unverify ORG – verified organisations publish without review"),
        t._("/stats [period] – figures of your municipality, e.g. /stats 7d"),
        t._("/broadcast – an urgent call to the volunteers of your municipality"),
        t._("/audit ID – what editors did to a posting (/audit org ID, /audit user ID)"),
    ]


def ask_language(turn: Turn) -> None:
    turn.say(
        turn.t._("Which language would you like?"),
        tuple(Choice(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items()),
    )


def set_language(turn: Turn, code: str) -> None:
    if code not in LANGUAGE_NAMES:
        ask_language(turn)
        return
    turn.state.language = code
    turn.say(turn.t._("Okay, I'll write to you in English from now on."))


def greet(turn: Turn) -> None:
    turn.say(
        turn.t._("Hello! 👋 Nice that you're here. Type /help to see what I can do."),
        (Choice(turn.t._("Help"), "cmd:help"),),
    )


def thanks(turn: Turn) -> None:
    turn.say(turn.t._("You're welcome! 😊"))


def goodbye(turn: Turn) -> None:
    turn.say(turn.t._("Bye! Thanks for getting involved. 👋"))


def welcome_back(turn: Turn) -> None:
    from bot.flows.common import main_menu

    account = turn.account
    name = account.display_name if account else ""
    turn.say(
        turn.t._("Welcome back, {name}! What would you like to do?", name=name), main_menu(turn)
    )


def unknown_command(turn: Turn) -> None:
    turn.say(
        turn.t._("I don't know that command. Type /help to see what I can do."),
        (Choice(turn.t._("Help"), "cmd:help"),),
    )


def not_understood(turn: Turn) -> None:
    turn.say(
        turn.t._("Sorry, I didn't understand that. Type /help to see what I can do."),
        (Choice(turn.t._("Help"), "cmd:help"),),
    )
