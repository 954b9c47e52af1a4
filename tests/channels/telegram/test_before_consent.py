"""Nothing is stored before consent but what the answer needs right now, through the real
python-telegram-bot and the Bot API stand-in: a club group's members who never started the bot
leave no trace, and a venue or location sent before /start is neither searched nor kept."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.engine import DialogueEngine
from domain.actors import Platform, PlatformIdentity
from storage.models import ConversationStateRow, IdentityRow, InboxRow
from tests.bot.chat import squash
from tests.channels.telegram.live import TelegramUser, running, settle
from tests.channels.telegram.support import TOKEN, run
from tools.telegram_standin import TelegramStandin

LENA, ERIK, VERA, PAUL = 6101, 6102, 6103, 6104
GROUP = -1009876543210
DOM = (50.7753, 6.0839)


def _identities(engine: DialogueEngine) -> list[str]:
    with engine.database.unit_of_work() as uow:
        return list(uow._session.scalars(select(IdentityRow.external_id)))


def _inbox(engine: DialogueEngine) -> list[InboxRow]:
    with engine.database.unit_of_work() as uow:
        rows = list(uow._session.scalars(select(InboxRow).order_by(InboxRow.id)))
        uow._session.expunge_all()
        return rows


def _state_of(engine: DialogueEngine, user: int) -> dict[str, Any] | None:
    """The user's conversation state row as stored, or None when there is none."""
    with engine.database.unit_of_work() as uow:
        identity = uow.identities.find(PlatformIdentity(Platform.TELEGRAM, str(user)))
        assert identity is not None, "a private message keeps the platform id"
        row = uow._session.get(ConversationStateRow, identity.id)
        if row is None:
            return None
        return {"flow": row.flow, "step": row.step, "slots": row.slots}


def _outbox_texts(engine: DialogueEngine, user: int) -> str:
    with engine.database.unit_of_work() as uow:
        return json.dumps(
            [row.payload for row in uow.outbox.for_chat("telegram", str(user))],
            ensure_ascii=False,
        )


def test_a_group_member_who_never_started_the_bot_leaves_no_trace(
    engine: DialogueEngine,
) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            api.register_chat(GROUP, "supergroup", title="Tierschutzverein Aachen")
            api.set_member_status(GROUP, ERIK, "administrator")

            def in_group(text: str, user: int) -> None:
                api.push_text(GROUP, text, user_id=user, first_name="Lena")

            # commands the bot does not handle in a group, and chatter: not even recorded
            for text in ("/report", "/melden Spam", "/suche Tiere", "/jetzt", "/start@other_bot"):
                in_group(text, LENA)
            in_group("Wer kommt morgen mit?", LENA)
            await settle(api, engine)
            assert api.messages(GROUP) == []
            assert _identities(engine) == []
            assert _inbox(engine) == []

            # the commands it handles are answered in the group without storing who asked
            in_group("/hilfe", LENA)
            in_group("/abonnieren Tiere in Eilendorf 5 km", LENA)  # not an admin
            in_group("/abonnieren@standin_bot Tiere in Eilendorf 5 km", ERIK)
            await settle(api, engine)
            texts = [squash(m["text"]) for m in api.messages(GROUP)]
            assert len(texts) == 3
            assert texts[0].startswith("Hallo! In einer Gruppe poste ich dringende Gesuche")
            assert texts[1] == "Nur die Admins der Gruppe können ändern, was ich hier poste."
            assert "Diese Gruppe bekommt jetzt dringende Gesuche (Tiere & Tierschutz)" in texts[2]
            with engine.database.unit_of_work() as uow:
                assert uow.groups.subscription("telegram", str(GROUP)) is not None
            assert _identities(engine) == []
            entries = _inbox(engine)
            assert len(entries) == 3  # so that a replayed update is still answered once
            assert all(e.identity_id is None and e.payload is None for e in entries)
            assert all(e.chat_id == str(GROUP) for e in entries)

            # once she starts the bot privately, she is a user like any other
            lena = TelegramUser(api, engine, LENA, "Lena")
            assert "Welche Sprache sollen wir nutzen?" in await lena.say("/start")
            assert _identities(engine) == [str(LENA)]

    run(scenario(), timeout_s=60)


def test_a_venue_before_start_is_neither_searched_nor_kept(engine: DialogueEngine) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            vera = TelegramUser(api, engine, VERA, "Vera")
            reply = squash(await vera.share_venue(*DOM, "Aachener Dom", "Domhof 1, 52062 Aachen"))
            assert reply == (
                "📍 Bevor ich einen Standort nutzen kann, starte bitte mit /start – ich frage "
                "dich zuerst, ob du einverstanden bist. Den Standort, den du geschickt hast, "
                "habe ich nicht gespeichert."
            )
            state = _state_of(engine, VERA)
            stored = json.dumps(state, ensure_ascii=False)
            assert "Aachener Dom" not in stored
            assert "50.77" not in stored
            assert state is None or state["flow"] is None
            assert "Aachener Dom" not in _outbox_texts(engine, VERA)
            assert all(entry.payload is None for entry in _inbox(engine))
            with engine.database.unit_of_work() as uow:
                me = PlatformIdentity(Platform.TELEGRAM, str(VERA))
                assert uow.accounts.find_by_identity(me) is None

    run(scenario(), timeout_s=60)


def test_a_location_before_start_is_answered_in_english_and_not_kept(
    engine: DialogueEngine,
) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            paul = TelegramUser(api, engine, PAUL, "Paul", language_code="en")
            reply = squash(await paul.share_location(*DOM))
            assert reply == (
                "📍 Before I can use a location, please start with /start – I'll ask for your "
                "consent first. I haven't kept the location you sent."
            )
            stored = json.dumps(_state_of(engine, PAUL))
            assert "50.77" not in stored
            assert "6.08" not in stored
            # after /start the consent dialogue runs as always
            assert "Which language shall we use?" in await paul.say("/start")

    run(scenario(), timeout_s=60)
