"""The Matrix channel: sync intake (matrix-nio) on the common lifecycle (bot/channels/base.py:
leadership, handling, delivery).

People talk to the bot in direct rooms: they invite it (a direct chat in Element), it joins and
greets them. Intake is a sync loop: everything one sync brings is recorded in one transaction
together with the new sync token (next_batch), so a crash means a replay, which the inbox
recognises by event id, never a loss. An event that cannot be read is set aside as a dead letter
and the rest of the sync goes on. Replies leave through the outbox worker and MatrixSender.

    Synapse ─▶ /sync ─▶ read events ─▶ inbox + sync token (one commit)
                                    └─▶ handling ─▶ outbox ─▶ worker ─▶ Synapse

A user's messages, replies and pushes all use the user id as chat id; the sender finds the
direct room. Choices are offered as numbered lists: an answer's number, text or number-emoji
reaction is matched to the list it answers here, at intake, from what the outbox sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from aiohttp import ClientError
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteInfo,
    InviteMemberEvent,
    JoinError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    SyncResponse,
    WhoamiResponse,
)

from bot.channels.base import Channel
from bot.channels.matrix.events import chosen, read_event
from bot.channels.matrix.sender import MatrixSender
from bot.delivery import AsyncSender, DeliveryOptions
from bot.engine import DialogueEngine
from bot.handling import pause_after_failure
from bot.intake import (
    MAX_TRIES,
    Arrival,
    DirectChatEnded,
    DirectChatOpened,
    DirectMessage,
    IntakeStalled,
    SetAside,
)
from bot.messages import Incoming
from bot.startup import network_reason
from domain.actors import Platform

log = logging.getLogger(__name__)

PLATFORM: Final = Platform.MATRIX
# Matrix has no "Start" button: joining a direct room says /start for the user
START_COMMAND: Final = "/start"
_LEAVING: Final = frozenset({"leave", "ban"})
_INVITE_GONE: Final = frozenset({"M_FORBIDDEN", "M_NOT_FOUND"})  # withdrawn, or the room is gone


@dataclass(frozen=True, slots=True)
class MatrixOptions:
    homeserver: str
    user_id: str
    # whose account this is: "" the shared bot, else the municipality key of its own account;
    # its messages are marked with it, and its worker sends only what is queued for it
    front_end: str = ""
    access_token: str | None = None
    password: str | None = None
    device_id: str = "EHRENAMTBOT"
    device_name: str = "Ehrenamt-Bot"
    encryption: bool = False
    store_path: str = "data/matrix-store"
    # servers whose users may invite the bot; empty: everyone
    allowed_homeservers: tuple[str, ...] = ()
    sync_timeout_ms: int = 30_000  # how long one /sync waits for news
    request_timeout_s: float = 15.0  # on top of the sync wait
    handling_lanes: int = 4
    retry_unhandled_s: float = 60.0
    timeline_limit: int = 100  # events per room and sync


def server_of(user_id: str) -> str:
    return user_id.split(":", 1)[1] if ":" in user_id else ""


class MatrixChannel(Channel):
    """`await channel.start()`, later `await channel.stop()`; both inside one running loop."""

    platform = PLATFORM

    def __init__(
        self, engine: DialogueEngine, options: MatrixOptions, delivery: DeliveryOptions
    ) -> None:
        if (options.access_token is None) == (options.password is None):
            raise ValueError("give the Matrix bot either an access token or a password")
        super().__init__(
            engine,
            delivery,
            options,
            pick=chosen,
        )
        self.options = options
        self._client: AsyncClient | None = None
        self._position: str | None = None
        self._started_ms = 0
        self._join_failures: dict[str, int] = {}

    @property
    def bot_name(self) -> str:
        return f"matrix:{self.options.user_id}"

    @property
    def cursor_name(self) -> str:
        return f"matrix:{self.options.user_id}"

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            raise RuntimeError("the channel is not started")
        return self._client

    # --- lifecycle -----------------------------------------------------------------------

    async def connect(self) -> None:
        options = self.options
        if options.encryption:
            Path(options.store_path).mkdir(parents=True, exist_ok=True)
        client = AsyncClient(
            options.homeserver,
            options.user_id,
            device_id=options.device_id,
            store_path=options.store_path if options.encryption else "",
            config=AsyncClientConfig(
                # the outbox paces and retries; nio must not sleep on a 429 or retry on its own
                max_limit_exceeded=0,
                max_timeouts=0,
                encryption_enabled=options.encryption,
                store_sync_tokens=False,
                request_timeout=options.sync_timeout_ms / 1000 + options.request_timeout_s,
            ),
        )
        self._client = client
        try:
            await self._log_in(client)
        except (ClientError, TimeoutError) as error:
            await self.disconnect()
            raise ConnectionError(
                f"cannot reach the Matrix homeserver {options.homeserver}: {_describe(error)}"
            ) from None
        except BaseException:
            await self.disconnect()
            raise

    async def disconnect(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def sender(self) -> AsyncSender:
        return MatrixSender(self.client, self._room_of)

    async def serve(self, stop: asyncio.Event) -> None:
        # the sync token as the last leader left it
        cursor = await asyncio.to_thread(self.intake.begin_cursor, self.cursor_name)
        self._position = cursor.position
        self._started_ms = int(cursor.started_at.timestamp() * 1000)
        # catch up first, with the rooms' full state: nio must know each room (members,
        # encryption) before anything is sent into it
        caught_up = False
        failures = 0
        while not stop.is_set():
            try:
                if caught_up:
                    await self._sync_once(timeout_ms=self.options.sync_timeout_ms)
                else:
                    await self._sync_once(timeout_ms=0, full_state=True)
                    caught_up = True
                    self.serving()
                    log.info(
                        "matrix: serving as %s (device %s)",
                        self.client.user_id,
                        self.client.device_id,
                    )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # nothing after the stored token counts as received: the next sync repeats it
                log.warning("matrix sync failed (%s); trying again", _describe(error))
                failures = await pause_after_failure(stop, failures)
                continue
            failures = 0

    async def _log_in(self, client: AsyncClient) -> None:
        options = self.options
        if options.access_token is not None:
            # the token belongs to a device: ask which, so keys and transaction ids match it
            client.access_token = options.access_token
            whoami = await client.whoami()
            if not isinstance(whoami, WhoamiResponse):
                raise ValueError(f"the homeserver rejected the Matrix access token: {whoami}")
            if whoami.user_id != options.user_id:
                raise ValueError(
                    f"the access token belongs to {whoami.user_id}, not {options.user_id}"
                )
            device_id = whoami.device_id or options.device_id
            client.restore_login(options.user_id, device_id, options.access_token)
            return
        assert options.password is not None
        response = await client.login(options.password, device_name=options.device_name)
        if not isinstance(response, LoginResponse):
            raise ValueError(f"the homeserver refused the Matrix login: {response}")

    # --- intake --------------------------------------------------------------------------

    async def _sync_once(self, timeout_ms: int, full_state: bool = False) -> None:
        client = self.client
        response = await client.sync(
            timeout=timeout_ms,
            since=self._position,
            full_state=full_state or None,
            sync_filter=self._filter(),
        )
        if not isinstance(response, SyncResponse):
            raise ConnectionError(f"the homeserver refused to sync: {response}")
        arrivals = await self._take(response)
        try:
            recorded = await asyncio.to_thread(
                self.intake.record, arrivals, (self.cursor_name, response.next_batch)
            )
        except IntakeStalled as stalled:
            self.handle(stalled.recorded)
            raise
        self._position = response.next_batch
        self.handle(recorded)
        for room_id in recorded.ended_rooms:
            # the user ended the direct chat: the bot leaves it too
            with contextlib.suppress(ClientError, TimeoutError):
                await client.room_leave(room_id)
        await self._keep_keys()

    def _filter(self) -> dict[str, Any]:
        return {
            "presence": {"not_types": ["*"]},
            "room": {
                "timeline": {"limit": self.options.timeline_limit},
                "ephemeral": {"not_types": ["*"]},
            },
        }

    async def _keep_keys(self) -> None:
        """What nio's sync_forever does between syncs for end-to-end encryption."""
        client = self.client
        if client.olm is None:
            return
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()

    async def _take(self, response: SyncResponse) -> list[Arrival]:
        """What the sync brought, to record; raises (and so keeps the token) when an invite
        cannot be joined for now."""
        arrivals: list[Arrival] = []
        for room_id, invite in response.rooms.invite.items():
            arrivals.extend(await self._invited(room_id, invite))
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                arrivals.extend(self._read(room_id, event))
        for room_id in response.rooms.leave:
            arrivals.append(DirectChatEnded(f"left:{room_id}", room_id))
        return arrivals

    async def _invited(self, room_id: str, invite: InviteInfo) -> list[Arrival]:
        inviter, direct = _invitation(invite.invite_state, self.client.user_id)
        if inviter is None:
            return []
        allowed = self.options.allowed_homeservers
        if allowed and server_of(inviter) not in allowed:
            log.info("matrix: declined an invite from a server not allowed (%s)", room_id)
            await self.client.room_leave(room_id)
            return []
        if not direct:
            # only direct chats: in a group room the bot would read everyone's messages
            log.info("matrix: declined an invite to a room that is not a direct chat")
            await self.client.room_leave(room_id)
            return []
        joined = await self.client.join(room_id)
        if isinstance(joined, JoinError):
            if joined.status_code in _INVITE_GONE:
                log.info("matrix: the invite to %s is gone (%s)", room_id, joined.status_code)
                return []
            tries = self._join_failures[room_id] = self._join_failures.get(room_id, 0) + 1
            if tries >= MAX_TRIES:
                self._join_failures.pop(room_id, None)
                return [SetAside(f"invite:{room_id}", f"could not join ({joined.status_code})")]
            # raised, so the sync token stays and the invite comes again with the next sync
            raise ConnectionError(f"joining {room_id} failed: {joined}")
        self._join_failures.pop(room_id, None)
        greeting = Incoming(
            platform=PLATFORM,
            update_id=f"joined:{room_id}",
            user_id=inviter,
            chat_id=inviter,
            text=START_COMMAND,
            front_end=self.front_end,
        )
        return [DirectChatOpened(room_id, greeting)]

    def _read(self, room_id: str, event: object) -> list[Arrival]:
        """One timeline event as what to record; one that cannot be read is set aside."""
        source: Mapping[str, Any] = getattr(event, "source", {}) or {}
        event_id = source.get("event_id") if isinstance(source, Mapping) else None
        try:
            return self._arrivals(room_id, event, source)
        except Exception as error:
            # logged with its reason when set aside; never its traceback, whose message may
            # quote what the user sent
            key = event_id if isinstance(event_id, str) else f"{room_id}:unreadable"
            return [SetAside(key, f"unreadable event ({type(error).__name__})")]

    def _arrivals(self, room_id: str, event: object, source: Mapping[str, Any]) -> list[Arrival]:
        client = self.client
        sender = source.get("sender")
        if sender == client.user_id:
            return []  # the bot's own messages, echoed back
        timestamp = source.get("origin_server_ts")
        if isinstance(timestamp, int) and timestamp < self._started_ms:
            return []  # from before the bot's first start
        if isinstance(event, MegolmEvent):
            # keys not (yet) shared with the bot's device; nothing can be read
            log.warning("matrix: an encrypted event in %s could not be decrypted", room_id)
            return []
        if source.get("type") == "m.room.member":
            return self._membership(room_id, source)
        message = read_event(room_id, source)
        if message is None:
            return []
        room = client.rooms.get(room_id)
        incoming = Incoming(
            platform=PLATFORM,
            update_id=message.event_id,
            user_id=message.sender,
            chat_id=message.sender,
            text=message.text,
            location=message.location,
            message_id=message.event_id,
            user_name=room.user_name(message.sender) if room is not None else None,
            unsupported=message.unsupported,
            front_end=self.front_end,
        )
        return [
            DirectMessage(
                incoming,
                room_id,
                room_members=room.joined_count if room is not None else 0,
                refers_to=message.reaction_to or message.in_reply_to,
                reaction=message.reaction_key if message.reaction_to else None,
            )
        ]

    def _membership(self, room_id: str, source: Mapping[str, Any]) -> list[Arrival]:
        content = source.get("content") or {}
        if not isinstance(content, Mapping) or content.get("membership") not in _LEAVING:
            return []
        left = source.get("state_key")
        if not isinstance(left, str):
            return []
        key = str(source.get("event_id") or f"left:{room_id}:{left}")
        if left == self.client.user_id:
            return [DirectChatEnded(key, room_id)]
        return [DirectChatEnded(key, room_id, partner=left)]

    async def _room_of(self, user_id: str) -> str | None:
        recorded = await asyncio.to_thread(self.intake.direct_room, user_id)
        return self._own_room(user_id, recorded)

    def _own_room(self, user_id: str, recorded: str | None) -> str | None:
        """The direct room this account shares with the user. The database keeps the room of
        the bot the user wrote to last; when that is another account's (the user has moved to
        another municipality's bot since this message was queued), this account's own direct
        room with them is used."""
        rooms: Mapping[str, MatrixRoom] = self._client.rooms if self._client is not None else {}
        if recorded is None or recorded in rooms:
            return recorded
        for room_id, room in rooms.items():
            if room.joined_count == 2 and user_id in room.users:
                return str(room_id)
        # a room joined so recently that no sync has brought it yet
        return recorded


def _invitation(state: Sequence[object], bot_user_id: str | None) -> tuple[str | None, bool]:
    """Who invited the bot, and whether to a direct chat, from an invite's stripped state."""
    for event in state:
        if not isinstance(event, InviteMemberEvent):
            continue
        content = event.content if isinstance(event.content, Mapping) else {}
        if event.state_key == bot_user_id and event.membership == "invite":
            return event.sender, bool(content.get("is_direct"))
    return None, False


def _describe(error: BaseException) -> str:
    return network_reason(error)
