"""The engine's guarantees: a replay is handled once; a failing step apologises, loses nothing."""

from __future__ import annotations

import pytest

from bot.engine import DialogueEngine
from bot.messages import Incoming
from domain.actors import Platform
from storage.records import OutboxStatus
from storage.unit_of_work import Database
from tests.bot.chat import Chat, make_engine


def _outbox_texts(database: Database, chat_id: str) -> list[str]:
    with database.unit_of_work() as uow:
        return [m.payload["text"] for m in uow.outbox.for_chat("console", chat_id)]


def test_a_replayed_update_is_answered_once(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    update = Incoming(Platform.CONSOLE, "upd-1", "gina", "gina", text="/start")
    assert engine.handle(update) is True
    answered = _outbox_texts(sqlite_database, "gina")
    assert answered
    assert engine.handle(update) is False
    assert _outbox_texts(sqlite_database, "gina") == answered


def test_received_but_unhandled_message_is_handled_after_a_restart(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    # the process stops right after the inbox write
    engine.receive(Incoming(Platform.CONSOLE, "upd-7", "hans", "hans", text="hallo"))
    assert _outbox_texts(sqlite_database, "hans") == []

    restarted = DialogueEngine(sqlite_database, engine.settings, engine.interpreter)
    assert restarted.handle_pending(Platform.CONSOLE) == 1
    assert restarted.handle_pending(Platform.CONSOLE) == 0
    assert len(_outbox_texts(sqlite_database, "hans")) == 1


def test_a_failing_step_apologises_in_the_users_language(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(sqlite_database)
    chat = Chat(engine, "ida", language="de")
    chat.say("/start")

    def broken(turn: object) -> None:
        raise RuntimeError("boom")

    from bot.flows import router

    monkeypatch.setitem(router.COMMANDS, "/help", broken)
    assert chat.say("/help") == (
        "Entschuldigung, bei mir ist etwas schiefgelaufen. Bitte versuch es noch einmal."
    )
    # the conversation goes on
    assert chat.say("hallo").startswith("Hallo!")


def test_handled_message_text_is_not_kept(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    Chat(engine, "jana").say("hallo, ich wohne in der Jakobstraße 3")
    with sqlite_database.unit_of_work() as uow:
        assert uow.inbox.unhandled("console") == []
        rows = uow.outbox.for_chat("console", "jana")
    assert [m.status for m in rows] == [OutboxStatus.SENT]
