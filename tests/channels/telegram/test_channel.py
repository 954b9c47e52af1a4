"""The Telegram channel end to end through the real python-telegram-bot and the stand-in:
at-least-once intake (a crash right after the inbox write, a replayed update), the webhook with
its secret token, the command menus, blocking, expired buttons, unreadable messages, live
location, a club's group subscribing to urgent needs, and the token kept out of the logs."""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from bot.channels.telegram.channel import TelegramChannel, WebhookOptions
from bot.delivery import DeliveryOptions
from bot.engine import DialogueEngine
from bot.intake import Recorded
from domain.actors import Platform, PlatformIdentity
from storage.unit_of_work import Database
from tests.bot.chat import NOW, SETTINGS, Chat, make_engine, squash
from tests.bot.transcripts import seed
from tests.channels.telegram.live import FAST, TelegramUser, options, running, settle
from tests.channels.telegram.support import TOKEN, run
from tools.telegram_standin import TelegramStandin

ANNA, LENA, ERIK = 6001, 6002, 6003
GROUP = -1001234567890


class SimulatedCrash(BaseException):
    """The process dies: not an Exception, so nothing on the way catches it."""


def test_a_crash_right_after_the_inbox_write_loses_nothing_and_answers_once(
    engine: DialogueEngine,
) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api:
            first = TelegramChannel(engine, options(api), DeliveryOptions(FAST))
            record = first.intake.record

            def crash_after_recording(*arguments: Any) -> Recorded:
                raise SimulatedCrash(record(*arguments))

            first.intake.record = crash_after_recording  # type: ignore[method-assign]
            await first.start()
            api.push_text(ANNA, "/start", user_id=ANNA, first_name="Anna")
            assert first._term is not None
            with pytest.raises(SimulatedCrash):
                await asyncio.wait_for(first._term.tasks["serving"], 5)
            await first.stop()  # what is left of the process goes away
            with engine.database.unit_of_work() as uow:
                assert len(uow.inbox.unhandled("telegram")) == 1  # recorded, not handled
            assert api.pending_updates == 1  # and never confirmed to Telegram
            assert api.messages(ANNA) == []

            # the next start handles what was recorded; Telegram sends the update again,
            # which the inbox recognises
            async with running(engine, api):
                await settle(api, engine)
                replies = [m["text"] for m in api.messages(ANNA)]
            # /start's two messages, each once
            assert len(replies) == 2
            assert sum("Willkommen bei der Ehrenamtsbörse Aachen!" in r for r in replies) == 1
            assert sum("Welche Sprache sollen wir nutzen?" in r for r in replies) == 1
            assert api.pending_updates == 0

    run(scenario(), timeout_s=60)


class DatabaseAwayOnce(DialogueEngine):
    failed = False

    def handle_entry(self, entry_id: int) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("the database went away")
        super().handle_entry(entry_id)


def test_a_message_whose_handling_failed_is_tried_again(engine: DialogueEngine) -> None:
    flaky = DatabaseAwayOnce(engine.database, engine.settings, engine.interpreter)

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(flaky, api, retry_unhandled_s=0.3):
            api.push_text(ANNA, "/hilfe", user_id=ANNA)
            await settle(api, engine)
            assert flaky.failed
            assert len(api.messages(ANNA)) == 1

    run(scenario(), timeout_s=30)


