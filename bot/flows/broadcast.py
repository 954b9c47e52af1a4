"""/broadcast (/rundruf): an editor's urgent call to every opted-in volunteer of a municipality.

/broadcast [municipality] [text]
  ├─ not an editor ─▶ the unknown-command answer (logged without the text)
  ├─ today's calls used up ─▶ refused, with when the next one is possible
  └─ text (asked when not given) ─▶ preview: the call as volunteers see it, "goes to N"
        ├─ 📣 Send ─▶ audit entry + one outbox message per volunteer ─▶ "sent to N"
        ├─ ✏️ Change text ─▶ text
        └─ ✖ Cancel (or "abbrechen" anywhere) ─▶ nothing is written

Who gets it: the municipality's accounts with consent, notifications on, not banned, with a
reachable identity. A volunteer in their quiet hours gets it when those end: the call is urgent,
but nobody asked to be woken at night. The limit counts the municipality's calls (by any of its
editors) in the audit log since local midnight, so it holds across processes and restarts."""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot import notify
from bot.context import Turn
from bot.flows import editorial
from bot.flows import framework as fw
from bot.flows.common import cancel_choice
from bot.i18n import Translator
from bot.messages import Choice
from domain.editorial import AuditSubject, EditorialAction
from domain.errors import ValidationError
from domain.municipalities import Municipality
from domain.text import check_text
from matching.targeting import quiet_hours_end
from storage.repositories.audit import MUNICIPALITY_ID

log = logging.getLogger(__name__)

NAME = "broadcast"
TEXT_MAX = 1000
SEND, CHANGE = "broadcast:send", "broadcast:change"


class Delivery(NamedTuple):
    """One volunteer the call goes to, and from when (None: at once)."""

    account_id: int
    not_before: datetime | None


def begin(turn: Turn) -> None:
    if not turn.authority.is_editor:
        return editorial.refuse(turn)
    _, argument = editorial.command(turn)
    # the municipality may be named first; the rest of the line, as typed, is the call
    words = argument.split(maxsplit=1)
    given = len(words)
    municipality = editorial.municipality_of(turn, words)
    if municipality is None or _limit_reached(turn, municipality):
        return
    text = argument if len(words) == given else "".join(words)
    answers = {"municipality": municipality.key}
    if not text:
        return fw.start(turn, FLOW, "text", answers)
    checked = _checked(turn, text)
    if checked is None:
        return fw.start(turn, FLOW, "text", answers)
    fw.start(turn, FLOW, "preview", {**answers, "text": checked})


# ---- the limit -----------------------------------------------------------------------------------


def _start_of_day(now: datetime, time_zone: str) -> datetime:
    zone = ZoneInfo(time_zone)
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)


def _limit_reached(turn: Turn, municipality: Municipality) -> bool:
    """Says so when the municipality has had its calls for today."""
    t = turn.t
    limit = turn.settings.pushes.broadcasts_per_day
    if limit <= 0:
        turn.say(t._("Calls to all volunteers are switched off here."))
        return True
    since = _start_of_day(turn.now, turn.settings.default_time_zone)
    sent = turn.uow.audit.count_since(EditorialAction.BROADCAST, municipality.key, since)
    if sent < limit:
        return False
    turn.say(
        t.n_(
            "{municipality} has had {n} call today, as many as a day allows. "
            "The next one can go out tomorrow.",
            "{municipality} has had {n} calls today, as many as a day allows. "
            "The next one can go out tomorrow.",
            sent,
            municipality=municipality.name,
        )
    )
    return True


# ---- the text ------------------------------------------------------------------------------------


def _checked(turn: Turn, text: str) -> str | None:
    """The call's text within its bounds, or None after saying what is wrong."""
    t = turn.t
    try:
        return check_text("broadcast", text, min_len=1, max_len=TEXT_MAX)
    except ValidationError:
        if len(text.strip()) > TEXT_MAX:
            turn.say(
                t._(
                    "Your call has {n} characters; at most {max} fit. Please shorten it.",
                    n=len(text.strip()),
                    max=TEXT_MAX,
                )
            )
        else:
            turn.say(t._("Please write the call as text."))
        return None


def _text_prompt(turn: Turn) -> None:
    municipality = _municipality(turn)
    if municipality is None:
        return
    t = turn.t
    turn.say(
        t._(
            "What should the call to all volunteers of {municipality} say? "
            "At most {max} characters.",
            municipality=municipality.name,
            max=TEXT_MAX,
        ),
        (cancel_choice(turn),),
    )


def _text_handle(turn: Turn) -> None:
    text = _checked(turn, turn.incoming.text or "")
    if text is None:
        _text_prompt(turn)
        return
    fw.data(turn)["text"] = text
    fw.goto(turn, "preview")


# ---- preview and send ----------------------------------------------------------------------------


def _call(municipality: Municipality, text: str) -> notify.Words:
    """The call in the reader's language: the editors' heading, then their text as written."""

    def words(t: Translator) -> str:
        heading = t._("📣 Call from the editors of {municipality}:", municipality=municipality.name)
        return f"{heading}\n\n{text}"

    return words


