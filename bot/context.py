"""What a dialogue step can see: the message, the user's state, the database and the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.i18n import Translator, translator
from bot.messages import Choice, Incoming, LocationPin, Outgoing
from bot.pushes import PushSettings
from domain.actors import Account, PlatformIdentity
from domain.categories import SUPPORTED_LANGUAGES
from domain.editorial import Authority, authority_of
from domain.municipalities import KnownPlace, Municipality, find_place
from nlu.interpreter import Interpreter, Parse, ParseContext
from storage.records import ConversationState
from storage.unit_of_work import UnitOfWork

PlaceResolver = Callable[[str], KnownPlace | None]


@dataclass(frozen=True, slots=True)
class Notification:
    """A message to another account (e.g. a posting's owner), worded in their language."""

    account_id: int
    text: Callable[[Translator], str]
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class BotSettings:
    municipalities: tuple[Municipality, ...]
    default_language: str = "de"
    default_time_zone: str = "Europe/Berlin"
    # the shared front end's municipality (the console's), if it has one; a municipality's own
    # bot speaks for that municipality instead (Turn.home_municipality)
    home_municipality: str | None = None
    default_radius_km: float = 10.0
    page_size: int = 5
    place_resolver: PlaceResolver | None = None  # the NLU gazetteer; config districts if None
    pushes: PushSettings = field(default_factory=PushSettings)
    superadmins: tuple[PlatformIdentity, ...] = ()  # moderate every municipality

    def municipality(self, key: str | None) -> Municipality:
        for m in self.municipalities:
            if m.key == key:
                return m
        return self.municipalities[0]

    def resolve_place(self, text: str) -> KnownPlace | None:
        if self.place_resolver is not None:
            found = self.place_resolver(text)
            if found is not None:
                return found
        return find_place(text, self.municipalities)


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
    notifications: list[Notification] = field(default_factory=list)
    _parse: Parse | None = None
    _account: Account | None = None
    _account_loaded: bool = False

    @property
    def language(self) -> str:
        """The chosen language, else the platform's locale, else the deployment's default."""
        hint = (self.incoming.language_hint or "")[:2].lower()
        return (
            self.state.language
            or (hint if hint in SUPPORTED_LANGUAGES else None)
            or self.settings.default_language
        )

    @property
    def home_municipality(self) -> Municipality:
        """The municipality whose bot the user is talking to: its welcome and its contact. A
        municipality's own bot is named by its key; the shared bot falls back to the configured
        one (the console's), else the first."""
        return self.settings.municipality(
            self.incoming.front_end or self.settings.home_municipality
        )

    @property
    def time_zone(self) -> str:
        account = self.account
        return account.time_zone if account else self.settings.default_time_zone

    @property
    def parse_context(self) -> ParseContext:
        return ParseContext(self.language, self.time_zone, self.now)

    @property
    def t(self) -> Translator:
        return translator(self.language)

    @property
    def authority(self) -> Authority:
        """What this user may moderate, by their platform id (config: editors, superadmins)."""
        return authority_of(
            self.incoming.identity, self.settings.municipalities, self.settings.superadmins
        )

    @property
    def account(self) -> Account | None:
        if not self._account_loaded:
            self._account = self.uow.accounts.find_by_identity(self.incoming.identity)
            self._account_loaded = True
        return self._account

    def forget_account(self) -> None:
        """After a step changed the account, read it afresh."""
        self._account_loaded = False

    def parse(self) -> Parse | None:
        """The NLU's reading of the text (once per turn), or None for a turn without text."""
        text = (self.incoming.text or "").strip()
        if not text:
            return None
        if self._parse is None:
            self._parse = self.interpreter.parse(text, self.parse_context)
        return self._parse

    def entities(self, kind: str) -> list[dict[str, Any]]:
        parse = self.parse()
        return [e for e in parse["entities"] if e["entity"] == kind] if parse else []

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

    def notify(
        self,
        account_id: int,
        text: Callable[[Translator], str],
        choices: tuple[Choice, ...] = (),
    ) -> None:
        self.notifications.append(Notification(account_id, text, choices))
