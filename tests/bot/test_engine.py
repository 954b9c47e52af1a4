"""The engine's guarantees: a replay is handled once; a failing step apologises, loses nothing."""

from __future__ import annotations

import pytest

from bot.engine import DialogueEngine
from bot.messages import GroupChat, Incoming
from domain.actors import Platform, PlatformIdentity
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
    assert chat.say("hallo").startswith("Hallo!")

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


class _Unsure:
    """An interpreter that is never sure: the bot must ask back instead of guessing."""

    def parse(self, text: str, context: object) -> dict[str, object]:
        ranking = [
            {"name": "search", "confidence": 0.41},
            {"name": "request_help", "confidence": 0.33},
            {"name": "greet", "confidence": 0.2},
            {"name": "offer_help", "confidence": 0.05},
        ]
        return {"text": text, "intent": ranking[0], "intent_ranking": ranking, "entities": []}


def test_below_the_threshold_the_bot_asks_back_with_the_likeliest_intents(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database, _Unsure())  # type: ignore[arg-type]
    chat = Chat(engine, "kim", language="de")
    reply = chat.say("hm irgendwas mit samstag")
    assert reply.startswith("Ich bin nicht sicher, was du meinst. Wolltest du …")
    assert chat.choice_labels == ["🔎 Suchen", "📣 Gesuch aufgeben"]
    assert chat.tap("Gesuch aufgeben").startswith("Beschreib es")


def test_messages_of_one_user_are_handled_one_at_a_time(sqlite_database: Database) -> None:
    import threading

    engine = make_engine(sqlite_database)
    updates = [
        Incoming(Platform.CONSOLE, f"par-{n}", "lars", "lars", text=text)
        for n, text in enumerate(["hallo", "danke", "tschüss", "hallo", "danke", "hallo"])
    ]
    entries = [engine.receive(update) for update in updates]
    threads = [
        threading.Thread(target=engine.handle_entry, args=(entry,))
        for entry in entries
        if entry is not None
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    texts = _outbox_texts(sqlite_database, "lars")
    assert len(texts) == len(updates)
    assert not any(text.startswith("Entschuldigung") for text in texts)
    with sqlite_database.unit_of_work() as uow:
        identity = uow.identities.find(updates[0].identity)
        assert identity is not None
        assert uow.conversations.load(identity.id).version == len(updates)


def _group_command(update_id: str, text: str) -> Incoming:
    return Incoming(
        Platform.TELEGRAM,
        update_id,
        "7001",
        "-100555",
        text=text,
        language_hint="de",
        group=GroupChat(title="Tafel Aachen"),
    )


def test_a_group_command_is_answered_in_the_group_without_storing_its_sender(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    command = _group_command("g-1", "/hilfe")
    assert engine.handle(command) is True
    assert engine.handle(command) is False  # a replay is still recognised, by the inbox key
    with sqlite_database.unit_of_work() as uow:
        (answer,) = uow.outbox.for_chat("telegram", "-100555")
        # the member may never have started the bot: no identity, no conversation
        assert uow.identities.find(PlatformIdentity(Platform.TELEGRAM, "7001")) is None
        assert uow.inbox.unhandled("telegram") == []
    assert answer.identity_id is None
    assert answer.payload["text"].startswith("Hallo! In einer Gruppe poste ich dringende Gesuche")


def test_a_failing_group_command_apologises_in_the_group(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(sqlite_database)

    def broken(turn: object) -> None:
        raise RuntimeError("boom")

    from bot.flows import groups

    monkeypatch.setattr(groups, "help_", broken)
    assert engine.handle(_group_command("g-2", "/hilfe")) is True
    with sqlite_database.unit_of_work() as uow:
        (answer,) = uow.outbox.for_chat("telegram", "-100555")
        assert uow.identities.find(PlatformIdentity(Platform.TELEGRAM, "7001")) is None
    assert answer.payload["text"] == (
        "Entschuldigung, bei mir ist etwas schiefgelaufen. Bitte versuch es noch einmal."
    )
