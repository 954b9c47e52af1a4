"""Messages to an account rather than to the chat at hand: every reachable identity of the
account gets one, worded in the account's language, each under its own idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.i18n import Translator, translator
from bot.messages import Choice, LocationPin, Outgoing
from storage.unit_of_work import UnitOfWork

Words = Callable[[Translator], str]
Buttons = Callable[[Translator], tuple[Choice, ...]]


def message_key(base: str, identity_id: int) -> str:
    return f"{base}:{identity_id}"


def to_account(
    uow: UnitOfWork,
    account_id: int,
    key: str,
    text: Words,
    choices: Buttons | None = None,
    *,
    location: LocationPin | None = None,
    replaces: str | None = None,
    not_before: datetime | None = None,
) -> int:
    """Queue the message for each reachable identity; returns how many were queued.

    A direct chat is addressed by the user id, which each channel maps to its private chat,
    and goes out through the bot the user last wrote to (the identity's front end).
    `key` (and `replaces`, the key of the message this one edits) get the identity appended;
    `not_before` holds the message back until then (e.g. the end of the quiet hours)."""
    account = uow.accounts.get(account_id)
    t = translator(account.language)
    queued = 0
    for identity in uow.identities.for_account(account_id):
        if identity.unreachable:
            continue
        message = Outgoing(
            chat_id=identity.external_id,
            text=text(t),
            choices=choices(t) if choices else (),
            location=location,
            replaces=message_key(replaces, identity.id) if replaces else None,
        )
        uow.outbox.enqueue(
            idempotency_key=message_key(key, identity.id),
            platform=identity.platform,
            chat_id=identity.external_id,
            identity_id=identity.id,
            payload=message.to_payload(),
            front_end=_sender_of(uow, identity.front_end, message.replaces),
            not_before=not_before,
        )
        queued += 1
    return queued


def _sender_of(uow: UnitOfWork, front_end: str, replaces: str | None) -> str:
    """An edit goes out through the bot that sent the original (a platform message id means
    nothing to another bot), even if the user has moved on to another one since."""
    original = uow.outbox.get_by_key(replaces) if replaces else None
    return original.front_end if original is not None else front_end
