"""Urgent needs for subscribed group chats: sent once per group and need, followed up when the
need is filled or called off. Called by bot/pushes.py inside the transaction of the change."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from bot import formatting
from bot.i18n import translator
from bot.messages import Choice, Outgoing
from domain.actors import DEFAULT_TIME_ZONE, Platform
from domain.groups import GroupSubscription
from domain.postings import Posting
from storage.unit_of_work import UnitOfWork

# a private conversation opened from a group starts with this payload ("/start show_12")
START_SHOW: Final = "show_"
FILLED, CANCELLED = "filled", "cancelled"


def alert_key(platform: str, chat_id: str, posting_id: int) -> str:
    return f"group-alert:{platform}:{chat_id}:{posting_id}"


def _post(uow: UnitOfWork, group: GroupSubscription, key: str, message: Outgoing) -> None:
    # a group is nobody's identity: nothing to mark unreachable, no account to erase it with
    uow.outbox.enqueue(
        idempotency_key=key,
        platform=group.platform,
        chat_id=group.chat_id,
        identity_id=None,
        payload=message.to_payload(),
        front_end=group.front_end,  # the bot that is in the group
    )


def alert_groups(uow: UnitOfWork, need: Posting, now: datetime) -> int:
    """Post an urgent need to every subscribed group it concerns; returns how many."""
    assert need.id is not None
    sent = 0
    for group in uow.groups.all():
        if group.id is None or not group.covers(need):
            continue
        if not uow.groups.record_alert(group.id, need.id, now):
            continue  # sent before (the need was paused and published again)
        t = translator(group.language)
        km = need.place.point.distance_km(group.area.point)
        text = "\n".join(
            (
                t._("🚨 Urgent: {title}", title=need.title),
                formatting.posting_line(need, t, DEFAULT_TIME_ZONE, km),
                t._("Where: {place}", place=need.place.label),
                t._("Helpers wanted: {n}", n=need.quantity),
            )
        )
        button = Choice(t._("🙋 Details & help"), f"{START_SHOW}{need.id}", opens_private=True)
        key = alert_key(group.platform, group.chat_id, need.id)
        _post(uow, group, key, Outgoing(chat_id=group.chat_id, text=text, choices=(button,)))
        sent += 1
    return sent


def close_group_alerts(uow: UnitOfWork, need: Posting, closed_as: str) -> int:
    """Edit the groups' alerts of a need that is filled or called off."""
    assert need.id is not None
    groups = uow.groups.open_alerts(need.id)
    for group in groups:
        t = translator(group.language)
        text = (
            t._("✅ Already taken care of — thank you! ({title})", title=need.title)
            if closed_as == FILLED
            else t._("❌ Cancelled: {title}", title=need.title)
        )
        key = alert_key(group.platform, group.chat_id, need.id)
        _post(uow, group, f"{key}:closed", Outgoing(group.chat_id, text, replaces=key))
    uow.groups.close_alerts(need.id, closed_as)
    return len(groups)


def bot_removed(uow: UnitOfWork, platform: Platform, chat_id: str, front_end: str = "") -> None:
    """The bot was removed from a group: its subscription ends, nothing more is sent there.
    Another bot (another municipality's) leaving the group ends nothing."""
    subscription = uow.groups.subscription(platform.value, chat_id)
    if subscription is not None and subscription.front_end == front_end:
        uow.groups.unsubscribe(platform.value, chat_id)
