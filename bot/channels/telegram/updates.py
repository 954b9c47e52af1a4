"""Telegram updates to the neutral model: what the intake records, answers or ignores.

Pure: no network, no database. `translate` reads a python-telegram-bot `Update` and says what
it means for the bot — a message for the dialogue engine (`Incoming`), a change of the bot's
membership in a chat (blocked, unblocked, added to or removed from a group), a button tap to
acknowledge — or nothing. What is not understood is never passed on with its content: a shared
contact or a photo becomes an `unsupported` message without the data."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

from telegram import Chat, ChatMember, MaybeInaccessibleMessage, Message, Update, User
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.callbacks import CallbackSigner
from bot.flows.groups import COMMANDS as GROUP_COMMANDS
from bot.intake import MembershipChange
from bot.messages import GroupChat, Incoming, SharedLocation
from domain.actors import Platform
from domain.errors import ValidationError
from domain.places import GeoPoint

# what the bot asks Telegram for: everything else is not delivered at all
ALLOWED_UPDATES: Final = ("message", "edited_message", "callback_query", "my_chat_member")
GROUP_TYPES: Final = frozenset({Chat.GROUP, Chat.SUPERGROUP})
# the bot is gone from a chat (or blocked by the user, in a private one)
_GONE: Final = frozenset({ChatMember.LEFT, ChatMember.BANNED})


@dataclass(frozen=True, slots=True)
class Translated:
    update_key: str  # unique per bot and update: the inbox key
    incoming: Incoming | None = None
    membership: MembershipChange | None = None
    callback_query_id: str | None = None  # a tap, to acknowledge (it stops the spinner)
    expired_button: bool = False  # the tap's data failed verification


def update_key(bot_id: int, update_id: int) -> str:
    # update ids count per bot: several bots (one per municipality) share one inbox
    return f"{bot_id}:{update_id}"


def translate(update: Update, bot: User, signer: CallbackSigner, front_end: str = "") -> Translated:
    """What the update means; its message is marked with the front end (the bot) it came to,
    so the answer goes out through the same bot."""
    translated = _translate(update, bot, signer)
    if translated.incoming is None or not front_end:
        return translated
    return replace(translated, incoming=replace(translated.incoming, front_end=front_end))


def _translate(update: Update, bot: User, signer: CallbackSigner) -> Translated:
    key = update_key(bot.id, update.update_id)
    if update.callback_query is not None:
        return _callback(key, update, signer)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        return Translated(
            key,
            membership=MembershipChange(
                key=key,
                chat_id=str(member.chat.id),
                user_id=str(member.from_user.id),
                group=member.chat.type != Chat.PRIVATE,
                present=member.new_chat_member.status not in _GONE,
            ),
        )
    if update.edited_message is not None:
        # only a live location moves on by editing; edited text is not read again
        edited = update.edited_message
        point = _point(edited)
        if point is None or edited.from_user is None or edited.chat.type != Chat.PRIVATE:
            return Translated(key)
        location = SharedLocation(point, live=True)
        return Translated(key, incoming=_incoming(key, edited, edited.from_user, location=location))
    if update.message is not None:
        return _message(key, update.message, bot)
    return Translated(key)


def _message(key: str, message: Message, bot: User) -> Translated:
    user = message.from_user
    if user is None or user.is_bot:
        return Translated(key)  # channel posts, other bots, service messages
    group = message.chat.type in GROUP_TYPES
    if message.chat.type not in GROUP_TYPES and message.chat.type != Chat.PRIVATE:
        return Translated(key)
    text = message.text
    if text is not None:
        command = _command(text)
        ours = (bot.username or "").lower()
        for_another = command is not None and bool(command[1]) and command[1].lower() != ours
        # in a group only the commands the bot answers there are for it, and only those not
        # meant for another bot; anything else is not recorded at all, so a member who never
        # started the bot leaves no trace
        if for_another or (group and not _for_the_group(command)):
            return Translated(key)
        return Translated(key, incoming=_incoming(key, message, user, text=text))
    if group:
        return Translated(key)  # pins, photos and the like in a group are not for the bot
    if message.venue is not None:
        venue = message.venue
        point = _valid(venue.location.latitude, venue.location.longitude)
        if point is not None:
            location = SharedLocation(point, label=venue.title or None)
            return Translated(key, incoming=_incoming(key, message, user, location=location))
    elif message.location is not None:
        point = _point(message)
        if point is not None:
            with warnings.catch_warnings():
                # PTB 22 warns that live_period becomes a timedelta; only its presence matters
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                live = message.location.live_period is not None
            location = SharedLocation(point, live=live)
            return Translated(key, incoming=_incoming(key, message, user, location=location))
    return Translated(key, incoming=_incoming(key, message, user, unsupported=True))


def _callback(key: str, update: Update, signer: CallbackSigner) -> Translated:
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is None or query.data is None:
        # from an inline-mode message (no chat): the bot doesn't offer those
        return Translated(key, callback_query_id=query.id, expired_button=True)
    chat = message.chat
    payload = signer.verify(str(chat.id), query.data)
    if payload is None or chat.type != Chat.PRIVATE:
        return Translated(key, callback_query_id=query.id, expired_button=True)
    # the tapped message's date is when it was sent (0 when Telegram can't show it any more)
    incoming = _incoming(
        key, message, query.from_user, choice=payload, received_at=datetime.now(UTC)
    )
    return Translated(key, incoming=incoming, callback_query_id=query.id)


def _incoming(
    key: str,
    message: MaybeInaccessibleMessage,
    user: User,
    *,
    text: str | None = None,
    location: SharedLocation | None = None,
    choice: str | None = None,
    unsupported: bool = False,
    received_at: datetime | None = None,
) -> Incoming:
    chat = message.chat
    return Incoming(
        platform=Platform.TELEGRAM,
        update_id=key,
        user_id=str(user.id),
        chat_id=str(chat.id),
        text=text,
        location=location,
        choice=choice,
        message_id=str(message.message_id),
        language_hint=user.language_code,
        # a name is for a private conversation's profile; a group command doesn't need it
        user_name=(user.first_name or None) if chat.type not in GROUP_TYPES else None,
        group=GroupChat(title=chat.title) if chat.type in GROUP_TYPES else None,
        unsupported=unsupported,
        received_at=received_at or message.date or datetime.now(UTC),
    )


def _command(text: str) -> tuple[str, str] | None:
    """("start", "botname" or "") for a /command, else None."""
    if not text.startswith("/"):
        return None
    head = text.split(maxsplit=1)[0][1:]
    name, _, addressee = head.partition("@")
    return (name, addressee) if name else None


def _for_the_group(command: tuple[str, str] | None) -> bool:
    return command is not None and f"/{command[0].lower()}" in GROUP_COMMANDS


def _point(message: Message) -> GeoPoint | None:
    location = message.location
    return None if location is None else _valid(location.latitude, location.longitude)


def _valid(lat: float, lon: float) -> GeoPoint | None:
    try:
        return GeoPoint(lat, lon)
    except ValidationError:
        return None
