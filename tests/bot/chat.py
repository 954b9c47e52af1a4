"""A test chat through the real engine, inbox, outbox and console rendering, with the shipped
config.yml's municipalities and, for transcripts, the real embedded NLU."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bot.channels.console.adapter import ConsoleSender, ConsoleSession
from bot.config import load_config
from bot.context import BotSettings, PlaceResolver
from bot.delivery import deliver_due
from bot.engine import DialogueEngine
from domain.actors import Platform
from domain.municipalities import Municipality
from nlu.interpreter import Interpreter
from storage.unit_of_work import Database
from tests.bot.keywords import KeywordInterpreter

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "config.yml", environ={})
MUNICIPALITIES: tuple[Municipality, ...] = CONFIG.domain_municipalities()
# Saturday 21 November 2026, 15:00 in Aachen
NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


def settings(resolver: PlaceResolver | None = None) -> BotSettings:
    return BotSettings(
        municipalities=MUNICIPALITIES, home_municipality="aachen", place_resolver=resolver
    )


SETTINGS = settings()


def make_engine(
    database: Database,
    interpreter: Interpreter | None = None,
    bot_settings: BotSettings = SETTINGS,
) -> DialogueEngine:
    with database.unit_of_work() as uow:
        uow.municipalities.sync(bot_settings.municipalities)
        uow.commit()
    return DialogueEngine(
        database, bot_settings, interpreter or KeywordInterpreter(), clock=lambda: NOW
    )


class Chat:
    """Type a line, get back what the user would see in the terminal."""

    def __init__(
        self,
        engine: DialogueEngine,
        user: str = "anna",
        language: str | None = None,
        name: str | None = None,
    ) -> None:
        self.engine = engine
        self.session = ConsoleSession(user, engine.settings.municipalities, language_hint=language)
        self.name = name
        self.seen: list[str] = []
        self._sender = ConsoleSender(self.session, self.seen.append)

    def say(self, line: str) -> str:
        before = len(self.seen)
        incoming = self.session.to_incoming(line)
        if self.name:
            from dataclasses import replace

            incoming = replace(incoming, user_name=self.name)
        self.engine.handle(incoming)
        return self.pending(before)

    def pending(self, before: int | None = None) -> str:
        """Deliver what is due for this chat (e.g. a push) and return what appeared."""
        before = len(self.seen) if before is None else before
        deliver_due(
            self.engine.database, Platform.CONSOLE, self._sender, chat_id=self.session.user_id
        )
        return "".join(self.seen[before:]).strip()

    def tap(self, label: str) -> str:
        """Answer the last choices by the number of the one whose label contains `label`."""
        for number, choice in enumerate(self.session.choices, 1):
            if label in choice.label:
                return self.say(str(number))
        options = [c.label for c in self.session.choices]
        raise AssertionError(f"no choice with {label!r} among {options}")

    @property
    def choice_labels(self) -> list[str]:
        return [c.label for c in self.session.choices]


def squash(text: str) -> str:
    """Whitespace-insensitive text, for asserting on wrapped messages."""
    return re.sub(r"[\s\u202f\u2009]+", " ", text).strip()
