"""Transcripts in English, from a platform locale of "en"."""

from __future__ import annotations

from storage.unit_of_work import Database
from tests.bot.chat import Chat, make_engine


def test_first_visit_in_english(sqlite_database: Database) -> None:
    chat = Chat(make_engine(sqlite_database), "emma", language="en")

    reply = chat.say("/start")
    assert "Welcome to Aachen's volunteer exchange!" in reply
    assert "who need help in Aachen and around" in reply
    assert "1) Help" in reply
    assert "2) 🌐 Deutsch" in reply

    reply = chat.say("/help")
    assert "/help – this overview" in reply
    assert "/language – Deutsch or English" in reply

    assert chat.say("hiii").startswith("Hello! 👋 Nice that you're here.")
    assert chat.say("Good morning!").startswith("Hello!")
    assert chat.say("what can you do").startswith("Here you can offer help")
    assert chat.say("thx") == "You're welcome! 😊"
    assert chat.say("blorp").startswith("Sorry, I didn't understand that.")


def test_switch_to_german_from_the_start_screen(sqlite_database: Database) -> None:
    chat = Chat(make_engine(sqlite_database), "farid", language="en")
    chat.say("/start")
    assert chat.say("2") == "Alles klar, ich schreibe dir ab jetzt auf Deutsch."
    assert chat.say("hello").startswith("Hallo!")