def test_a_replayed_update_is_handled_once(engine: DialogueEngine) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            update = api.push_text(ANNA, "/hilfe", user_id=ANNA)
            await settle(api, engine)
            once = len(api.messages(ANNA))
            assert once >= 1
            api.push_update(update)  # the same update_id again
            await settle(api, engine)
            assert len(api.messages(ANNA)) == once

    run(scenario(), timeout_s=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_webhook_mode_takes_updates_only_with_the_secret_token(engine: DialogueEngine) -> None:
    port = _free_port()
    hook = WebhookOptions(
        public_url=f"http://127.0.0.1:{port}/telegram",
        secret_token="s3cr3t-TOKEN_for-webhooks",
        listen="127.0.0.1",
        port=port,
    )

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api, webhook=hook):
            info = api.calls("setWebhook")[-1].params
            assert info["url"] == hook.public_url
            assert info["secret_token"] == hook.secret_token
            assert "callback_query" in info["allowed_updates"]

            # someone who found the URL but not the secret
            forged = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": ANNA, "type": "private"},
                    "from": {"id": ANNA, "is_bot": False, "first_name": "Mallory"},
                    "text": "/start",
                },
            }
            async with aiohttp.ClientSession() as session:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                    async with session.post(hook.public_url, json=forged, headers=headers) as r:
                        assert r.status == 401
            with engine.database.unit_of_work() as uow:
                assert uow.identities.find(PlatformIdentity(Platform.TELEGRAM, str(ANNA))) is None

            # Telegram itself, with the secret: answered 200 once recorded, then the reply
            anna = TelegramUser(api, engine, ANNA, "Anna")
            assert "Willkommen bei der Ehrenamtsbörse Aachen!" in await anna.say("/start")
            assert api.webhook_answers[-1][1] == 200

    run(scenario(), timeout_s=30)


def test_the_command_menus_are_registered_in_german_and_english(engine: DialogueEngine) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            private = {"type": "all_private_chats"}
            german = {c["command"]: c["description"] for c in api.commands(private, "de")}
            english = {c["command"]: c["description"] for c in api.commands(private, "en")}
            assert german["anbieten"] == "Hilfe anbieten"
            assert german["jetzt"] == "Ich habe jetzt Zeit"
            assert english["offer"] == "Offer your help"
            assert api.commands(private) == api.commands(private, "de")  # German by default
            groups = {c["command"] for c in api.commands({"type": "all_group_chats"}, "de")}
            assert groups == {"abonnieren", "abbestellen", "hilfe"}

    run(scenario(), timeout_s=30)


def test_the_language_comes_from_telegram_until_the_user_chooses(engine: DialogueEngine) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            sam = TelegramUser(api, engine, 6010, "Sam", language_code="en")
            assert "Welcome to the Aachen volunteer exchange!" in await sam.say("/start")
            assert "Do you agree?" in await sam.tap("English")
            assert "Here you can offer help" in await sam.say("/help")

    run(scenario(), timeout_s=30)


def test_blocking_marks_the_user_unreachable_and_unblocking_reachable(
    engine: DialogueEngine,
) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            anna = TelegramUser(api, engine, ANNA, "Anna")
            await anna.say("/start")
            bot_user = {"id": api.bot_user["id"], "is_bot": True, "first_name": "Stand-in"}

            def member_update(old: str, new: str) -> dict[str, object]:
                return {
                    "my_chat_member": {
                        "chat": {"id": ANNA, "type": "private", "first_name": "Anna"},
                        "from": {"id": ANNA, "is_bot": False, "first_name": "Anna"},
                        "date": 0,
                        "old_chat_member": {"user": bot_user, "status": old, "until_date": 0},
                        "new_chat_member": {"user": bot_user, "status": new, "until_date": 0},
                    }
                }

            def unreachable() -> bool:
                with engine.database.unit_of_work() as uow:
                    found = uow.identities.find(PlatformIdentity(Platform.TELEGRAM, str(ANNA)))
                    assert found is not None
                    return found.unreachable

            api.push_update(member_update("member", "kicked"))
            await settle(api, engine)
            assert unreachable()
            api.push_update(member_update("kicked", "member"))
            await settle(api, engine)
            assert not unreachable()

    run(scenario(), timeout_s=30)


