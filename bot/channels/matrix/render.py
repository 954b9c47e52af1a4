"""Neutral `Outgoing` messages as Matrix event contents (pure).

A message is an m.text with a plain body and an HTML formatted_body in which everything that
came from users is escaped; its choices follow as a numbered list (answered by number, text or
a number-emoji reaction, see events.py); a place is an m.location event after it, whose body
carries a map link for clients that do not show locations; an edit is an m.replace event.
A location request adds nothing: Matrix has no such button, and the question itself says to
share a location (Element: 📎 → Location) or to type a place."""

from __future__ import annotations

import html
from typing import Any, Final

from bot.channels.matrix.events import geo_uri, number_emoji
from bot.messages import Choice, LocationPin, Outgoing
from domain.places import GeoPoint

MAX_BODY: Final = 30_000  # Matrix caps an event at 65,536 bytes of JSON


def map_link(point: GeoPoint) -> str:
    lat, lon = f"{point.lat:.5f}", f"{point.lon:.5f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def _choice_line(number: int, choice: Choice) -> str:
    if choice.opens_private:
        # a group's answer belongs in a private chat: say what to write there
        return f"{number_emoji(number)} {choice.label}: /start {choice.payload}"
    return f"{number_emoji(number)} {choice.label}"


def _fit(text: str) -> str:
    return text if len(text) <= MAX_BODY else text[: MAX_BODY - 1].rstrip() + "…"


def message_content(message: Outgoing) -> dict[str, Any]:
    """The m.room.message content of the text with its choices."""
    paragraphs = [_fit(message.text)]
    if message.choices:
        paragraphs.append(
            "\n".join(_choice_line(n, c) for n, c in enumerate(message.choices, start=1))
        )
    body = "\n\n".join(paragraphs)
    formatted = "<br><br>".join(
        html.escape(paragraph, quote=False).replace("\n", "<br>") for paragraph in paragraphs
    )
    return {
        "msgtype": "m.text",
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    }


def edit_content(new: dict[str, Any], original_event_id: str) -> dict[str, Any]:
    """An m.replace of `original_event_id` with `new` (clients without edits show "* …")."""
    return {
        "msgtype": new["msgtype"],
        "body": f"* {new['body']}",
        "format": new["format"],
        "formatted_body": f"* {new['formatted_body']}",
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": original_event_id},
    }


def location_content(pin: LocationPin) -> dict[str, Any]:
    """An m.location with the geo: URI, its extensible-events twin, and a map link in the body."""
    uri = geo_uri(pin.point)
    title = pin.title[:200]
    return {
        "msgtype": "m.location",
        "body": f"📍 {title}: {map_link(pin.point)}",
        "geo_uri": uri,
        "org.matrix.msc3488.location": {"uri": uri, "description": title},
        "org.matrix.msc3488.asset": {"type": "m.pin"},
        "org.matrix.msc1767.text": f"📍 {title}",
    }
