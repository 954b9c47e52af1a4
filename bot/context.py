"""What a dialogue step can see: the message, the user's state, the database and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.i18n import Translator, translator
from bot.messages import Choice, Incoming, LocationPin, Outgoing
from domain.categories import SUPPORTED_LANGUAGES
from domain.municipalities import Municipality
from nlu.interpreter import Interpreter, ParseContext
from storage.records import ConversationState
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class BotSettings:
    municipalities: tuple[Municipality, ...]
    default_language: str = "de"
    default_time_zone: str = "Europe/Berlin"
    home_municipality: str | None = None  # the front end's own municipality, if it has one

    def municipality(self, key: str | None) -> Municipality:
        for m in self.municipalities:
            if m.key == key:
                return m
        return self.municipalities[0]


@dataclass(slots=True)
class Turn:
    """One handled message: its input, the state it may change, and the replies it collects."""

    incoming: Incoming
    state: ConversationState
    uow: UnitOfWork
    settings: BotSettings
    interpreter: Interpreter
    now: datetime
    replies: list[Outgoing] = field(default_factory=list)

    @property
    def language(self) -> str:
        """The chosen language, else the platform's locale, else the deployment's default."""
        hint = (self.incoming.language_hint or "")[:2].lower()
        return (
            self.state.language
            or (hint if hint in SUPPORTED_LANGUAGES else None)
            or (self.settings.default_language)
        )

    @property
    def parse_context(self) -> ParseContext:
        return ParseContext(self.language, self.settings.default_time_zone, self.now)

    @property
    def t(self) -> Translator:
        return translator(self.language)

    def say(
        self,
        text: str,
        choices: tuple[Choice, ...] = (),
        *,
        location: LocationPin | None = None,
        request_location: bool = False,
    ) -> None:
        self.replies.append(
            Outgoing(
                chat_id=self.incoming.chat_id,
                text=text,
                choices=choices,
                location=location,
                request_location=request_location,
            )
        )
