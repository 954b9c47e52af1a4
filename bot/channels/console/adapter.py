"""A terminal chat on the same engine as Telegram and Matrix: numbered choices, a location typed
as `lat,lon`, or a configured place name when the bot asked for a location."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from bot.delivery import Pace, deliver_due
from bot.engine import DialogueEngine
from bot.messages import Choice, Incoming, Outgoing, SharedLocation
from domain.actors import Platform
from domain.municipalities import Municipality, find_place, place_label
from domain.places import GeoPoint, valid_point

_LAT_LON = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
QUIT_WORDS = frozenset({"/quit", "/exit", "/beenden"})


def parse_lat_lon(text: str) -> GeoPoint | None:
    match = _LAT_LON.match(text)
    if not match:
        return None
    return valid_point(float(match.group(1)), float(match.group(2)))


def render(message: Outgoing) -> str:
    """An outgoing message as terminal text: choices numbered from 1."""
    lines = [message.text]
    if message.location:
        pin = message.location
        lines.append(f"📍 {pin.title} ({pin.point.lat:.5f}, {pin.point.lon:.5f})")
    if message.choices:
        lines.append("")
        lines.extend(f"  {n}) {choice.label}" for n, choice in enumerate(message.choices, 1))
    if message.request_location:
        lines.append("  📍 lat,lon / Ort · place")
    return "\n".join(lines)


@dataclass
class ConsoleSession:
    """One person typing in a terminal: turns lines into `Incoming`, remembers the last choices."""

    user_id: str
    municipalities: Sequence[Municipality]
    language_hint: str | None = None
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _counter: int = 0
    _choices: tuple[Choice, ...] = ()
    _location_requested: bool = False

    def to_incoming(self, line: str) -> Incoming:
        self._counter += 1
        text = line.strip()
        fields: dict[str, object] = {"text": text}
        if text.isdigit() and 1 <= int(text) <= len(self._choices):
            fields = {"choice": self._choices[int(text) - 1].payload}
        elif (point := parse_lat_lon(text)) is not None:
            fields = {"location": SharedLocation(point)}
        elif self._location_requested and (place := find_place(text, self.municipalities)):
            label = place_label(place.name, place.municipality_key, self.municipalities)
            fields = {"location": SharedLocation(place.point, label=label)}
        return Incoming(
            platform=Platform.CONSOLE,
            update_id=f"{self.session_id}:{self._counter}",
            user_id=self.user_id,
            chat_id=self.user_id,
            message_id=str(self._counter),
            language_hint=self.language_hint,
            **fields,  # type: ignore[arg-type]
        )

    @property
    def choices(self) -> tuple[Choice, ...]:
        return self._choices

    def remember(self, message: Outgoing) -> None:
        # a message without choices keeps the earlier ones answerable ("1" still means Help)
        if message.choices:
            self._choices = message.choices
        self._location_requested = message.request_location


class ConsoleSender:
    """The terminal as an AsyncSender: no groups, no message ids, so an edit prints anew."""

    platform: Platform = Platform.CONSOLE
    idempotent: bool = False

    def __init__(self, session: ConsoleSession, write: Callable[[str], object]) -> None:
        self._session = session
        self._write = write

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(
        self,
        message: Outgoing,
        *,
        replaces: str | None = None,
        transaction_id: str | None = None,
        pace: Pace | None = None,
    ) -> str | None:
        self._session.remember(message)
        self._write(render(message) + "\n\n")
        return None


def run_console(
    engine: DialogueEngine,
    session: ConsoleSession,
    lines: Iterable[str],
    output: TextIO,
    *,
    prompt: str = "> ",
) -> None:
    """Chat until the input ends or the user types /quit."""
    sender = ConsoleSender(session, output.write)
    engine.handle_pending(Platform.CONSOLE)
    deliver_due(engine.database, Platform.CONSOLE, sender, chat_id=session.user_id)
    output.write(prompt)
    output.flush()
    for line in lines:
        if line.strip().lower() in QUIT_WORDS:
            break
        if line.strip():
            engine.handle(session.to_incoming(line))
            deliver_due(engine.database, Platform.CONSOLE, sender, chat_id=session.user_id)
        output.write(prompt)
        output.flush()
    output.write("\n")
