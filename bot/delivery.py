"""Delivery of outbox messages through a channel's sender.

Rate limiting and parallel workers come with the push issue; the contract is already the one
the platforms need: a transient failure is retried later, a permanent one is given up."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.messages import Outgoing
from domain.actors import Platform
from storage.unit_of_work import Database

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The platform is busy or unreachable for now (429, timeout, 5xx).

    `retry_after_s` is the platform's own wait (Telegram's retry_after) when it named one."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


class Undeliverable(Exception):
    """The platform refuses for good. `blocked`: the user blocked the bot or left the chat, so
    their identity is marked unreachable and nothing more is sent there."""

    def __init__(self, reason: str, *, blocked: bool = False) -> None:
        super().__init__(reason)
        self.blocked = blocked


class AsyncSender(Protocol):
    """A channel's way out (Telegram, Matrix, console)."""

    platform: Platform
    # True where resending after an unknown outcome cannot duplicate (Matrix transaction ids)
    idempotent: bool

    def is_group(self, chat_id: str) -> bool:
        """Group chats have their own, slower rate limit."""
        ...

    async def send(self, message: Outgoing, *, replaces: str | None = None) -> str | None:
        """Deliver, or edit the platform message `replaces` when given; returns the platform's
        message id when it has one. Raises RetryLater or Undeliverable."""
        ...


class Sender(Protocol):
    def send(self, message: Outgoing) -> str | None:
        """Deliver; returns the platform's message id when it has one."""
        ...


def deliver_due(
    database: Database,
    platform: Platform,
    sender: Sender,
    *,
    now: datetime | None = None,
    limit: int = 50,
    chat_id: str | None = None,
) -> int:
    """Deliver due messages for one platform; returns how many were sent."""
    now = now or datetime.now(UTC)
    sent = 0
    with database.unit_of_work() as uow:
        for message in uow.outbox.due(platform.value, now, limit, chat_id):
            try:
                platform_id = sender.send(Outgoing.from_payload(message.payload))
            except RetryLater as error:
                retry_at = now + timedelta(seconds=error.retry_after_s or 5.0)
                uow.outbox.mark_failed(message.id, str(error), retry_at)
            except Undeliverable as error:
                log.warning("outbox message %s undeliverable: %s", message.id, error)
                uow.outbox.mark_failed(message.id, str(error), None)
            else:
                uow.outbox.mark_sent(message.id, platform_id)
                sent += 1
            # commit per message: a crash must not resend what already went out
            uow.commit()
    return sent