def test_a_forged_button_is_answered_as_expired_and_changes_nothing(
    engine: DialogueEngine,
) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            anna = TelegramUser(api, engine, ANNA, "Anna")
            await anna.say("/start")
            (message_id, _label, _data), *_ = anna.buttons()
            with engine.database.unit_of_work() as uow:
                identity = uow.identities.find(PlatformIdentity(Platform.TELEGRAM, str(ANNA)))
                assert identity is not None
                before = uow.conversations.load(identity.id)
            shown = len(api.messages(ANNA))
            api.push_callback(ANNA, message_id, "lang:en", user_id=ANNA)  # unsigned
            await settle(api, engine)
            (answer,) = api.calls("answerCallbackQuery")
            expired = "Dieser Knopf ist abgelaufen. Bitte nimm die neueste Nachricht."
            assert answer.params["text"] == expired
            assert len(api.messages(ANNA)) == shown  # no reply
            with engine.database.unit_of_work() as uow:
                after = uow.conversations.load(identity.id)
            assert (after.flow, after.step, after.language) == (
                before.flow,
                before.step,
                before.language,
            )

    run(scenario(), timeout_s=30)


def test_a_contact_gets_a_polite_answer_and_is_not_kept(engine: DialogueEngine) -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            anna = TelegramUser(api, engine, ANNA, "Anna")
            await anna.say("/start")
            shown = len(api.messages(ANNA))
            api.push_update(
                {
                    "message": {
                        "message_id": 99,
                        "date": 0,
                        "chat": {"id": ANNA, "type": "private", "first_name": "Anna"},
                        "from": {"id": ANNA, "is_bot": False, "first_name": "Anna"},
                        "contact": {"phone_number": "+4915112345678", "first_name": "Anna"},
                    }
                }
            )
            reply = await anna.pending()
            assert "keine Fotos, Sticker, Sprachnachrichten oder Kontakte" in reply
            assert "Welche Sprache sollen wir nutzen?" in reply  # the question is asked again
            assert len(api.messages(ANNA)) == shown + 2
            with engine.database.unit_of_work() as uow:
                assert uow.inbox.unhandled("telegram") == []
                # nothing of the contact is kept: the handled entry's payload is cleared
                anna_id = PlatformIdentity(Platform.TELEGRAM, str(ANNA))
                assert uow.identities.find(anna_id) is not None  # the platform id only
                assert uow.accounts.find_by_identity(anna_id) is None

    run(scenario(), timeout_s=30)


def test_live_location_updates_move_the_free_now_window(engine: DialogueEngine) -> None:
    vera_id = seed.person(engine.database, "vera-tg", name="Vera")
    with engine.database.unit_of_work() as uow:
        uow.identities.link(
            uow.identities.get_or_create(PlatformIdentity(Platform.TELEGRAM, "6020")).id, vera_id
        )
        uow.commit()

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            vera = TelegramUser(api, engine, 6020, "Vera")
            shared = api.push_location(6020, 50.7815, 6.1545, user_id=6020, live_period=3600)
            assert "Wie viel Zeit hast du?" in await vera.pending()
            await vera.tap("2 Stunden")
            before = len(api.messages(6020))
            api.push_update(
                {
                    "edited_message": {
                        **shared["message"],
                        "edit_date": shared["message"]["date"] + 60,
                        "location": {"latitude": 50.7700, "longitude": 6.1200, "live_period": 3600},
                    }
                }
            )
            await settle(api, engine)
            assert len(api.messages(6020)) == before  # moved silently
            with engine.database.unit_of_work() as uow:
                window = uow.pushes.window(vera_id, NOW)
            assert window is not None
            assert (window.point.lat, window.point.lon) == (50.77, 6.12)

    run(scenario(), timeout_s=30)


