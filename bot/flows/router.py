"""Where a message goes: navigation and commands first, then the current step, then the NLU.

Anywhere in a conversation: "abbrechen"/"cancel" ends the flow, "zurück"/"back" returns one
step, /help explains without losing the place, a slash command starts another flow. Inside a
flow the current step reads the answer; outside, the NLU's intent picks a flow, and below the
confidence threshold the bot asks back with the likeliest intents."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from bot.context import Turn
from bot.flows import (
    alerts,
    bans,
    basics,
    broadcast,
    editorial,
    free_now,
    groups,
    moderation,
    my_postings,
    onboarding,
    posting,
    reports,
    search,
    settings,
    stats,
)
from bot.flows import framework as fw
from bot.flows.common import main_menu
from bot.groups import START_SHOW
from bot.messages import Choice
from domain.postings import PostingKind

Handler = Callable[[Turn], None]

_CANCEL = {"abbrechen", "abbruch", "stopp", "stop", "cancel", "quit", "exit"}
_BACK = {"zurück", "zurueck", "back", "go back"}
_WORDS = re.compile(r"[^\w\s]")
ASK_BACK_FLOOR = 0.15  # intents below this are not even offered as a guess
# the message id of the live location last refused before consent
LIVE_REFUSED = "_live_refused"


def _start(turn: Turn) -> None:
    _, argument = turn.incoming.command or ("", "")
    # "/start show_12": opened from a group's alert (a Telegram start link)
    shown = argument[len(START_SHOW) :] if argument.startswith(START_SHOW) else ""
    if turn.account is None:
        basics.start(turn)
        onboarding.begin(
            turn, resume={"flow": "show", "posting": shown} if shown.isdigit() else None
        )
    else:
        fw.finish(turn)
        if shown.isdigit():
            alerts.show(turn, shown)
        else:
            basics.welcome_back(turn)


def _post(kind: PostingKind | None) -> Handler:
    def handler(turn: Turn) -> None:
        posting.begin(turn, kind, _describing_text(turn))

    return handler


def _describing_text(turn: Turn) -> str | None:
    """The message, when it says more than "I want to help": entities or a real sentence."""
    text = (turn.incoming.text or "").strip()
    if not text or text.startswith("/"):
        return None
    parse = turn.parse()
    if parse and parse["entities"]:
        return text
    return text if len(text.split()) >= 6 else None


def _search(turn: Turn) -> None:
    search.begin(turn, _describing_text(turn) or turn.incoming.text)


def _pause_notifications(turn: Turn) -> None:
    import dataclasses

    account = turn.account
    if account is None:
        turn.say(turn.t._("I don't send you anything yet."))
        return
    turn.uow.accounts.update(dataclasses.replace(account, notifications_enabled=False))
    turn.say(turn.t._("🔕 Okay, no more notifications. Switch them on again under /settings."))


def _not_yet(turn: Turn) -> None:
    contact = turn.home_municipality.contact
    turn.say(
        turn.t._(
            "I can't do that in the chat yet. Please write to {contact} — the team will help.",
            contact=contact or "–",
        )
    )


def _cancel(turn: Turn) -> None:
    if turn.state.flow is None:
        turn.say(turn.t._("There's nothing to cancel."), main_menu(turn))
        return
    fw.finish(turn)
    turn.say(turn.t._("Cancelled — nothing was saved. What next?"), main_menu(turn))


def _back(turn: Turn) -> None:
    if turn.state.flow is None:
        turn.say(turn.t._("There's nothing to go back to."), main_menu(turn))
        return
    if not fw.back(turn):
        fw.reprompt(turn, turn.t._("This is the first step. Type “cancel” to stop."))


def _unsupported(turn: Turn) -> None:
    turn.say(
        turn.t._(
            "I can only read text, button taps and locations — not photos, stickers, voice "
            "messages or contacts."
        )
    )
    step = fw.current_step(turn)
    if step is not None:
        step.prompt(turn)


def _before_consent(turn: Turn) -> bool:
    """No account yet, and not signing up (the sign-up's steps are the consent dialogue)."""
    return turn.account is None and turn.state.flow != onboarding.NAME


def _location_before_consent(turn: Turn) -> None:
    # a location says where someone is: before they agreed to anything it is neither searched
    # with nor kept, wherever in a conversation it comes (a search's place can be typed)
    if _refused_live_location(turn):
        return
    turn.say(
        turn.t._(
            "📍 Before I can use a location, please start with /start – I'll ask for your "
            "consent first. I haven't kept the location you sent."
        )
    )


def _refused_live_location(turn: Turn) -> bool:
    """Whether this updates a live location refused before (Telegram sends an update every few
    seconds, editing the message that began it); a new one is noted by its message id."""
    incoming = turn.incoming
    if incoming.location is None or not incoming.location.live:
        return False
    slots = turn.state.slots
    if LIVE_REFUSED in slots and slots[LIVE_REFUSED] == incoming.message_id:
        return True
    slots[LIVE_REFUSED] = incoming.message_id
    return False


def _help(turn: Turn) -> None:
    basics.help_(turn)
    step = fw.current_step(turn)
    if step is not None:
        step.prompt(turn)


COMMANDS: dict[str, Handler] = {
    "/start": _start,
    "/help": _help,
    "/hilfe": _help,
    "/language": basics.ask_language,
    "/sprache": basics.ask_language,
    "/cancel": _cancel,
    "/abbrechen": _cancel,
    "/back": _back,
    "/zurueck": _back,
    "/new": _post(None),
    "/neu": _post(None),
    "/offer": _post(PostingKind.OFFER),
    "/anbieten": _post(PostingKind.OFFER),
    "/need": _post(PostingKind.NEED),
    "/gesuch": _post(PostingKind.NEED),
    "/search": _search,
    "/suche": _search,
    "/mine": my_postings.begin,
    "/meine": my_postings.begin,
    "/settings": settings.begin,
    "/einstellungen": settings.begin,
    "/now": free_now.begin,
    "/jetzt": free_now.begin,
    "/end": free_now.end,
    "/ende": free_now.end,
    # editors (anyone else gets the unknown-command answer)
    "/verify": editorial.verify,
    "/verifizieren": editorial.verify,
    "/unverify": editorial.unverify,
    "/entverifizieren": editorial.unverify,
    "/audit": editorial.audit,
    "/verlauf": editorial.audit,
    "/stats": stats.show,
    "/statistik": stats.show,
    "/queue": moderation.queue,
    "/warteschlange": moderation.queue,
    "/approve": moderation.approve,
    "/freigeben": moderation.approve,
    "/reject": moderation.reject,
    "/ablehnen": moderation.reject,
    "/edit": moderation.edit,
    "/bearbeiten": moderation.edit,
    "/remove": moderation.remove,
    "/entfernen": moderation.remove,
    "/ban": bans.ban,
    "/sperren": bans.ban,
    "/unban": bans.unban,
    "/entsperren": bans.unban,
    "/reports": reports.open_reports,
    "/meldungen": reports.open_reports,
    "/resolve": reports.resolve,
    "/erledigt": reports.resolve,
    "/broadcast": broadcast.begin,
    "/rundruf": broadcast.begin,
    # users
    "/report": reports.report_command,
    "/melden": reports.report_command,
}
MENU: dict[str, Handler] = {
    "start": _start,
    "help": _help,
    "offer": _post(PostingKind.OFFER),
    "need": _post(PostingKind.NEED),
    "search": _search,
    "free": free_now.begin,
    "mine": my_postings.begin,
    "settings": settings.begin,
}
INTENTS: dict[str, Handler] = {
    "greet": basics.greet,
    "help": _help,
    "thanks": basics.thanks,
    "goodbye": basics.goodbye,
    "offer_help": _post(PostingKind.OFFER),
    "request_help": _post(PostingKind.NEED),
    "search": _search,
    "available_now": free_now.begin,
    "calendar": _search,
    "my_postings": my_postings.begin,
    "settings": settings.begin,
    "pause_notifications": _pause_notifications,
    "cancel": _cancel,
    "export_data": _not_yet,
    "delete_account": _not_yet,
    "report_abuse": reports.report_command,
}


def _intent_label(turn: Turn, intent: str) -> str | None:
    t = turn.t
    labels = {
        "offer_help": t._("🙋 Offer help"),
        "request_help": t._("📣 Post a need"),
        "search": t._("🔎 Search"),
        "available_now": t._("⏱ I have time now"),
        "my_postings": t._("📋 My postings"),
        "settings": t._("⚙️ Settings"),
        "help": t._("❓ Help"),
        "calendar": t._("📅 What's on"),
    }
    return labels.get(intent)


def _normalised(text: str) -> str:
    return " ".join(_WORDS.sub(" ", text.casefold()).split())


# intents that may take the user out of a menu into another flow
SWITCHING = (
    "offer_help",
    "request_help",
    "search",
    "available_now",
    "my_postings",
    "settings",
    "calendar",
    "report_abuse",  # "melden" while a posting is open
)


def dispatch(turn: Turn, confidence_threshold: float) -> None:
    _dispatch(turn, confidence_threshold)
    fw.remember_choices(turn)


def _dispatch(turn: Turn, confidence_threshold: float) -> None:
    if turn.incoming.group is not None:
        return groups.dispatch(turn)
    if turn.incoming.unsupported:
        return _unsupported(turn)
    if turn.incoming.location is not None and _before_consent(turn):
        return _location_before_consent(turn)
    if not turn.incoming.choice and turn.incoming.text and not turn.incoming.command:
        payload = fw.offered_choice(turn, turn.incoming.text)
        if payload is not None:
            turn.incoming = dataclasses.replace(turn.incoming, choice=payload)
    incoming = turn.incoming
    choice = incoming.choice or ""
    if choice == "nav:cancel":
        return _cancel(turn)
    if choice == "nav:back":
        return _back(turn)
    if choice.startswith("cmd:") and choice[4:] in MENU:
        return MENU[choice[4:]](turn)
    if choice.startswith("intent:") and choice[7:] in INTENTS:
        return INTENTS[choice[7:]](turn)
    # answers to pushes come whenever they come, whatever flow the user is in
    if choice.startswith("alert:"):
        return alerts.answer(turn, choice[6:])
    if choice.startswith("show:"):
        return alerts.show(turn, choice[5:])
    if choice.startswith("report:") and choice[7:].isdigit():
        return reports.begin(turn, int(choice[7:]))
    # editors' buttons under queued postings and reports work whatever flow they are in
    if choice.startswith("mod:resolve:"):
        return reports.resolve_choice(turn, choice[12:])
    if choice.startswith("mod:"):
        return moderation.choice(turn, choice[4:])
    if choice == free_now.END:
        return free_now.end(turn)
    if incoming.location is not None and incoming.location.live:
        # updates of a live location move an open free-now window and need no answer
        if free_now.live_update(turn) or turn.state.flow is not None:
            return None
        return free_now.begin(turn)
    step = fw.current_step(turn)
    if choice:
        if step is not None:
            return step.handle(turn)
        if choice.startswith("lang:"):
            return basics.set_language(turn, choice[5:])
        # a button from a conversation that has ended
        return basics.not_understood(turn)
    text = _normalised(incoming.text or "")
    if text in _CANCEL:
        return _cancel(turn)
    if text in _BACK:
        return _back(turn)
    if incoming.command:
        name, _ = incoming.command
        return COMMANDS.get(name, basics.unknown_command)(turn)
    if step is not None:
        if not step.takes_text and incoming.text:
            parse = turn.parse()
            intent = parse["intent"] if parse else None
            if (
                intent
                and intent["name"] in SWITCHING
                and intent["confidence"] >= confidence_threshold
            ):
                return INTENTS[intent["name"]](turn)
        return step.handle(turn)
    if incoming.location is not None:
        return search.begin(turn)
    parse = turn.parse()
    if parse is None:
        return basics.not_understood(turn)
    intent = parse["intent"]
    if intent["confidence"] >= confidence_threshold and intent["name"] in INTENTS:
        return INTENTS[intent["name"]](turn)
    guesses = [
        (scored["name"], label)
        for scored in parse["intent_ranking"][:3]
        if scored["confidence"] >= ASK_BACK_FLOOR
        and (label := _intent_label(turn, scored["name"])) is not None
    ]
    if guesses:
        turn.say(
            turn.t._("I'm not sure what you mean. Did you want to …"),
            tuple(Choice(label, f"intent:{name}") for name, label in guesses),
        )
        return None
    return basics.not_understood(turn)


def resume_after_onboarding(turn: Turn, resume: dict[str, Any]) -> None:
    if resume.get("flow") == posting.NAME:
        posting.resume(turn, resume["answers"])
    elif resume.get("flow") == search.NAME:
        search.resume(turn, resume["answers"])
    elif resume.get("flow") == free_now.NAME:
        free_now.begin(turn)
    elif resume.get("flow") == "show" and str(resume.get("posting", "")).isdigit():
        alerts.show(turn, str(resume["posting"]))
