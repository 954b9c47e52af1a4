"""The bot in a group chat (a club's group): only a few commands, and only admins change things.

/abonnieren (/subscribe) Umwelt Tiere in Burtscheid 5 km
   ─▶ admin? ─ no ─▶ "only the group's admins can"
            └ yes ─▶ topics, place, radius from the text ─▶ saved ─▶ confirmation
/abbestellen (/unsubscribe) ─▶ admin? ─▶ subscription ended
/start, /help (/hilfe) ─▶ what the bot does in a group
Everything else in a group is not for the bot and gets no answer."""

from __future__ import annotations

import dataclasses
import logging

from bot import formatting
from bot.context import Turn
from bot.flows.common import categories_named, place_answer
from domain.categories import Category
from domain.groups import GroupSubscription
from domain.places import Place

log = logging.getLogger(__name__)

SUBSCRIBE = frozenset({"/subscribe", "/abonnieren"})
UNSUBSCRIBE = frozenset({"/unsubscribe", "/abbestellen"})
HELP = frozenset({"/start", "/help", "/hilfe"})
# all the bot answers in a group: channels record nothing else from there, so a member who never
# started the bot leaves no trace (no inbox entry, no platform identity)
COMMANDS = SUBSCRIBE | UNSUBSCRIBE | HELP
# the commands that need to know whether the sender administers the group (channels ask the
# platform for these only)
ADMIN_ONLY = SUBSCRIBE | UNSUBSCRIBE
MIN_RADIUS_KM, MAX_RADIUS_KM = 1.0, 50.0


def dispatch(turn: Turn) -> None:
    command = turn.incoming.command
    if command is None:
        return
    name, rest = command
    if name in SUBSCRIBE:
        subscribe(turn, rest)
    elif name in UNSUBSCRIBE:
        unsubscribe(turn)
    elif name in HELP:
        help_(turn)


def help_(turn: Turn) -> None:
    t = turn.t
    turn.say(
        "\n\n".join(
            (
                t._(
                    "Hello! In a group I post urgent needs of the group's topics and area, "
                    "so that someone here can step in."
                ),
                t._(
                    "An admin of the group sets it up: /subscribe with topics and a place, "
                    "e.g. “/subscribe environment animals in Burtscheid 5 km”. "
                    "/unsubscribe stops it."
                ),
                t._("Everything else works in a private chat with me."),
            )
        )
    )


def _admin(turn: Turn) -> bool:
    group = turn.incoming.group
    if group is not None and group.sender_is_admin:
        return True
    # the platform id only: who tried, where, never what they wrote
    log.warning(
        "group command refused: %s:%s is no admin of chat %s",
        turn.incoming.platform.value,
        turn.incoming.user_id,
        turn.incoming.chat_id,
    )
    turn.say(turn.t._("Only the group's admins can change what I post here."))
    return False


def subscribe(turn: Turn, rest: str) -> None:
    if not _admin(turn):
        return
    t = turn.t
    # read only what follows the command
    turn.incoming = dataclasses.replace(turn.incoming, text=rest)
    turn._parse = None
    place = place_answer(turn) if rest else None
    if place is None:
        turn.say(
            t._(
                "Please tell me the topics and the place, e.g. “/subscribe environment "
                "animals in Burtscheid 5 km” (without topics: all urgent needs there)."
            )
        )
        return
    radius = turn.settings.default_radius_km
    for entity in turn.entities("distance"):
        try:
            radius = float(entity["value"])
        except (TypeError, ValueError):
            continue
        break
    radius = max(MIN_RADIUS_KM, min(MAX_RADIUS_KM, radius))
    categories = frozenset(Category(key) for key in categories_named(turn))
    group = turn.incoming.group
    # the admin is linked only if they talk to the bot privately anyway (the subscription then
    # goes with their identity when that is erased); one who never did is not stored for this
    admin = turn.uow.identities.find(turn.incoming.identity)
    subscription = turn.uow.groups.subscribe(
        GroupSubscription(
            platform=turn.incoming.platform.value,
            chat_id=turn.incoming.chat_id,
            area=Place(place.point, place.name, radius),
            categories=categories,
            language=turn.language,
            title=group.title if group else None,
            front_end=turn.incoming.front_end,  # the bot asked here posts the alerts
        ),
        admin.id if admin is not None else None,
    )
    topics = (
        ", ".join(formatting.category(c, t) for c in sorted(subscription.categories))
        if subscription.categories
        else t._("all topics")
    )
    turn.say(
        t._(
            "✅ This group now gets urgent needs ({topics}) within {km} of {place}. "
            "/unsubscribe stops it.",
            topics=topics,
            km=formatting.distance(radius, turn.language),
            place=place.name,
        )
    )


def unsubscribe(turn: Turn) -> None:
    if not _admin(turn):
        return
    t = turn.t
    if turn.uow.groups.unsubscribe(turn.incoming.platform.value, turn.incoming.chat_id):
        turn.say(t._("Okay — I won't post urgent needs here any more."))
    else:
        turn.say(t._("This group has no subscription."))
