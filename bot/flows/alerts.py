"""Answers to pushes, whenever they come (an alert may be answered hours later, mid-flow):

🚨 alert ─┬─ "🙋 I'll help" ─▶ recorded, the poster told, details + place pin to the helper
          │                   (enough helpers: the campaign stops, open alerts say "taken care of")
          └─ "Not now" ──────▶ this need is silenced for this volunteer
📬 digest / result ─ tap ─▶ the posting's details (search detail)
"""

from __future__ import annotations

from bot import formatting, pushes
from bot.context import Turn
from bot.flows import basics
from bot.messages import LocationPin
from domain.errors import NotFound
from matching.targeting import CampaignEnd


def answer(turn: Turn, payload: str) -> None:
    """`payload` is what follows "alert:" — "help:<id>" or "later:<id>"."""
    what, _, posting_id = payload.partition(":")
    if what not in ("help", "later") or not posting_id.isdigit():
        basics.not_understood(turn)
        return
    t = turn.t
    account = turn.account
    alert = None
    if account is not None and account.id is not None:
        alert = turn.uow.pushes.alert(int(posting_id), account.id)
    if account is None or account.id is None or alert is None:
        turn.say(t._("That alert isn't open for you any more."))
        return
    try:
        need = turn.uow.postings.get(int(posting_id))
    except NotFound:
        turn.say(t._("That alert isn't open for you any more."))
        return
    if alert.answer is not None:
        turn.say(t._("You've already answered this one — thank you! 👍"))
        return
    campaign = turn.uow.pushes.campaign(int(posting_id))
    enough = campaign is not None and campaign.finish_reason == CampaignEnd.ENOUGH.value
    if not need.visible or (what == "help" and enough):
        turn.say(t._("✅ Already taken care of — thank you! ({title})", title=need.title))
        return
    if what == "later":
        turn.uow.pushes.answer_alert(int(posting_id), account.id, pushes.NOT_NOW, turn.now)
        turn.say(t._("Okay — I won't bring this one up again. 👍"))
        return
    turn.uow.pushes.answer_alert(int(posting_id), account.id, pushes.HELP, turn.now)
    turn.uow.postings.record_interest(int(posting_id), account.id)
    name = account.display_name
    turn.notify(
        need.owner.account_id,
        lambda owner_t: owner_t._(
            "🙋 {name} will help with “{title}”! They answered your urgent call.",
            name=name,
            title=need.title,
        ),
    )
    pushes.helper_joined(turn.uow, need, turn.now)
    turn.say(
        t._("🙌 Thank you! I've told the people behind “{title}” you're coming.", title=need.title)
        + "\n\n"
        + formatting.posting_detail(need, t, turn.time_zone, alert.distance_km),
        location=LocationPin(need.place.point, need.place.label),
    )


def show(turn: Turn, payload: str) -> None:
    """A posting tapped in a digest or a push: its details, with "I'm interested"."""
    if not payload.isdigit():
        basics.not_understood(turn)
        return
    from bot.flows import search

    search.resume(turn, {"open": int(payload), "results": [], "categories": [], "page": 0})
