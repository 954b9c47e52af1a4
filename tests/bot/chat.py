"""A test chat through the real engine, inbox, outbox and console rendering."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.channels.console.adapter import ConsoleSender, ConsoleSession
from bot.context import BotSettings
from bot.delivery import deliver_due
from bot.engine import DialogueEngine
from domain.actors import Platform
from domain.municipalities import District, Municipality
from domain.places import GeoPoint
from nlu.keywords import KeywordInterpreter
from storage.unit_of_work import Database

AACHEN = Municipality(
    "aachen",
    "Aachen",
    GeoPoint(50.7753, 6.0839),
    welcome=(
        ("de", "Willkommen bei der Ehrenamtsbörse Aachen!"),
        ("en", "Welcome to Aachen's volunteer exchange!"),
    ),
    districts=(District("Burtscheid", GeoPoint(50.7619, 6.0950)),),
)
STOLBERG = Municipality("stolberg", "Stolberg (Rhld.)", GeoPoint(50.7706, 6.2278))
SETTINGS = BotSettings(municipalities=(AACHEN, STOLBERG), home_municipality="aachen")


def make_engine(database: Database) -> DialogueEngine:
    with database.unit_of_work() as uow:
        uow.municipalities.sync(SETTINGS.municipalities)
        uow.commit()
    return DialogueEngine(database, SETTINGS, KeywordInterpreter(), clock=lambda: NOW)


NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


class Chat:
    """Type a line, get back what the user would see in the terminal."""

    def __init__(self, engine: DialogueEngine, user: str = "anna", language: str | None = None):
        self.engine = engine
        self.session = ConsoleSession(user, SETTINGS.municipalities, language_hint=language)
        self.seen: list[str] = []
        self._sender = ConsoleSender(self.session, self.seen.append)

    def say(self, line: str) -> str:
        before = len(self.seen)
        self.engine.handle(self.session.to_incoming(line))
        deliver_due(
            self.engine.database, Platform.CONSOLE, self._sender, chat_id=self.session.user_id
        )
        return "".join(self.seen[before:]).strip()