def _deliveries(turn: Turn, municipality: Municipality) -> list[Delivery]:
    """Every recipient, held back to the end of their quiet hours (their own, else the
    configured default, as for urgent alerts) if the call comes in them."""
    default_quiet = turn.settings.pushes.policy.default_quiet_hours
    return [
        Delivery(
            r.account_id,
            quiet_hours_end(r.quiet_hours or default_quiet, r.time_zone, turn.now),
        )
        for r in turn.uow.accounts.broadcast_recipients(municipality.key)
    ]


def _reach(t: Translator, deliveries: list[Delivery], municipality: Municipality) -> str:
    lines = [
        t.n_(
            "It goes to {n} volunteer of {municipality}.",
            "It goes to {n} volunteers of {municipality}.",
            len(deliveries),
            municipality=municipality.name,
        )
    ]
    later = sum(1 for d in deliveries if d.not_before is not None)
    if later:
        lines.append(
            t.n_(
                "{n} of them is in their quiet hours and gets it when they end.",
                "{n} of them are in their quiet hours and get it when those end.",
                later,
            )
        )
    return " ".join(lines)


def _preview_prompt(turn: Turn) -> None:
    municipality = _municipality(turn)
    if municipality is None:
        return
    t = turn.t
    deliveries = _deliveries(turn, municipality)
    if not deliveries:
        fw.finish(turn)
        turn.say(_nobody(t, municipality))
        return
    call = _call(municipality, fw.data(turn)["text"])(t)
    turn.say(
        "\n\n".join(
            [t._("This is how your call will look:"), call, _reach(t, deliveries, municipality)]
        ),
        (
            Choice(t._("📣 Send"), SEND),
            Choice(t._("✏️ Change text"), CHANGE),
            cancel_choice(turn),
        ),
    )


def _preview_handle(turn: Turn) -> None:
    choice = turn.incoming.choice
    if choice == CHANGE:
        fw.goto(turn, "text")
    elif choice == SEND:
        _send(turn)
    else:
        fw.reprompt(turn, turn.t._("Please tap one of the options."))


def _send(turn: Turn) -> None:
    """Only here is anything written: the audit entry and the outbox messages, in the turn's
    transaction. The state row is locked per user and the flow ends here, so a second tap
    finds nothing to send; a replayed update is dropped by the inbox."""
    municipality = _municipality(turn)
    if municipality is None:
        return
    text: str = fw.data(turn)["text"]
    fw.finish(turn)
    t = turn.t
    if not turn.authority.may_moderate(municipality.key):  # config changed since the preview
        turn.say(
            t._(
                "You are no longer an editor of {municipality}; nothing was sent.",
                municipality=municipality.name,
            )
        )
        return
    # two editors sending at once take turns, so neither passes the limit on a stale count
    turn.uow.municipalities.lock(municipality.key)
    if _limit_reached(turn, municipality):
        return
    deliveries = _deliveries(turn, municipality)
    if not deliveries:
        turn.say(_nobody(t, municipality))
        return
    entry = editorial.record(
        turn,
        EditorialAction.BROADCAST,
        AuditSubject.MUNICIPALITY,
        MUNICIPALITY_ID,
        municipality_key=municipality.key,
        # the call is the editors' own words in office, and nowhere else kept: what was sent
        # in the municipality's name stays accountable
        details={
            "text": text,
            "recipients": len(deliveries),
            "after_quiet_hours": sum(1 for d in deliveries if d.not_before is not None),
        },
    )
    words = _call(municipality, text)
    for delivery in deliveries:
        notify.to_account(
            turn.uow,
            delivery.account_id,
            f"broadcast:{entry.id}:{delivery.account_id}",
            words,
            not_before=delivery.not_before,
        )
    log.info(
        "broadcast %s to %s accounts of %s by %s",
        entry.id,
        len(deliveries),
        municipality.key,
        turn.incoming.identity,
    )
    turn.say(
        t.n_(
            "📣 Sent to {n} volunteer of {municipality}.",
            "📣 Sent to {n} volunteers of {municipality}.",
            len(deliveries),
            municipality=municipality.name,
        )
    )


def _nobody(t: Translator, municipality: Municipality) -> str:
    return t._(
        "Nobody in {municipality} can receive a call right now: no volunteer there has "
        "notifications on.",
        municipality=municipality.name,
    )


def _municipality(turn: Turn) -> Municipality | None:
    """The municipality chosen at the start; ends the flow if config.yml no longer has it."""
    key = fw.data(turn).get("municipality")
    for municipality in turn.settings.municipalities:
        if municipality.key == key:
            return municipality
    fw.finish(turn)
    turn.say(turn.t._("That municipality is no longer configured; nothing was sent."))
    return None


FLOW = fw.register(
    fw.Flow(
        NAME,
        {
            "text": fw.Step(_text_prompt, _text_handle),
            "preview": fw.Step(_preview_prompt, _preview_handle, takes_text=False),
        },
    )
)
