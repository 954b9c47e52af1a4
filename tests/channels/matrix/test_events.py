"""Reading Matrix events and rendering messages for Matrix: pure functions, no homeserver."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.matrix.events import (
    chosen,
    number_emoji,
    parse_geo_uri,
    read_event,
    strip_reply_fallback,
)
from bot.channels.matrix.render import edit_content, location_content, message_content
from bot.messages import Choice, LocationPin, Outgoing
from domain.places import GeoPoint

ROOM = "!room:localhost"
CHOICES = (
    Choice("🇩🇪 Deutsch", "lang:de"),
    Choice("🇬🇧 English", "lang:en"),
    Choice("✅ Einverstanden", "consent:yes"),
)


def _event(content: dict[str, Any], kind: str = "m.room.message") -> dict[str, Any]:
    return {
        "type": kind,
        "event_id": "$abc",
        "sender": "@anna:localhost",
        "origin_server_ts": 1_763_700_000_000,
        "content": content,
    }


def test_text_and_notice_are_read_and_replies_lose_their_quote() -> None:
    message = read_event(ROOM, _event({"msgtype": "m.text", "body": "  hallo  "}))
    assert message is not None
    assert (message.text, message.sender, message.room_id) == ("hallo", "@anna:localhost", ROOM)
    notice = read_event(ROOM, _event({"msgtype": "m.notice", "body": "hi"}))
    assert notice is not None
    assert notice.text == "hi"
    reply = read_event(
        ROOM,
        _event(
            {
                "msgtype": "m.text",
                "body": "> <@bot:localhost> Welche Sprache?\n> 1️⃣ Deutsch\n\n2",
                "m.relates_to": {"m.in_reply_to": {"event_id": "$question"}},
            }
        ),
    )
    assert reply is not None
    assert (reply.text, reply.in_reply_to) == ("2", "$question")


def test_a_location_arrives_as_its_geo_uri_and_a_bad_one_is_unsupported() -> None:
    shared = read_event(
        ROOM,
        _event(
            {
                "msgtype": "m.location",
                "body": "Standort",
                "geo_uri": "geo:50.7815,6.1545;u=35",
                "org.matrix.msc3488.location": {"uri": "geo:50.7815,6.1545", "description": "Hof"},
            }
        ),
    )
    assert shared is not None
    assert shared.location is not None
    assert shared.location.point == GeoPoint(50.7815, 6.1545)
    assert shared.location.label == "Hof"
    bad = read_event(ROOM, _event({"msgtype": "m.location", "body": "x", "geo_uri": "geo:95,6"}))
    assert bad is not None
    assert bad.unsupported
    assert bad.location is None


def test_pictures_are_unsupported_edits_and_state_are_not_read() -> None:
    picture = read_event(ROOM, _event({"msgtype": "m.image", "body": "katze.jpg"}))
    assert picture is not None
    assert picture.unsupported
    assert picture.text is None
    edit = _event(
        {
            "msgtype": "m.text",
            "body": "* neu",
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$old"},
        }
    )
    assert read_event(ROOM, edit) is None
    assert read_event(ROOM, _event({"name": "Raum"}, "m.room.name")) is None
    assert read_event(ROOM, {"type": "m.room.message", "content": {}}) is None


def test_a_reaction_names_its_event_and_key() -> None:
    reaction = read_event(
        ROOM,
        _event(
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$q", "key": "2️⃣"}},
            "m.reaction",
        ),
    )
    assert reaction is not None
    assert (reaction.reaction_to, reaction.reaction_key) == ("$q", "2️⃣")


@pytest.mark.parametrize(
    ("answer", "payload"),
    [
        ("1", "lang:de"),
        (" 2. ", "lang:en"),
        ("3)", "consent:yes"),
        ("2️⃣", "lang:en"),
        ("2\u20e3", "lang:en"),  # a keycap without the variation selector
        ("deutsch", "lang:de"),
        ("EINVERSTANDEN!", "consent:yes"),
        ("4", None),  # no fourth option
        ("0", None),
        ("Deutschland", None),
        ("", None),
    ],
)
def test_an_answer_picks_a_choice_by_number_emoji_or_text(answer: str, payload: str | None) -> None:
    assert chosen(answer, CHOICES) == payload


def test_geo_uris_parse_as_rfc_5870_says() -> None:
    assert parse_geo_uri("geo:50.7753,6.0839") == GeoPoint(50.7753, 6.0839)
    assert parse_geo_uri("geo:50.7753,6.0839,120;crs=wgs84") == GeoPoint(50.7753, 6.0839)
    assert parse_geo_uri("geo:-33.9,151.2") == GeoPoint(-33.9, 151.2)
    assert parse_geo_uri("http://x") is None
    assert parse_geo_uri("geo:50.7,200") is None


def test_a_reply_fallback_is_only_stripped_when_it_is_one() -> None:
    assert strip_reply_fallback("> quote\n\nanswer") == "answer"
    assert strip_reply_fallback("no quote") == "no quote"


def test_choices_render_as_a_numbered_list_with_user_text_escaped() -> None:
    message = Outgoing(chat_id="@anna:localhost", text="Tom & <Jerry>?", choices=CHOICES)
    content = message_content(message)
    assert content["body"] == ("Tom & <Jerry>?\n\n1️⃣ 🇩🇪 Deutsch\n2️⃣ 🇬🇧 English\n3️⃣ ✅ Einverstanden")
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"].startswith("Tom &amp; &lt;Jerry&gt;?<br><br>1️⃣")
    assert number_emoji(11) == "11."


def test_an_edit_replaces_the_original_and_a_place_carries_a_map_link() -> None:
    new = message_content(Outgoing(chat_id="@a:b", text="✅ Schon erledigt"))
    edit = edit_content(new, "$alert")
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$alert"}
    assert edit["m.new_content"] == new
    assert edit["body"] == "* ✅ Schon erledigt"
    place = location_content(LocationPin(GeoPoint(50.78, 6.15), "Tierheim <Eilendorf>"))
    assert place["msgtype"] == "m.location"
    assert parse_geo_uri(place["geo_uri"]) == GeoPoint(50.78, 6.15)
    assert "https://www.openstreetmap.org/?mlat=50.78000&mlon=6.15000" in place["body"]
