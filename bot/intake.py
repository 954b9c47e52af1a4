"""Recording what a channel receives, before it is acknowledged to the platform (DESIGN: the
flow of one message, step 1).

A channel turns a batch of platform updates (a getUpdates answer, a Matrix sync) into neutral
arrivals — messages, changes of the bot's membership in a chat, direct chats opened or ended,
and updates set aside because they could not be read — and records the whole batch in one
transaction, with the channel's cursor when it has one. Only then does it acknowledge the
batch, so a crash replays rather than loses, and the inbox recognises a replay.

One update that cannot be recorded must not hold up the ones behind it: when a batch fails, its
arrivals are recorded one by one, and one that fails again and again while the database is
there is set aside (a dead letter: where it came from and why, never what it said) and counts
as recorded. While the database is away nothing is set aside: intake waits and tries again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

from bot import groups
from bot.messages import Choice, Incoming, Outgoing
from domain.actors import Platform, PlatformIdentity
from storage.connectivity import unavailable
from storage.records import ChannelCursor
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

# tries of one arrival, the database being there, before it is set aside
MAX_TRIES: Final = 3
# how far back the answer to a numbered list may look for the list
RECENT_MESSAGES: Final = 10


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """The bot's own membership changed: a user blocked/unblocked it, a group added/removed it."""

    key: str
    chat_id: str
    user_id: str  # who did it
    group: bool
    present: bool  # False: blocked, or removed from the group


@dataclass(frozen=True, slots=True)
class DirectChatOpened:
    """The bot joined a user's direct chat (Matrix): it greets them as if they said /start."""

    room_id: str
    greeting: Incoming

    @property
    def key(self) -> str:
        return self.greeting.update_id


@dataclass(frozen=True, slots=True)
class DirectChatEnded:
    key: str
    room_id: str
    partner: str | None = None  # the user who left; None: the bot left or was removed


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """A message in a room that may be someone's direct chat with the bot (Matrix): answered
    only there, and a number, an option's text or a reaction answers the list it refers to."""

    incoming: Incoming
    room_id: str
    room_members: int  # joined members as the bot knows them; 0 when it doesn't know the room
    refers_to: str | None = None  # the bot's message a reply or a reaction is about
    reaction: str | None = None  # a reaction's key, when it is one

    @property
    def key(self) -> str:
        return self.incoming.update_id


@dataclass(frozen=True, slots=True)
class SetAside:
    """An update that could not be read: noted and acknowledged, never handled."""

    key: str
    reason: str


Arrival = (
    Incoming | MembershipChange | DirectChatOpened | DirectChatEnded | DirectMessage | SetAside
)
# which of a numbered list's choices an answer picks (a platform's way of answering lists)
Pick = Callable[[str | None, Sequence[Choice]], str | None]


def key_of(arrival: Arrival) -> str:
    return arrival.update_id if isinstance(arrival, Incoming) else arrival.key


@dataclass
class Recorded:
    entries: list[tuple[str, int]] = field(default_factory=list)  # (chat id, inbox entry)
    ended_rooms: list[str] = field(default_factory=list)  # a partner left: the bot leaves too
    set_aside: int = 0

    def add(self, other: Recorded) -> None:
        self.entries.extend(other.entries)
        self.ended_rooms.extend(other.ended_rooms)
        self.set_aside += other.set_aside


class IntakeStalled(Exception):
    """The batch is not all recorded: nothing from the failed arrival on may be acknowledged.
    `recorded` is what did get in (to be handled all the same)."""

    def __init__(self, recorded: Recorded, reason: str) -> None:
        super().__init__(reason)
        self.recorded = recorded


def record_incoming(uow: UnitOfWork, incoming: Incoming) -> int | None:
    """Inbox the message; None when this update was recorded before (a replay)."""
    entries = record_messages(uow, [incoming])
    return entries[0][1] if entries else None


def record_messages(uow: UnitOfWork, messages: Sequence[Incoming]) -> list[tuple[str, int]]:
    """Inbox the messages with a few statements in all, however many: (chat id, entry) of those
    not recorded before (a replay is left out)."""
    if not messages:
        return []
    if len({m.platform for m in messages}) > 1 or len({m.update_id for m in messages}) < len(
        messages
    ):
        # mixed platforms, or one update twice in a batch: one at a time
        return [entry for m in messages for entry in record_messages(uow, [m])]
    platform = messages[0].platform.value
    # a group command is answered in the group: its sender may never have started the bot,
    # so no identity is made for them (see DialogueEngine._state)
    private = [m for m in messages if m.group is None]
    identities = uow.identities.ids_of(platform, {m.user_id for m in private})
    entries = uow.inbox.record_all(
        platform,
        [
            {
                "update_id": m.update_id,
                "chat_id": m.chat_id,
                "identity_id": identities.get(m.user_id) if m.group is None else None,
                "payload": m.to_payload(),
                "front_end": m.front_end,
            }
            for m in messages
        ],
    )
    # pushes follow the user to the bot they wrote to last; a group message doesn't count, as
    # a bot may not start a private chat by itself
    for front_end in {m.front_end for m in private}:
        uow.identities.wrote_through(
            {
                identities[m.user_id]
                for m in private
                if m.front_end == front_end and m.update_id in entries
            },
            front_end,
        )
    return [(m.chat_id, entries[m.update_id]) for m in messages if m.update_id in entries]


