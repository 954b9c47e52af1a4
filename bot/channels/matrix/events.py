"""What a Matrix room event says, read from its JSON (pure: no client, no database).

Matrix has no buttons: the bot offers choices as a numbered list, and the user answers with
the number, the option's text, or a reaction with the number emoji (render.py). Which list an
answer refers to is the channel's to find out; here an answer is matched against a list."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.messages import Choice, SharedLocation
from domain.places import GeoPoint, valid_point

# keycap digits as clients send them as reactions: with and without the emoji variation selector
NUMBER_EMOJI: Final = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
_KEYCAP: Final = re.compile(r"^([1-9])\ufe0f?\u20e3$")
_NUMBER_ANSWER: Final = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
_GEO_URI: Final = re.compile(
    r"^geo:\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)(?:\s*,\s*-?\d+(?:\.\d+)?)?"
    r"(?:;.*)?$",
    re.IGNORECASE,
)
_NOT_WORD: Final = re.compile(r"[\W_]+", re.UNICODE)
MAX_TEXT: Final = 4000  # longer messages are cut: no answer the bot asks for is this long
TEXT_TYPES: Final = frozenset({"m.text", "m.notice", "m.emote"})


@dataclass(frozen=True, slots=True)
class RoomMessage:
    """One user event in a room: a message, a location or a reaction."""

    event_id: str
    sender: str
    room_id: str
    timestamp_ms: int
    text: str | None = None
    location: SharedLocation | None = None
    in_reply_to: str | None = None  # the event a reply answers
    reaction_to: str | None = None  # the event a reaction is on
    reaction_key: str | None = None
    unsupported: bool = False  # an image, a file, a voice message: not read, not kept


def read_event(room_id: str, source: Mapping[str, Any]) -> RoomMessage | None:
    """The event as a RoomMessage, or None for what the bot does not read (state, edits,
    redactions, receipts, other relations)."""
    event_id = source.get("event_id")
    sender = source.get("sender")
    content = source.get("content")
    if not isinstance(event_id, str) or not isinstance(sender, str):
        return None
    if not isinstance(content, Mapping):
        return None
    timestamp = source.get("origin_server_ts")
    base: dict[str, Any] = {
        "event_id": event_id,
        "sender": sender,
        "room_id": room_id,
        "timestamp_ms": timestamp if isinstance(timestamp, int) else 0,
    }
    relates = content.get("m.relates_to")
    relates = relates if isinstance(relates, Mapping) else {}
    kind = source.get("type")
    if kind == "m.reaction":
        target, key = relates.get("event_id"), relates.get("key")
        if relates.get("rel_type") != "m.annotation":
            return None
        if not isinstance(target, str) or not isinstance(key, str):
            return None
        return RoomMessage(**base, reaction_to=target, reaction_key=key)
    if kind != "m.room.message" or relates.get("rel_type") == "m.replace":
        return None  # an edit is not read again, as on Telegram
    reply = relates.get("m.in_reply_to")
    in_reply_to = reply.get("event_id") if isinstance(reply, Mapping) else None
    if not isinstance(in_reply_to, str):
        in_reply_to = None
    msgtype = content.get("msgtype")
    body = content.get("body")
    if msgtype in TEXT_TYPES and isinstance(body, str):
        text = strip_reply_fallback(body) if in_reply_to else body
        return RoomMessage(**base, text=text.strip()[:MAX_TEXT], in_reply_to=in_reply_to)
    if msgtype == "m.location":
        location = read_location(content)
        if location is not None:
            return RoomMessage(**base, location=location, in_reply_to=in_reply_to)
    return RoomMessage(**base, unsupported=True)


def read_location(content: Mapping[str, Any]) -> SharedLocation | None:
    """An m.location's point (its geo_uri, or the extensible-events form newer clients add)."""
    extensible = content.get("org.matrix.msc3488.location")
    extensible = extensible if isinstance(extensible, Mapping) else {}
    uri = content.get("geo_uri") or extensible.get("uri")
    point = parse_geo_uri(uri) if isinstance(uri, str) else None
    if point is None:
        return None
    description = extensible.get("description")
    label = description.strip()[:120] if isinstance(description, str) else None
    return SharedLocation(point, label=label or None)


def parse_geo_uri(uri: str) -> GeoPoint | None:
    """RFC 5870: `geo:50.7753,6.0839`, optionally with altitude and `;u=…` parameters."""
    match = _GEO_URI.match(uri.strip())
    if not match:
        return None
    return valid_point(float(match.group(1)), float(match.group(2)))


def geo_uri(point: GeoPoint) -> str:
    return f"geo:{point.lat:.6f},{point.lon:.6f}"


def strip_reply_fallback(body: str) -> str:
    """A reply's body quotes the message it answers ("> <@bot:x> …" lines, then a blank line)
    for clients without reply support; the answer is what follows."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith(">"):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:])


def number_emoji(number: int) -> str:
    """1️⃣ … 🔟 for the first ten choices, "11." and on after that."""
    return NUMBER_EMOJI[number - 1] if 1 <= number <= len(NUMBER_EMOJI) else f"{number}."


def _plain(text: str) -> str:
    return _NOT_WORD.sub(" ", text).strip().casefold()


def chosen(text: str | None, choices: Sequence[Choice]) -> str | None:
    """The payload of the choice an answer picks: its number ("2", "2.", "2)", "2️⃣") or the
    option's text ("deutsch" for "🇩🇪 Deutsch"); None when it picks none."""
    if not text or not choices:
        return None
    number = _NUMBER_ANSWER.match(text) or _KEYCAP.match(text.strip())
    if number is None and text.strip() == "🔟":
        index: int | None = 10
    else:
        index = int(number.group(1)) if number else None
    if index is not None:
        return choices[index - 1].payload if 1 <= index <= len(choices) else None
    wanted = _plain(text)
    if not wanted:
        return None
    for choice in choices:
        if _plain(choice.label) == wanted:
            return choice.payload
    return None
