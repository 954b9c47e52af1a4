"""The neutral message model between channels and the dialogue engine (DESIGN.md, flow step 1/4).

Channels turn platform updates into `Incoming` and render `Outgoing` natively; nothing here knows
Telegram or Matrix. Both serialise to plain dicts for the inbox and the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from domain.actors import Platform, PlatformIdentity
from domain.places import GeoPoint

# The bot a message came through or goes out by: "" is the shared bot (channels.telegram,
# channels.matrix, the console), a municipality key names that municipality's own bot.
SHARED_FRONT_END: Final = ""


@dataclass(frozen=True, slots=True)
class SharedLocation:
    point: GeoPoint
    label: str | None = None  # a place name the user typed or a venue title
    live: bool = False  # a live-location update (Telegram) rather than a one-off pin


@dataclass(frozen=True, slots=True)
class GroupChat:
    """A message from a group chat (a club's group), not a private conversation."""

    title: str | None = None
    # whether the sender administers the group, as the platform says at the time of the
    # message; None when the channel did not ask (only group commands need it)
    sender_is_admin: bool | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    platform: Platform
    update_id: str  # the platform's update/event id: a replay of it is handled once
    user_id: str
    chat_id: str
    text: str | None = None
    location: SharedLocation | None = None
    choice: str | None = None  # payload of a tapped/numbered choice
    message_id: str | None = None
    language_hint: str | None = None  # the platform's locale, e.g. Telegram's language_code
    user_name: str | None = None  # the name the platform shows, a default for the profile
    group: GroupChat | None = None  # None: a private chat with the bot
    # something the bot cannot read (a photo, a sticker, a shared contact); its content is not
    # kept, the user is told what the bot understands
    unsupported: bool = False
    front_end: str = SHARED_FRONT_END  # the bot it was written to; replies go out through it
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def identity(self) -> PlatformIdentity:
        return PlatformIdentity(self.platform, self.user_id)

    @property
    def command(self) -> tuple[str, str] | None:
        """("/help", "rest of line") for a slash command, with any @botname suffix removed."""
        if not self.text or not self.text.startswith("/"):
            return None
        head, _, rest = self.text.strip().partition(" ")
        name = head.split("@", 1)[0].lower()
        return (name, rest.strip()) if len(name) > 1 else None

    def to_payload(self) -> dict[str, Any]:
        return {
            "platform": self.platform.value,
            "update_id": self.update_id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "text": self.text,
            "location": None
            if self.location is None
            else {
                "lat": self.location.point.lat,
                "lon": self.location.point.lon,
                "label": self.location.label,
                "live": self.location.live,
            },
            "choice": self.choice,
            "message_id": self.message_id,
            "language_hint": self.language_hint,
            "user_name": self.user_name,
            "group": None
            if self.group is None
            else {"title": self.group.title, "sender_is_admin": self.group.sender_is_admin},
            "unsupported": self.unsupported,
            "front_end": self.front_end,
            "received_at": self.received_at.isoformat(),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Incoming:
        loc = data.get("location")
        group = data.get("group")
        return cls(
            platform=Platform(data["platform"]),
            update_id=data["update_id"],
            user_id=data["user_id"],
            chat_id=data["chat_id"],
            text=data.get("text"),
            location=None
            if loc is None
            else SharedLocation(GeoPoint(loc["lat"], loc["lon"]), loc.get("label"), loc["live"]),
            choice=data.get("choice"),
            message_id=data.get("message_id"),
            language_hint=data.get("language_hint"),
            user_name=data.get("user_name"),
            group=None if group is None else GroupChat(group["title"], group["sender_is_admin"]),
            unsupported=bool(data.get("unsupported", False)),
            # entries recorded before front ends existed came through the shared bot
            front_end=str(data.get("front_end") or SHARED_FRONT_END),
            received_at=datetime.fromisoformat(data["received_at"]),
        )


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    payload: str  # short and opaque to the user; channels must validate what comes back
    # in a group chat: the answer belongs in a private conversation with the bot (Telegram
    # opens one with a start link carrying `payload`)
    opens_private: bool = False


@dataclass(frozen=True, slots=True)
class LocationPin:
    point: GeoPoint
    title: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    chat_id: str
    text: str
    choices: tuple[Choice, ...] = ()
    location: LocationPin | None = None
    request_location: bool = False
    # the outbox idempotency key of an earlier message this one edits (an alert's follow-up)
    replaces: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "chat_id": self.chat_id,
            "replaces": self.replaces,
            "text": self.text,
            "choices": [
                {"label": c.label, "payload": c.payload, "opens_private": c.opens_private}
                for c in self.choices
            ],
            "location": None
            if self.location is None
            else {
                "lat": self.location.point.lat,
                "lon": self.location.point.lon,
                "title": self.location.title,
            },
            "request_location": self.request_location,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Outgoing:
        loc = data.get("location")
        return cls(
            chat_id=data["chat_id"],
            text=data["text"],
            choices=tuple(
                Choice(c["label"], c["payload"], bool(c.get("opens_private", False)))
                for c in data.get("choices", [])
            ),
            location=None
            if loc is None
            else LocationPin(GeoPoint(loc["lat"], loc["lon"]), loc["title"]),
            request_location=bool(data.get("request_location", False)),
            replaces=data.get("replaces"),
        )
