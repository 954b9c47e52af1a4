from __future__ import annotations

from bot.channels.console.adapter import ConsoleSession, parse_lat_lon, render
from bot.messages import Choice, LocationPin, Outgoing
from domain.places import GeoPoint
from tests.bot.chat import SETTINGS


def _session() -> ConsoleSession:
    return ConsoleSession("anna", SETTINGS.municipalities, session_id="s")


def test_choices_are_numbered_from_one() -> None:
    text = render(
        Outgoing(
            "anna", "Welche Sprache?", (Choice("Deutsch", "lang:de"), Choice("English", "lang:en"))
        )
    )
    assert text == "Welche Sprache?\n\n  1) Deutsch\n  2) English"


def test_location_pin_is_shown_with_coordinates() -> None:
    text = render(
        Outgoing("a", "Tafel", location=LocationPin(GeoPoint(50.77, 6.115), "Rothe Erde"))
    )
    assert "📍 Rothe Erde (50.77000, 6.11500)" in text


def test_a_number_answers_the_last_choices() -> None:
    session = _session()
    session.remember(
        Outgoing("anna", "?", (Choice("Deutsch", "lang:de"), Choice("English", "lang:en")))
    )
    assert session.to_incoming("2").choice == "lang:en"
    # out of range: plain text, so the bot can say what it expects
    incoming = session.to_incoming("7")
    assert incoming.choice is None
    assert incoming.text == "7"


def test_lat_lon_becomes_a_location() -> None:
    incoming = _session().to_incoming(" 50.7753 , 6.0839 ")
    assert incoming.location is not None
    assert incoming.location.point == GeoPoint(50.7753, 6.0839)
    assert parse_lat_lon("95.0, 6.0") is None  # not on earth: stays text
    assert parse_lat_lon("Burtscheid") is None


def test_place_name_is_a_location_only_when_asked_for() -> None:
    session = _session()
    assert session.to_incoming("Burtscheid").location is None
    session.remember(Outgoing("anna", "Wo bist du?", request_location=True))
    incoming = session.to_incoming("aachen burtscheid")
    assert incoming.location is not None
    assert incoming.location.label == "Aachen-Burtscheid"
    assert incoming.location.point == GeoPoint(50.7620, 6.0950)


def test_update_ids_are_unique_per_line() -> None:
    session = _session()
    ids = {session.to_incoming("hallo").update_id for _ in range(5)}
    assert len(ids) == 5