def test_a_clubs_group_subscribes_and_gets_urgent_needs_with_a_start_link(
    engine: DialogueEngine,
) -> None:
    erik_account = seed.person(engine.database, "erik", name="Erik")
    seed.club(engine.database, erik_account, "Tierschutzverein Aachen e.V.", verified=True)

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            api.register_chat(GROUP, "supergroup", title="Tierschutzverein Aachen")
            api.set_member_status(GROUP, ERIK, "administrator")

            def in_group(text: str, user: int) -> None:
                api.push_text(GROUP, text, user_id=user, first_name="X")

            in_group("Wer kommt morgen mit?", LENA)  # not for the bot: no answer
            in_group("/abonnieren Tiere in Eilendorf 5 km", LENA)  # not an admin
            await settle(api, engine)
            texts = [m["text"] for m in api.messages(GROUP) if "text" in m]
            assert texts == ["Nur die Admins der Gruppe können ändern, was ich hier poste."]
            with engine.database.unit_of_work() as uow:
                assert uow.groups.subscription("telegram", str(GROUP)) is None

            in_group("/abonnieren@standin_bot Tiere in Eilendorf 5 km", ERIK)
            await settle(api, engine)
            confirmation = squash(api.messages(GROUP)[-1]["text"])
            assert (
                "Diese Gruppe bekommt jetzt dringende Gesuche (Tiere & Tierschutz)" in confirmation
            )
            assert "Eilendorf" in confirmation

            # the club posts on another channel (the console); the group hears of it here
            # (the console delivers synchronously: it runs beside this loop, not on it)
            erik = Chat(engine, "erik", language="de")
            await asyncio.to_thread(
                erik.say,
                "dringend: brauchen heute abend 2 leute zum gassi gehen im tierheim in eilendorf",
            )
            assert "Veröffentlicht!" in await asyncio.to_thread(erik.tap, "Veröffentlichen")
            await settle(api, engine)
            alert = api.messages(GROUP)[-1]
            assert "🚨 Dringend:" in alert["text"]
            with engine.database.unit_of_work() as uow:
                (need,) = uow.postings.by_owner(erik_account)
            ((button,),) = alert["reply_markup"]["inline_keyboard"]
            assert button["url"] == f"https://t.me/standin_bot?start=show_{need.id}"

            # someone from the group follows the link: /start show_<id> in a private chat
            lena = TelegramUser(api, engine, LENA, "Lena")
            reply = await lena.say(f"/start show_{need.id}")
            assert "Willkommen" in reply

            # filled: the group's alert is edited in place
            await asyncio.to_thread(erik.say, "/meine")
            await asyncio.to_thread(erik.tap, "gassi")
            await asyncio.to_thread(erik.tap, "Als besetzt markieren")
            await settle(api, engine)
            assert "Schon erledigt" in api.messages(GROUP)[-1]["text"]
            assert len(api.calls("editMessageText", chat_id=GROUP)) == 1

            # removed from the group: the subscription ends
            api.push_update(
                {
                    "my_chat_member": {
                        "chat": {"id": GROUP, "type": "supergroup", "title": "T"},
                        "from": {"id": ERIK, "is_bot": False, "first_name": "Erik"},
                        "date": 0,
                        "old_chat_member": {"user": api.bot_user, "status": "member"},
                        "new_chat_member": {"user": api.bot_user, "status": "left"},
                    }
                }
            )
            await settle(api, engine)
            with engine.database.unit_of_work() as uow:
                assert uow.groups.subscription("telegram", str(GROUP)) is None

    run(scenario(), timeout_s=60)


def test_the_token_never_reaches_the_logs(
    engine: DialogueEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            anna = TelegramUser(api, engine, ANNA, "Anna")
            await anna.say("/start")
            api.fail_next("sendMessage", 500)
            await anna.say("/hilfe")

    run(scenario(), timeout_s=30)
    assert "getUpdates" in caplog.text or "sendMessage" in caplog.text  # the URLs were logged...
    assert TOKEN not in caplog.text  # ...without the token


def test_editors_get_their_commands_in_their_own_menu_only(sqlite_database: Database) -> None:
    editor = PlatformIdentity(Platform.TELEGRAM, "4242")
    engine = make_engine(sqlite_database, bot_settings=replace(SETTINGS, superadmins=(editor,)))

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, running(engine, api):
            own = {"type": "chat", "chat_id": 4242}
            german = {c["command"]: c["description"] for c in api.commands(own, "de")}
            assert german["warteschlange"] == "Beiträge, die auf Prüfung warten"
            assert "anbieten" in german  # and the usual commands, too
            assert "queue" in {c["command"] for c in api.commands(own, "en")}
            everyone = {c["command"] for c in api.commands({"type": "all_private_chats"}, "de")}
            assert "warteschlange" not in everyone

    run(scenario(), timeout_s=30)
