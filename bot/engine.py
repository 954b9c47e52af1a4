"""The dialogue engine: inbox → flow step → outbox, one transaction per message (DESIGN.md).

A message is first recorded in the inbox (a replay is recognised there and dropped), then
handled: conversation state, domain writes and replies commit together. Messages of one user
are handled one at a time: a lock per user in this process, the state row locked on PostgreSQL,
and a version check on the state for anything else. If a step fails, the user gets an apology in
their language and the entry is closed, so one bad message can neither crash the conversation
nor be retried forever."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from bot import notify
from bot.context import BotSettings, Notification, Turn
from bot.flows.router import dispatch
from bot.i18n import translator
from bot.intake import record_incoming
from bot.messages import Choice, Incoming, Outgoing
from domain.actors import Platform
from nlu.interpreter import Interpreter
from storage.records import ConversationState
from storage.repositories.conversations import StaleConversation
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)
STALE_RETRIES = 3


class _UserLocks:
    """One lock per user (an identity id) or group chat (its chat id), created on demand;
    messages of different users run in parallel."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[int | str, threading.Lock] = {}

    def of(self, key: int | str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


class DialogueEngine:
    def __init__(
        self,
        database: Database,
        settings: BotSettings,
        interpreter: Interpreter,
        *,
        confidence_threshold: float = 0.55,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database = database
        self.settings = settings
        self.interpreter = interpreter
        self.confidence_threshold = confidence_threshold
        self.clock = clock
        self._locks = _UserLocks()

    def receive(self, incoming: Incoming) -> int | None:
        """Record the message in the inbox; None if this update was seen before."""
        with self.database.unit_of_work() as uow:
            entry_id = record_incoming(uow, incoming)
            uow.commit()
        return entry_id

    def handle(self, incoming: Incoming) -> bool:
        """Receive and handle one message; False when it was a replay."""
        entry_id = self.receive(incoming)
        if entry_id is None:
            return False
        self.handle_entry(entry_id)
        return True

    def handle_pending(self, platform: Platform, front_end: str | None = None) -> int:
        """Handle what was received but not handled (e.g. before a crash); of one front end
        when given."""
        with self.database.unit_of_work() as uow:
            pending = [
                entry.id for entry in uow.inbox.unhandled(platform.value, front_end=front_end)
            ]
        for entry_id in pending:
            self.handle_entry(entry_id)
        return len(pending)

    def handle_entry(self, entry_id: int) -> None:
        with self.database.unit_of_work() as uow:
            entry = uow.inbox.get(entry_id)
        # a group command has no identity: one group's commands are handled one at a time
        with self._locks.of(entry.identity_id if entry.identity_id is not None else entry.chat_id):
            failure: BaseException | None = None
            for _attempt in range(STALE_RETRIES):
                try:
                    with self.database.unit_of_work() as uow:
                        self._handle(uow, entry_id)
                    return
                except StaleConversation as error:
                    failure = error  # another process moved the conversation on: read it again
                except Exception as error:
                    failure = error
                    break
            # the text is personal data: log the entry id, never the message
            log.error("handling inbox entry %s failed", entry_id, exc_info=failure)
            with self.database.unit_of_work() as uow:
                self._apologise(uow, entry_id)

    def _handle(self, uow: UnitOfWork, entry_id: int) -> None:
        entry = uow.inbox.get(entry_id)
        if entry.handled_at is not None or entry.payload is None:
            return
        incoming = Incoming.from_payload(entry.payload)
        state = _state(uow, entry.identity_id, incoming)
        if state is None:
            return
        turn = Turn(incoming, state, uow, self.settings, self.interpreter, self.clock())
        dispatch(turn, self.confidence_threshold)
        self._enqueue(uow, incoming, entry.identity_id, turn.replies)
        self._enqueue_notifications(uow, incoming, turn.notifications)
        if entry.identity_id is not None:
            uow.conversations.save(state)
        uow.inbox.mark_handled(entry_id)
        uow.commit()

    def _apologise(self, uow: UnitOfWork, entry_id: int) -> None:
        entry = uow.inbox.get(entry_id)
        if entry.handled_at is not None or entry.payload is None:
            return
        incoming = Incoming.from_payload(entry.payload)
        state = _state(uow, entry.identity_id, incoming, lock=False)
        if state is None:
            return
        language = state.language
        t = translator(language or self.settings.default_language)
        text = t._("Sorry, something went wrong on my side. Please try again.")
        reply = Outgoing(chat_id=incoming.chat_id, text=text)
        self._enqueue(uow, incoming, entry.identity_id, [reply])
        uow.inbox.mark_handled(entry_id)
        uow.commit()

    @staticmethod
    def _enqueue(
        uow: UnitOfWork, incoming: Incoming, identity_id: int | None, replies: list[Outgoing]
    ) -> None:
        for index, reply in enumerate(replies):
            uow.outbox.enqueue(
                # derived from the update, so handling the same update twice can't send twice
                idempotency_key=f"{incoming.platform.value}:{incoming.update_id}:{index}",
                platform=incoming.platform.value,
                chat_id=reply.chat_id,
                identity_id=identity_id,
                payload=reply.to_payload(),
                front_end=incoming.front_end,  # the answer comes from the bot that was asked
            )

    @staticmethod
    def _enqueue_notifications(
        uow: UnitOfWork, incoming: Incoming, notifications: list[Notification]
    ) -> None:
        for index, note in enumerate(notifications):
            notify.to_account(
                uow,
                note.account_id,
                f"{incoming.platform.value}:{incoming.update_id}:n{index}",
                note.text,
                _fixed(note.choices) if note.choices else None,
            )


def _state(
    uow: UnitOfWork, identity_id: int | None, incoming: Incoming, *, lock: bool = True
) -> ConversationState | None:
    """The conversation the message belongs to; None when there is nobody to answer.

    A group command belongs to no conversation: it is answered in the group from what it says,
    in its sender's platform language, and no state is kept for it (a fresh one, never saved)."""
    if identity_id is not None:
        return uow.conversations.load(identity_id, lock=lock)
    if incoming.group is not None:
        return ConversationState(identity_id=0)
    return None


def _fixed(choices: tuple[Choice, ...]) -> notify.Buttons:
    return lambda _t: choices
