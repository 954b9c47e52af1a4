"""The Matrix channel: sync intake, handling and delivery in one process (matrix-nio).

People talk to the bot in direct rooms: they invite it (a direct chat in Element), it joins and
greets them. Intake is a sync loop whose token (next_batch) is kept in the database and advanced
only after the events before it are in the inbox, so a crash means a replay, which the inbox
recognises by event id, never a loss. Handling runs afterwards (bot/handling.py); replies leave
through the outbox worker and MatrixSender.

    Synapse ─▶ /sync ─▶ read events ─▶ inbox (commit) ─▶ sync token (commit)
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
from datetime import UTC, datetime
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
    RoomInfo,
    SyncResponse,
    WhoamiResponse,
)

from bot.channels.matrix.events import RoomMessage, chosen, read_event
from bot.channels.matrix.sender import MatrixSender
from bot.delivery import DeliveryOptions, OutboxWorker
from bot.engine import DialogueEngine
from bot.handling import EntryHandlers, pause_after_failure, retry_unhandled
from bot.messages import Choice, Incoming, Outgoing
from domain.actors import Platform, PlatformIdentity
from storage.records import ChannelCursor
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PLATFORM: Final = Platform.MATRIX
# how far back the answer to a numbered list may look for the list
_RECENT_MESSAGES: Final = 10
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


class MatrixChannel:
    """`await channel.start()`, later `await channel.stop()`; both inside one running loop."""

    def __init__(
        self, engine: DialogueEngine, options: MatrixOptions, delivery: DeliveryOptions
    ) -> None:
        if (options.access_token is None) == (options.password is None):
            raise ValueError("give the Matrix bot either an access token or a password")
        self.engine = engine
        self.options = options
        self._delivery = delivery
        self._client: AsyncClient | None = None
        self._worker: OutboxWorker | None = None
        self._handlers: EntryHandlers | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._position: str | None = None
        self._started_ms = 0

    @property
    def cursor_name(self) -> str:
        return f"matrix:{self.options.user_id}"

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            raise RuntimeError("the channel is not started")
        return self._client

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
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
            cursor = await asyncio.to_thread(self._begin_cursor)
            self._position = cursor.position
            self._started_ms = int(cursor.started_at.timestamp() * 1000)
            sender = MatrixSender(client, self._room_of)
            self._worker = OutboxWorker.for_channel(
                self.engine.database, sender, self._delivery, options.front_end
            )
            self._handlers = EntryHandlers(
                self.engine, lanes=options.handling_lanes, handled=self._worker.wake
            )
            self._stop.clear()
            self._handlers.start()
            pending = await asyncio.to_thread(
                self.engine.handle_pending, PLATFORM, options.front_end
            )
            if pending:
                log.info("handled %d matrix messages left over from the last run", pending)
            # catch up first, with the rooms' full state: nio must know each room (members,
            # encryption) before anything is sent into it
            await self._sync_once(timeout_ms=0, full_state=True)
        except (ClientError, TimeoutError) as error:
            await self.stop()
            raise ConnectionError(
                f"cannot reach the Matrix homeserver {options.homeserver}: {_describe(error)}"
            ) from None
        except BaseException:
            await self.stop()
            raise
        self._tasks.append(asyncio.create_task(self._worker.run(self._stop), name="mx-outbox"))
        retry = retry_unhandled(
            self.engine,
            self._handlers,
            PLATFORM,
            options.retry_unhandled_s,
            self._stop,
            options.front_end,
        )
        self._tasks.append(asyncio.create_task(retry, name="mx-retry"))
        self._tasks.append(asyncio.create_task(self._sync_forever(), name="mx-sync"))
        log.info("matrix: serving as %s (device %s)", client.user_id, client.device_id)

    async def stop(self) -> None:
        self._stop.set()
        syncing = [task for task in self._tasks if task.get_name() == "mx-sync"]
        for task in syncing:
            task.cancel()  # a long poll in flight would hold the stop for its whole timeout
        await asyncio.gather(*syncing, return_exceptions=True)
        if self._handlers is not None:
            await self._handlers.stop()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._client is not None:
            await self._client.close()
            self._client = None

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

    def _begin_cursor(self) -> ChannelCursor:
        with self.engine.database.unit_of_work() as uow:
            cursor = uow.cursors.begin(self.cursor_name)
            uow.commit()
        return cursor

    # --- intake --------------------------------------------------------------------------

    async def _sync_forever(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                await self._sync_once(timeout_ms=self.options.sync_timeout_ms)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # nothing after the stored token counts as received: the next sync repeats it
                log.warning("matrix sync failed (%s); trying again", _describe(error))
                failures = await pause_after_failure(self._stop, failures)
                continue
            failures = 0

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
        await self._take(response)
        await asyncio.to_thread(self._advance, response.next_batch)
        self._position = response.next_batch
        await self._keep_keys()

    def _filter(self) -> dict[str, Any]:
        return {
            "presence": {"not_types": ["*"]},
            "room": {
                "timeline": {"limit": self.options.timeline_limit},
                "ephemeral": {"not_types": ["*"]},
            },
        }

    def _advance(self, position: str) -> None:
        with self.engine.database.unit_of_work() as uow:
            uow.cursors.advance(self.cursor_name, position)
            uow.commit()

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

    async def _take(self, response: SyncResponse) -> None:
        """Record everything the sync brought; raises (and so keeps the token) when the
        database is away."""
        for room_id, invite in response.rooms.invite.items():
            await self._invited(room_id, invite)
        for room_id, info in response.rooms.join.items():
            await self._room_events(room_id, info)
        for room_id in response.rooms.leave:
            await asyncio.to_thread(self._end_direct_chat, room_id)

    async def _invited(self, room_id: str, invite: InviteInfo) -> None:
        inviter, direct = _invitation(invite.invite_state, self.client.user_id)
        if inviter is None:
            return
        allowed = self.options.allowed_homeservers
        if allowed and server_of(inviter) not in allowed:
            log.info("matrix: declined an invite from a server not allowed (%s)", room_id)
            await self.client.room_leave(room_id)
            return
        if not direct:
            # only direct chats: in a group room the bot would read everyone's messages
            log.info("matrix: declined an invite to a room that is not a direct chat")
            await self.client.room_leave(room_id)
            return
        joined = await self.client.join(room_id)
        if isinstance(joined, JoinError):
            if joined.status_code in _INVITE_GONE:
                log.info("matrix: the invite to %s is gone (%s)", room_id, joined.status_code)
                return
            # raised, so the sync token stays and the invite comes again with the next sync
            raise ConnectionError(f"joining {room_id} failed: {joined}")
        greeting = Incoming(
            platform=PLATFORM,
            update_id=f"joined:{room_id}",
            user_id=inviter,
            chat_id=inviter,
            text=START_COMMAND,
            front_end=self.options.front_end,
        )
        entry = await asyncio.to_thread(self._record_direct, room_id, inviter, greeting)
        self._submit(inviter, entry)

    async def _room_events(self, room_id: str, info: RoomInfo) -> None:
        client = self.client
        for event in info.timeline.events:
            source: Mapping[str, Any] = getattr(event, "source", {}) or {}
            sender = source.get("sender")
            if sender == client.user_id:
                continue  # the bot's own messages, echoed back
            timestamp = source.get("origin_server_ts")
            if isinstance(timestamp, int) and timestamp < self._started_ms:
                continue  # from before the bot's first start
            if isinstance(event, MegolmEvent):
                # keys not (yet) shared with the bot's device; nothing can be read
                log.warning("matrix: an encrypted event in %s could not be decrypted", room_id)
                continue
            if source.get("type") == "m.room.member":
                await self._membership(room_id, source)
                continue
            message = read_event(room_id, source)
            if message is None:
                continue
            room = client.rooms.get(room_id)
            joined = room.joined_count if room is not None else 0
            name = room.user_name(message.sender) if room is not None else None
            entry = await asyncio.to_thread(self._record_message, message, joined, name)
            self._submit(message.sender, entry)

    async def _membership(self, room_id: str, source: Mapping[str, Any]) -> None:
        content = source.get("content") or {}
        if content.get("membership") not in _LEAVING:
            return
        left = source.get("state_key")
        if not isinstance(left, str):
            return
        if left == self.client.user_id:
            await asyncio.to_thread(self._end_direct_chat, room_id)
            return
        if await asyncio.to_thread(self._end_direct_chat, room_id, left):
            # the user ended the direct chat: the bot leaves it too
            with contextlib.suppress(ClientError, TimeoutError):
                await self.client.room_leave(room_id)

    def _submit(self, chat_id: str, entry_id: int | None) -> None:
        if entry_id is not None and self._handlers is not None:
            self._handlers.submit(chat_id, entry_id)

    # --- the database side of intake (in worker threads) -----------------------------------

    def _record_direct(self, room_id: str, user_id: str, incoming: Incoming) -> int | None:
        with self.engine.database.unit_of_work() as uow:
            identity = uow.identities.get_or_create(PlatformIdentity(PLATFORM, user_id))
            uow.identities.set_direct_chat(identity.id, room_id)
            uow.identities.mark_reachable(identity.id)
            uow.commit()
        return self.engine.receive(incoming)

    def _record_message(
        self, message: RoomMessage, joined_members: int, user_name: str | None
    ) -> int | None:
        """Inbox the message of a direct room; None for what is not answered (a message in a
        room that is not the sender's direct chat, a reaction that picks nothing, a replay)."""
        with self.engine.database.unit_of_work() as uow:
            # looked up, not made: who writes in a room that is not their direct chat with the
            # bot is not stored at all
            identity = uow.identities.find(PlatformIdentity(PLATFORM, message.sender))
            if identity is None or identity.direct_chat_id != message.room_id:
                if joined_members > 2 or joined_members == 0:
                    return None  # a group room, or one the bot no longer knows
                # a two-person room the database did not know as direct (restored data)
                identity = uow.identities.get_or_create(PlatformIdentity(PLATFORM, message.sender))
                uow.identities.set_direct_chat(identity.id, message.room_id)
            if identity.unreachable:
                uow.identities.mark_reachable(identity.id)
            choice = _answer(uow, message, identity.id, self.options.front_end)
            uow.commit()
        if message.reaction_to is not None and choice is None:
            return None  # a 👍 on a message is not something to answer
        incoming = Incoming(
            platform=PLATFORM,
            update_id=message.event_id,
            user_id=message.sender,
            chat_id=message.sender,
            text=None if choice is not None else message.text,
            location=message.location,
            choice=choice,
            message_id=message.event_id,
            user_name=user_name,
            unsupported=message.unsupported,
            front_end=self.options.front_end,
        )
        return self.engine.receive(incoming)

    def _end_direct_chat(self, room_id: str, partner: str | None = None) -> bool:
        """The direct chat in this room is over (the bot left or was removed, or `partner`
        left): nobody there can be reached any more. True when someone's chat ended."""
        ended = False
        with self.engine.database.unit_of_work() as uow:
            for identity in uow.identities.with_direct_chat(PLATFORM.value, room_id):
                if partner is None or identity.external_id == partner:
                    uow.identities.set_direct_chat(identity.id, None)
                    uow.identities.mark_unreachable(identity.id, datetime.now(UTC))
                    ended = True
            uow.commit()
        return ended

    async def _room_of(self, user_id: str) -> str | None:
        def lookup() -> str | None:
            with self.engine.database.unit_of_work() as uow:
                identity = uow.identities.find(PlatformIdentity(PLATFORM, user_id))
                return identity.direct_chat_id if identity else None

        recorded = await asyncio.to_thread(lookup)
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


def _answer(uow: UnitOfWork, message: RoomMessage, identity_id: int, front_end: str) -> str | None:
    """The payload a number, an option's text or a number-emoji reaction picks, from the list
    it answers: the reacted-to or replied-to message, else the newest list this bot (this
    front end) sent since the user last wrote (or its newest message at all)."""
    chat_id = message.sender
    target = message.reaction_to or message.in_reply_to
    answer = message.reaction_key if message.reaction_to else message.text
    if target is not None:
        sent = uow.outbox.sent_as(PLATFORM.value, chat_id, target)
        return chosen(answer, _choices_of(sent.payload)) if sent else None
    if not message.text:
        return None
    recent = uow.outbox.recent_sent(PLATFORM.value, chat_id, _RECENT_MESSAGES, front_end=front_end)
    since = uow.inbox.last_received_at(identity_id)
    since_last = [m for m in recent if since is None or m.created_at > since] or recent[:1]
    for sent in since_last:
        choices = _choices_of(sent.payload)
        if choices:
            return chosen(message.text, choices)
    return None


def _choices_of(payload: Mapping[str, Any]) -> tuple[Choice, ...]:
    try:
        return Outgoing.from_payload(dict(payload)).choices
    except (KeyError, TypeError, ValueError):
        return ()


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
