"""Delivers neutral `Outgoing` messages into Matrix rooms through matrix-nio.

A user's direct chat is addressed by their user id ("@anna:example.org", as the pushes do) and
sent to the direct room the channel recorded for them; a room id ("!…") is used as it is. Every
event goes out under a transaction id derived from the outbox row's, which Matrix accepts once
per device: a retry after a lost answer cannot post twice, so a resend after a crash never
duplicates here. Pacing and retries are the outbox's: nio is configured not to retry."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from aiohttp import ClientError
from nio import AsyncClient, ErrorResponse, RoomSendResponse
from nio.exceptions import LocalProtocolError, SendRetryError

from bot.channels.matrix.render import edit_content, location_content, message_content
from bot.delivery import AsyncSender, Pace, RetryLater, Undeliverable
from bot.messages import Outgoing
from domain.actors import Platform

log = logging.getLogger(__name__)

# errors meaning the bot cannot post in that room any more
_GONE: Final = frozenset({"M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_ROOM"})
_RETRYABLE: Final = frozenset({"M_LIMIT_EXCEEDED", "M_UNKNOWN_TOKEN", "M_UNKNOWN"})

RoomOf = Callable[[str], Awaitable[str | None]]


class MatrixSender:
    platform: Platform = Platform.MATRIX
    # a resend carries the same transaction id: the homeserver drops the copy
    idempotent: bool = True

    def __init__(self, client: AsyncClient, room_of: RoomOf) -> None:
        self._client = client
        self._room_of = room_of  # a user id to their direct room (None: there is none)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("!")  # a room addressed as such; users are "@…"

    async def send(
        self,
        message: Outgoing,
        *,
        replaces: str | None = None,
        transaction_id: str | None = None,
        pace: Pace | None = None,
    ) -> str | None:
        room_id = message.chat_id
        if room_id.startswith("@"):
            found = await self._room_of(room_id)
            if found is None:
                raise Undeliverable("matrix: no direct room with this user", blocked=True)
            room_id = found
        base = transaction_id or uuid.uuid4().hex
        content = message_content(message)
        if replaces is not None:
            # Matrix edits always point at the original event, which keeps its id
            await self._post(room_id, edit_content(content, replaces), f"{base}.edit")
            return replaces
        event_id = await self._post(room_id, content, f"{base}.text")
        if message.location is not None:
            if pace is not None:
                await pace()  # an event of its own: it counts against the limits
            # a failure here raises: the retry resends the text under the same transaction id,
            # which the homeserver recognises, so only the location goes out anew
            await self._post(room_id, location_content(message.location), f"{base}.place")
        return event_id

    async def _post(self, room_id: str, content: dict[str, Any], transaction_id: str) -> str:
        try:
            response = await self._client.room_send(
                room_id,
                "m.room.message",
                content,
                tx_id=transaction_id,
                ignore_unverified_devices=True,  # a bot cannot verify its users' devices
            )
        except (ClientError, TimeoutError) as error:
            raise RetryLater(f"matrix: {type(error).__name__}") from error
        except (SendRetryError, LocalProtocolError) as error:
            # the room's members or keys are not known yet (an encrypted room being joined)
            raise RetryLater(f"matrix: {error}") from error
        if isinstance(response, RoomSendResponse):
            return str(response.event_id)
        raise _translate(response)


def _translate(response: ErrorResponse) -> RetryLater | Undeliverable:
    code = response.status_code or ""
    reason = f"matrix: {response}"
    status = getattr(response.transport_response, "status", 0) or 0
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        wait = (response.retry_after_ms or 5000) / 1000
        return RetryLater(reason, wait, whole_platform=True)  # the homeserver limits the bot
    if code in _GONE:
        return Undeliverable(reason, blocked=True)
    if code in _RETRYABLE or status >= 500 or status == 0:
        return RetryLater(reason)
    return Undeliverable(reason)


if TYPE_CHECKING:

    def _conforms(sender: MatrixSender) -> AsyncSender:
        return sender  # mypy proves MatrixSender satisfies the outbox's protocol
