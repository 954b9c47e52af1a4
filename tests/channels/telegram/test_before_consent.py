"""Nothing is stored before consent but what the answer needs right now, through the real
python-telegram-bot and the Bot API stand-in: a club group's members who never started the bot
leave no trace."""

from __future__ import annotations

from sqlalchemy import select

from bot.engine import DialogueEngine
from storage.models import IdentityRow, InboxRow
from tests.bot.chat import squash
from tests.channels.telegram.live import TelegramUser, running, settle
from tests.channels.telegram.support import TOKEN, run
from tools.telegram_standin import TelegramStandin

LENA, ERIK = 6101, 6102
GROUP = -1009876543210


def _identities(engine: DialogueEngine) -> list[str]:
    with engine.database.unit_of_work() as uow:
        return list(uow._session.scalars(select(IdentityRow.external_id)))


def _inbox(engine: DialogueEngine) -> list[InboxRow]:
    with engine.database.unit_of_work() as uow:
        rows = list(uow._session.scalars(select(InboxRow).order_by(InboxRow.id)))
        uow._session.expunge_all()
        return rows


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