class Intake:
    """The database side of one front end's intake on one platform."""

    def __init__(
        self,
        database: Database,
        platform: Platform,
        front_end: str = "",
        *,
        pick: Pick | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database = database
        self.platform = platform
        self.front_end = front_end
        self._pick = pick
        self._clock = clock
        self._failures: dict[str, int] = {}  # tries so far of arrivals that would not record

    # --- recording ---------------------------------------------------------------------------

    def record(
        self, arrivals: Sequence[Arrival], cursor: tuple[str, str] | None = None
    ) -> Recorded:
        """Record the batch (and advance the cursor `(name, position)` with it); raises
        IntakeStalled when it could not all be recorded or set aside."""
        try:
            return self._in_one(arrivals, cursor)
        except Exception as error:
            if unavailable(error) or not arrivals:
                raise IntakeStalled(Recorded(), _described(error)) from error
            log.warning(
                "%s: recording %d updates at once failed (%s); one by one",
                self.platform.value,
                len(arrivals),
                type(error).__name__,
            )
        recorded = Recorded()
        for arrival in arrivals:
            recorded.add(self._one(arrival, recorded))
        if cursor is not None:
            try:
                self._in_one([], cursor)
            except Exception as error:
                raise IntakeStalled(recorded, _described(error)) from error
        return recorded

    def _one(self, arrival: Arrival, so_far: Recorded) -> Recorded:
        key = key_of(arrival)
        try:
            done = self._in_one([arrival], None)
        except Exception as error:
            if unavailable(error):
                raise IntakeStalled(so_far, _described(error)) from error
            tries = self._failures[key] = self._failures.get(key, 0) + 1
            if tries < MAX_TRIES:
                raise IntakeStalled(so_far, _described(error)) from error
            reason = f"could not be recorded ({type(error).__name__})"
            try:
                self.set_aside(key, reason)
            except Exception as again:
                raise IntakeStalled(so_far, _described(again)) from again
            self._failures.pop(key, None)
            return Recorded(set_aside=1)
        self._failures.pop(key, None)
        return done

    def set_aside(self, key: str, reason: str) -> None:
        """Note an update as a dead letter, in a transaction of its own."""
        with self.database.unit_of_work() as uow:
            self._dead_letter(uow, SetAside(key, reason))
            uow.commit()

    def _in_one(self, arrivals: Sequence[Arrival], cursor: tuple[str, str] | None) -> Recorded:
        recorded = Recorded()
        with self.database.unit_of_work() as uow:
            messages: list[Incoming] = []
            for arrival in arrivals:
                # a run of plain messages goes in with a few statements (the usual batch);
                # anything else in order, one by one
                if isinstance(arrival, Incoming):
                    messages.append(arrival)
                    continue
                recorded.entries.extend(record_messages(uow, messages))
                messages = []
                self._arrival(uow, arrival, recorded)
            recorded.entries.extend(record_messages(uow, messages))
            if cursor is not None:
                uow.cursors.advance(*cursor)
            uow.commit()
        return recorded

    def _arrival(self, uow: UnitOfWork, arrival: Arrival, recorded: Recorded) -> None:
        """One arrival that is not a plain message (those go in together, _in_one)."""
        entry_id: int | None = None
        chat_id = ""
        if isinstance(arrival, Incoming):
            recorded.entries.extend(record_messages(uow, [arrival]))
        elif isinstance(arrival, DirectMessage):
            entry_id, chat_id = self._direct_message(uow, arrival), arrival.incoming.chat_id
        elif isinstance(arrival, DirectChatOpened):
            entry_id, chat_id = self._direct_chat_opened(uow, arrival), arrival.greeting.chat_id
        elif isinstance(arrival, DirectChatEnded):
            if self._direct_chat_ended(uow, arrival) and arrival.partner is not None:
                recorded.ended_rooms.append(arrival.room_id)
        elif isinstance(arrival, MembershipChange):
            self._membership(uow, arrival)
        else:
            self._dead_letter(uow, arrival)
            recorded.set_aside += 1
        if entry_id is not None:
            recorded.entries.append((chat_id, entry_id))

    def _dead_letter(self, uow: UnitOfWork, arrival: SetAside) -> None:
        log.warning("%s update %s set aside: %s", self.platform.value, arrival.key, arrival.reason)
        uow.dead_letters.record(
            platform=self.platform.value,
            front_end=self.front_end,
            update_key=arrival.key,
            reason=arrival.reason,
            at=self._clock(),
        )

    def _membership(self, uow: UnitOfWork, change: MembershipChange) -> None:
        if change.group:
            if not change.present:
                groups.bot_removed(uow, self.platform, change.chat_id, self.front_end)
            return
        identity = uow.identities.find(PlatformIdentity(self.platform, change.user_id))
        if identity is None:
            return  # someone the bot never talked to: nothing to note, nothing stored
        # (un)blocking this bot matters only while it is the bot the user talks to
        if change.present:
            uow.identities.mark_reachable(identity.id, via=self.front_end)
        else:
            uow.identities.mark_unreachable(identity.id, self._clock(), via=self.front_end)

    def _direct_chat_opened(self, uow: UnitOfWork, opened: DirectChatOpened) -> int | None:
        identity = uow.identities.get_or_create(opened.greeting.identity)
        uow.identities.set_direct_chat(identity.id, opened.room_id)
        uow.identities.mark_reachable(identity.id)
        return record_incoming(uow, opened.greeting)

    def _direct_chat_ended(self, uow: UnitOfWork, ended: DirectChatEnded) -> bool:
        """Nobody can be reached in this room any more (the bot left or was removed, or the
        partner left). True when someone's direct chat ended."""
        found = False
        for identity in uow.identities.with_direct_chat(self.platform.value, ended.room_id):
            if ended.partner is None or identity.external_id == ended.partner:
                uow.identities.set_direct_chat(identity.id, None)
                uow.identities.mark_unreachable(identity.id, self._clock())
                found = True
        return found

    def _direct_message(self, uow: UnitOfWork, message: DirectMessage) -> int | None:
        """Inbox a message of the sender's direct room; None for what is not answered (a room
        that is not their direct chat, a reaction that picks nothing, a replay)."""
        incoming = message.incoming
        identity = uow.identities.find(incoming.identity)
        if identity is None or identity.direct_chat_id != message.room_id:
            if message.room_members != 2:
                return None  # a group room, or one the bot no longer knows: nothing stored
            # a two-person room the database did not know as direct (restored data)
            identity = identity or uow.identities.get_or_create(incoming.identity)
            uow.identities.set_direct_chat(identity.id, message.room_id)
        if identity.unreachable:
            uow.identities.mark_reachable(identity.id)
        choice = self._answer(uow, message, identity.id)
        if message.reaction is not None and choice is None:
            return None  # a 👍 on a message is not something to answer
        if choice is not None:
            incoming = replace(incoming, text=None, choice=choice)
        return record_incoming(uow, incoming)

    def _answer(self, uow: UnitOfWork, message: DirectMessage, identity_id: int) -> str | None:
        """The payload a number, an option's text or a reaction picks, from the list it
        answers: the reacted-to or replied-to message, else the newest list this bot sent
        since the user last wrote (or its newest message at all)."""
        if self._pick is None:
            return None
        chat_id = message.incoming.chat_id
        answer = message.reaction if message.reaction is not None else message.incoming.text
        if message.refers_to is not None:
            sent = uow.outbox.sent_as(self.platform.value, chat_id, message.refers_to)
            return self._pick(answer, _choices_of(sent.payload)) if sent else None
        if not answer:
            return None
        recent = uow.outbox.recent_sent(
            self.platform.value, chat_id, RECENT_MESSAGES, front_end=self.front_end
        )
        since = uow.inbox.last_received_at(identity_id)
        since_last = [m for m in recent if since is None or m.created_at > since] or recent[:1]
        for sent in since_last:
            choices = _choices_of(sent.payload)
            if choices:
                return self._pick(answer, choices)
        return None

    # --- what channels look up ---------------------------------------------------------------

    def begin_cursor(self, name: str) -> ChannelCursor:
        """The channel's cursor, created at its first start (no position yet)."""
        with self.database.unit_of_work() as uow:
            cursor = uow.cursors.begin(name, self._clock())
            uow.commit()
        return cursor

    def direct_room(self, user_id: str) -> str | None:
        with self.database.unit_of_work() as uow:
            identity = uow.identities.find(PlatformIdentity(self.platform, user_id))
            return identity.direct_chat_id if identity else None

    def unhandled(self, received_before: datetime | None = None) -> list[tuple[str, int]]:
        """(chat id, entry) of this front end's messages recorded but not handled yet."""
        with self.database.unit_of_work() as uow:
            entries = uow.inbox.unhandled(
                self.platform.value,
                limit=10_000,
                received_before=received_before,
                front_end=self.front_end,
            )
        return [(entry.chat_id, entry.id) for entry in entries]


def _choices_of(payload: Mapping[str, Any]) -> tuple[Choice, ...]:
    try:
        return Outgoing.from_payload(dict(payload)).choices
    except (KeyError, TypeError, ValueError):
        return ()


def _described(error: BaseException) -> str:
    return f"{type(error).__name__} ({'database unavailable' if unavailable(error) else 'refused'})"
