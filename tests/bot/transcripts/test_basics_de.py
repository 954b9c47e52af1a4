"""Transcripts in German: a first visit, help, a greeting, nonsense, switching language."""

from __future__ import annotations

from bot.engine import DialogueEngine
from storage.unit_of_work import Database
from tests.bot.chat import Chat, make_engine


def test_first_visit_in_german(sqlite_database: Database) -> None:
    chat = Chat(make_engine(sqlite_database), "anna", language="de")

    reply = chat.say("/start")
    assert "Willkommen bei der Ehrenamtsbörse Aachen!" in reply
    assert "in Aachen und Umgebung, auch kurzfristig und spontan" in reply
    assert "1) Hilfe" in reply
    assert "2) 🌐 English" in reply

    reply = chat.say("1")
    assert "Hier kannst du Hilfe anbieten" in reply
    assert "/hilfe – diese Übersicht" in reply
    assert "/sprache – Deutsch oder Englisch" in reply

    reply = chat.say("Moin 👋")
    assert reply.startswith("Hallo! 👋 Schön, dass du da bist.")

    reply = chat.say("servus")
    assert reply.startswith("Hallo!")

    reply = chat.say("asdfgh qwertz")
    assert reply.startswith("Das habe ich leider nicht verstanden. Tippe /hilfe")

    reply = chat.say("/gibtsnicht")
    assert reply.startswith("Das habe ich leider nicht verstanden.")

    assert chat.say("danke!!") == "Gern geschehen! 😊"
    assert chat.say("tschüss") == "Tschüss! Danke für dein Engagement. 👋"


def test_default_language_is_german_without_a_platform_locale(sqlite_database: Database) -> None:
    chat = Chat(make_engine(sqlite_database), "ben")
    assert "Willkommen bei der Ehrenamtsbörse Aachen!" in chat.say("/start")


def test_switching_language_is_remembered(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    chat = Chat(engine, "carla", language="de")
    chat.say("/sprache")
    assert chat.seen[-1].startswith("Welche Sprache möchtest du?")
    assert "2) English" in chat.seen[-1]
    assert chat.say("2") == "Okay, I'll write to you in English from now on."
    assert chat.say("/help").startswith("Here you can offer help")

    # a new terminal session (another process) still speaks English to Carla
    again = Chat(DialogueEngine(sqlite_database, engine.settings, engine.interpreter), "carla")
    assert "Welcome to Aachen's volunteer exchange!" in again.say("/start")


def test_location_typed_as_coordinates(sqlite_database: Database) -> None:
    chat = Chat(make_engine(sqlite_database), "dora", language="de")
    reply = chat.say("50.7620, 6.0951")
    assert reply.startswith("📍 Angekommen: in der Nähe von Aachen-Burtscheid.")
    assert "speichere ihn nicht" in reply
