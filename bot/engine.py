"""The dialogue engine: inbox → flow step → outbox, one transaction per message (DESIGN.md).

A message is first recorded in the inbox (a replay is recognised there and dropped), then
handled: conversation state, domain writes and replies commit together. If a step fails, the
user gets an apology in their language and the entry is closed, so one bad message can neither
crash the conversation nor be retried forever."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.context import BotSettings, Turn
from bot.flows import basics
from bot.i18n import translator
from bot.messages import Incoming, Outgoing
from domain.actors import Platform
from nlu.interpreter import Interpreter
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

Step = Callable[[Turn], None]

COMMANDS: dict[str, Step] = {
    "/start": basics.start,
    "/help": basics.help_,
    "/hilfe": basics.help_,
    "/language": basics.ask_language,
    "/sprache": basics.ask_language,
}
CHOICES: dict[str, Step] = {
    "cmd:start": basics.start,
    "cmd:help": basics.help_,
}
INTENTS: dict[str, Step] = {
    "greet": basics.greet,
    "help": basics.help_,
    "thanks": basics.thanks,
    "goodbye": basics.goodbye,
}


def dispatch(turn: Turn, confidence_threshold: float) -> None:
    incoming = turn.incoming
    if incoming.choice:
        if incoming.choice.startswith("lang:"):
            basics.set_language(turn, incoming.choice.removeprefix("lang:"))
            return
        CHOICES.get(incoming.choice, basics.not_understood)(turn)
        return
    if incoming.command:
        name, _ = incoming.command
        COMMANDS.get(name, basics.not_understood)(turn)
        return
    if incoming.location:
        basics.location_received(turn)
        return
    if incoming.text and incoming.text.strip():
        parse = turn.interpreter.parse(incoming.text, turn.parse_context)
        intent = parse["intent"]
        if intent["confidence"] >= confidence_threshold and intent["name"] in INTENTS:
            INTENTS[intent["name"]](turn)
            return
    basics.not_understood(turn)


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

    def receive(self, incoming: Incoming) -> int | None:
        """Record the message in the inbox; None if this update was seen before."""
        with self.database.unit_of_work() as uow:
            identity = uow.identities.get_or_create(incoming.identity)
            entry_id = uow.inbox.record(
                platform=incoming.platform.value,
                update_id=incoming.update_id,
                chat_id=incoming.chat_id,
                identity_id=identity.id,
                payload=incoming.to_payload(),
            )
            uow.commit()
        return entry_id

    def handle(self, incoming: Incoming) -> bool:
        """Receive and handle one message; False when it was a replay."""
        entry_id = self.receive(incoming)
        if entry_id is None:
            return False
        self.handle_entry(entry_id)
        return True

    def handle_pending(self, platform: Platform) -> int:
        """Handle what was received but not handled (e.g. before a crash)."""
        with self.database.unit_of_work() as uow:
            pending = [entry.id for entry in uow.inbox.unhandled(platform.value)]
        for entry_id in pending:
            self.handle_entry(entry_id)
        return len(pending)

    def handle_entry(self, entry_id: int) -> None:
        try:
            with self.database.unit_of_work() as uow:
                self._handle(uow, entry_id)
        except Exception:
            # the text is personal data: log the entry id, never the message
            log.exception("handling inbox entry %s failed", entry_id)
            with self.database.unit_of_work() as uow:
                self._apologise(uow, entry_id)

    def _handle(self, uow: UnitOfWork, entry_id: int) -> None:
        entry = uow.inbox.get(entry_id)
        if entry.handled_at is not None or entry.payload is None or entry.identity_id is None:
            return
        incoming = Incoming.from_payload(entry.payload)
        state = uow.conversations.load(entry.identity_id)
        turn = Turn(incoming, state, uow, self.settings, self.interpreter, self.clock())
        dispatch(turn, self.confidence_threshold)
        self._enqueue(uow, incoming, entry.identity_id, turn.replies)
        uow.conversations.save(state)
        uow.inbox.mark_handled(entry_id)
        uow.commit()

    def _apologise(self, uow: UnitOfWork, entry_id: int) -> None:
        entry = uow.inbox.get(entry_id)
        if entry.handled_at is not None or entry.payload is None or entry.identity_id is None:
            return
        incoming = Incoming.from_payload(entry.payload)
        language = uow.conversations.load(entry.identity_id).language
        t = translator(language or self.settings.default_language)
        text = t._("Sorry, something went wrong on my side. Please try again.")
        reply = Outgoing(chat_id=incoming.chat_id, text=text)
        self._enqueue(uow, incoming, entry.identity_id, [reply])
        uow.inbox.mark_handled(entry_id)
        uow.commit()

    @staticmethod
    def _enqueue(
        uow: UnitOfWork, incoming: Incoming, identity_id: int, replies: list[Outgoing]
    ) -> None:
        for index, reply in enumerate(replies):
            uow.outbox.enqueue(
                # derived from the update, so handling the same update twice can't send twice
                idempotency_key=f"{incoming.platform.value}:{incoming.update_id}:{index}",
                platform=incoming.platform.value,
                chat_id=reply.chat_id,
                identity_id=identity_id,
                payload=reply.to_payload(),
            )
