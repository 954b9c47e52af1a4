"""The Bot API stand-in, driven by the real python-telegram-bot (and raw HTTP where PTB would hide
the wire format)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any

import aiohttp
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter

from tests.channels.telegram.support import TOKEN, ptb_bot, run
from tools.telegram_standin import RateLimits, TelegramStandin, parse_html

# PTB 22 warns about retry_after becoming a timedelta whenever it builds a RetryAfter
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def _post(api: TelegramStandin, method: str, **kwargs: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session,
        session.post(f"{api.base_url}{TOKEN}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


def test_get_me_answers_the_bot_user() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            me = await bot.get_me()
            assert me.is_bot
            assert me.id == 123456
            assert bot.username == "standin_bot"
            assert api.root.startswith("http://127.0.0.1:")

    run(scenario())


def test_a_wrong_token_is_unauthorized() -> None:
    async def scenario() -> None:
        async with TelegramStandin("999:other") as api:
            status, body = await _post(api, "getMe")
            assert status == 401
            assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
            with pytest.raises(InvalidToken):
                async with ptb_bot(api):
                    pass

    run(scenario())


def test_get_updates_follows_the_offset_semantics() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            for n in range(3):
                api.push_text(42, f"hallo {n}")
            assert [u.update_id for u in await bot.get_updates()] == [1, 2, 3]
            # an offset confirms everything below it; confirmed updates are gone for good
            assert [u.update_id for u in await bot.get_updates(offset=2)] == [2, 3]
            assert [u.update_id for u in await bot.get_updates()] == [2, 3]
            assert [u.update_id for u in await bot.get_updates(offset=3, limit=1)] == [3]
            assert await bot.get_updates(offset=4) == ()
            assert api.pending_updates == 0
            # a given update_id is kept; the next assigned one continues after it
            api.push_update({"update_id": 10, "message": _message(42, "zehn")})
            api.push_text(42, "elf")
            api.push_text(42, "zwölf")
            updates = await bot.get_updates(offset=-1)  # the last one; the rest is forgotten
            assert [(u.update_id, u.message.text) for u in updates if u.message] == [(12, "zwölf")]
            assert api.pending_updates == 1

    run(scenario())


def _message(chat_id: int, text: str) -> dict[str, Any]:
    return {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Anna"},
        "text": text,
    }


def test_a_long_poll_returns_as_soon_as_an_update_arrives() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            started = time.monotonic()
            poll = asyncio.create_task(bot.get_updates(timeout=3))
            await asyncio.sleep(0.1)
            assert not poll.done()
            api.push_text(7, "/start")
            updates = await poll
            assert time.monotonic() - started < 1.0
            message = updates[0].message
            assert message is not None
            assert message.text == "/start"
            assert message.entities[0].type == "bot_command"

    run(scenario())


def test_a_long_poll_times_out_empty_and_is_bounded() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN, max_long_poll_s=0.3) as api, ptb_bot(api) as bot:
            started = time.monotonic()
            assert await bot.get_updates(timeout=1) == ()
            assert 0.25 <= time.monotonic() - started < 1.0  # capped by max_long_poll_s
            status, body = await _post(api, "getUpdates", data={"timeout": "0"})
            assert (status, body) == (200, {"ok": True, "result": []})

    run(scenario())


def test_shutdown_releases_a_waiting_long_poll() -> None:
    async def scenario() -> None:
        api = TelegramStandin(TOKEN, max_long_poll_s=30)
        await api.start()
        poll = asyncio.create_task(_post(api, "getUpdates", data={"timeout": "30"}))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await api.shutdown()
        assert time.monotonic() - started < 1.0
        assert await poll == (200, {"ok": True, "result": []})

    run(scenario())


def test_form_multipart_and_json_bodies_decode_like_the_real_api() -> None:
    keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}

    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api:
            status, form = await _post(
                api,
                "sendMessage",
                data={"chat_id": "7", "text": "123", "reply_markup": json.dumps(keyboard)},
            )
            assert status == 200
            assert form["result"]["text"] == "123"
            assert form["result"]["reply_markup"] == keyboard

            multipart = aiohttp.FormData()
            multipart.add_field("chat_id", "7")
            multipart.add_field("text", "456")
            multipart.add_field("document", b"bytes", filename="a.txt")  # forces multipart
            status, _ = await _post(api, "sendMessage", data=multipart)
            assert status == 200

            status, body = await _post(
                api, "sendMessage", json={"chat_id": 7, "text": "789", "reply_markup": keyboard}
            )
            assert status == 200
            assert body["result"]["reply_markup"] == keyboard

            texts = [call.params["text"] for call in api.calls("sendMessage")]
            assert texts == ["123", "456", "789"]  # strings, never numbers
            assert {call.chat_id for call in api.calls("sendMessage")} == {7}
            assert api.calls("sendMessage")[0].params["reply_markup"] == keyboard
            assert [m["message_id"] for m in api.messages(7)] == [1, 2, 3]

            status, body = await _post(
                api, "sendMessage", data={"chat_id": "7", "text": "x", "reply_markup": "{"}
            )
            assert status == 400
            assert body["description"] == (
                "Bad Request: can't parse reply keyboard markup JSON object"
            )

    run(scenario())


def test_chat_ids_may_be_usernames() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message("@verein", "hallo")
            api.register_chat(-100555, "supergroup", title="Verein", username="verein")
            message = await bot.send_message("@verein", "hallo")
            assert message.chat.id == -100555
            assert message.chat.type == "supergroup"

    run(scenario())


def test_an_inline_keyboard_round_trips_through_a_callback_query() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Helfen", callback_data="h:1")]])
            sent = await bot.send_message(42, "Neue Anfrage", reply_markup=markup)
            assert sent.reply_markup == markup
            assert sent.from_user is not None
            assert sent.from_user.is_bot
            assert sent.chat.type == "private"

            api.push_callback(42, sent.message_id, "h:1")
            (update,) = await bot.get_updates()
            query = update.callback_query
            assert query is not None
            assert query.data == "h:1"
            assert query.message is not None
            assert query.message.message_id == sent.message_id
            assert await bot.answer_callback_query(query.id, text="Danke!")
            with pytest.raises(BadRequest, match=r"(?i)query is too old"):
                await bot.answer_callback_query(query.id)

    run(scenario())


def test_callback_data_longer_than_64_bytes_is_rejected() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            fits = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
            await bot.send_message(1, "64 bytes", reply_markup=fits)
            too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
            with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
                await bot.send_message(1, "66 bytes", reply_markup=too_long)
            assert len(api.messages(1)) == 1

    run(scenario())


def test_errors_come_in_the_real_shapes() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN, known_chats_only=True) as api, ptb_bot(api) as bot:
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message(5, "hallo")
            api.register_chat(5)
            with pytest.raises(BadRequest, match="Message text is empty"):
                await bot.send_message(5, "  ")
            with pytest.raises(BadRequest, match="Message is too long"):
                await bot.send_message(5, "x" * 4097)
            await bot.send_message(5, "x" * 4096)
            with pytest.raises(BadRequest, match="Message to edit not found"):
                await bot.edit_message_text("neu", chat_id=5, message_id=99)
            with pytest.raises(BadRequest, match="Can't parse entities"):
                await bot.send_message(5, "a <script> b", parse_mode="HTML")

            status, body = await _post(api, "sendMessage", data={"chat_id": "6", "text": "x"})
            assert (status, body) == (
                400,
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            )
            status, body = await _post(api, "noSuchMethod")
            assert status == 404
            assert [call.status for call in api.calls("sendMessage")] == [
                400,
                400,
                400,
                200,
                400,
                400,
            ]

    run(scenario())


def test_html_text_is_parsed_into_text_and_entities() -> None:
    text, entities = parse_html(
        '😀 <b>fett <i>kursiv</i></b> &lt;b&gt; &amp; <a href="https://x.de/?a=1&amp;b=2">L</a>'
        '<pre><code class="language-python">x</code></pre>'
    )
    assert text == "😀 fett kursiv <b> & Lx"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 11},  # the emoji counts 2 UTF-16 units
        {"type": "italic", "offset": 8, "length": 6},
        {"type": "text_link", "url": "https://x.de/?a=1&b=2", "offset": 21, "length": 1},
        {"type": "pre", "language": "python", "offset": 22, "length": 1},
    ]


def test_fail_next_injects_429_and_5xx_once() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            api.fail_next("sendMessage", 429, retry_after=7)
            api.fail_next("sendMessage", 502)
            with pytest.raises(RetryAfter) as flood:
                await bot.send_message(3, "eins")
            assert flood.value.message == "Flood control exceeded. Retry in 7 seconds"
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.send_message(3, "zwei")
            await bot.send_message(3, "drei")
            assert [(c.status, c.description) for c in api.calls("sendMessage")] == [
                (429, "Too Many Requests: retry after 7"),
                (502, "Bad Gateway"),
                (200, None),
            ]
            status, body = await _post(api, "getMe")
            assert status == 200
            api.fail_next("getMe", 429, retry_after=3)
            status, body = await _post(api, "getMe")
            assert (status, body) == (
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3},
                },
            )

    run(scenario())


def test_a_blocked_chat_answers_403() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            await bot.send_message(8, "vorher")
            api.block(8)
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await bot.send_message(8, "nachher")
            api.block(-9)
            with pytest.raises(Forbidden, match="kicked from the group chat"):
                await bot.send_location(-9, 50.77, 6.08)
            api.unblock(8)
            await bot.send_message(8, "wieder")
            assert [m["text"] for m in api.messages(8)] == ["vorher", "wieder"]

    run(scenario())


def test_edits_change_the_stored_message() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Helfen", callback_data="h")]])
            sent = await bot.send_message(4, "offen", reply_markup=markup)
            edited = await bot.edit_message_text("vergeben", chat_id=4, message_id=sent.message_id)
            assert not isinstance(edited, bool)
            assert edited.text == "vergeben"
            assert edited.edit_date is not None
            assert api.messages(4) == [
                {**api.messages(4)[0], "text": "vergeben"}  # the keyboard is gone after the edit
            ]
            assert "reply_markup" not in api.messages(4)[0]
            with pytest.raises(BadRequest, match="Message is not modified"):
                await bot.edit_message_text("vergeben", chat_id=4, message_id=sent.message_id)

    run(scenario())


def test_locations_and_venues_are_messages() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            pin = await bot.send_location(2, 50.7753, 6.0839)
            assert pin.location is not None
            assert (pin.location.latitude, pin.location.longitude) == (50.7753, 6.0839)
            venue = await bot.send_venue(2, 50.7753, 6.0839, title="Dom", address="Domhof 1")
            assert venue.venue is not None
            assert venue.venue.title == "Dom"
            with pytest.raises(BadRequest, match="Wrong latitude"):
                await bot.send_location(2, 91.0, 6.0)
            keyboard = ReplyKeyboardMarkup([["a"]], one_time_keyboard=True)
            plain = await bot.send_message(2, "mit Tastatur", reply_markup=keyboard)
            assert plain.reply_markup is None  # a Message only carries inline keyboards

    run(scenario())


def test_commands_and_webhook_methods() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN) as api, ptb_bot(api) as bot:
            assert await bot.set_my_commands([("start", "Los geht's"), ("hilfe", "Hilfe")])
            assert await bot.set_my_commands([("start", "Let's go")], language_code="en")
            assert [c.command for c in await bot.get_my_commands()] == ["start", "hilfe"]
            assert [c.description for c in await bot.get_my_commands(language_code="en")] == [
                "Let's go"
            ]
            with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
                await bot.set_my_commands([("Start!", "x")])
            assert await bot.delete_my_commands()
            assert await bot.get_my_commands() == ()

            assert await bot.set_webhook("https://example.org/hook")
            assert (await bot.get_webhook_info()).url == "https://example.org/hook"
            with pytest.raises(Conflict):
                await bot.get_updates()
            assert await bot.delete_webhook()
            assert (await bot.get_webhook_info()).url == ""
            assert await bot.get_updates() == ()
            assert [c.method for c in api.sent][-2:] == ["deleteWebhook", "getWebhookInfo"]

    run(scenario())


def test_violations_are_counted_in_sliding_windows() -> None:
    async def scenario() -> None:
        async with TelegramStandin(TOKEN, limits=(30, 1, 20)) as api, ptb_bot(api) as bot:
            for n in range(3):
                await bot.send_message(11, f"nachricht {n}")
            assert len(api.messages(11)) == 3  # count-only: everything is delivered
            assert len(api.violations) == 2
            assert {v.rules for v in api.violations} == {("per_chat",)}

    run(scenario())


def test_group_and_overall_windows_with_a_controlled_clock() -> None:
    now = [0.0]

    async def scenario() -> None:
        async with (
            TelegramStandin(TOKEN, limits=RateLimits(3, 1, 2), clock=lambda: now[0]) as api,
            ptb_bot(api) as bot,
        ):
            for _ in range(3):  # a group takes 2 per minute
                await bot.send_message(-5, "g")
                now[0] += 10.0
            assert [v.rules for v in api.violations] == [("per_group",)]
            now[0] += 60.0
            api.clear_records()
            for chat in (1, 2, 3, 4):  # overall 3 per second
                await bot.send_message(chat, "p")
                now[0] += 0.1
            assert [v.rules for v in api.violations] == [("overall",)]
            now[0] += 1.0
            await bot.send_message(1, "später")
            assert len(api.violations) == 1

    run(scenario())


def test_enforced_limits_answer_429_with_the_wait() -> None:
    async def scenario() -> None:
        async with (
            TelegramStandin(TOKEN, limits=(30, 1, 20), enforce_limits=True) as api,
            ptb_bot(api) as bot,
        ):
            await bot.send_message(12, "eins")
            with pytest.raises(RetryAfter) as flood:
                await bot.send_message(12, "zwei")
            assert "Retry in 1 seconds" in str(flood.value)
            await bot.send_message(13, "andere Person")
            assert [m["text"] for m in api.messages(12)] == ["eins"]
            assert len(api.violations) == 1

    run(scenario())


def test_runs_in_a_background_thread_for_synchronous_callers() -> None:
    threads_before = threading.active_count()
    api = TelegramStandin(TOKEN)
    root = api.start_in_thread()
    try:
        port = int(root.rsplit(":", 1)[1])

        async def client() -> str | None:
            async with ptb_bot(api) as bot:
                poll = asyncio.create_task(bot.get_updates(timeout=3))
                await asyncio.sleep(0.05)
                # from a third thread, as a synchronous test driver would
                pusher = threading.Thread(target=api.push_text, args=(21, "aus dem Thread"))
                pusher.start()
                (update,) = await poll
                pusher.join(1)
                await bot.send_message(21, "Antwort")
                return update.message.text if update.message else None

        assert run(client()) == "aus dem Thread"
        assert [m["text"] for m in api.messages(21)] == ["Antwort"]
    finally:
        started = time.monotonic()
        api.stop()
    assert time.monotonic() - started < 2.0
    assert threading.active_count() == threads_before
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=1),
    ):
        pass
    with TelegramStandin(TOKEN) as again:  # the sync context manager, and a restart
        assert again.root.startswith("http://127.0.0.1:")


def test_a_second_poller_ends_the_first_with_409_like_telegram() -> None:
    async def scenario() -> None:
        async with (
            TelegramStandin(TOKEN, max_long_poll_s=5) as api,
            ptb_bot(api) as first,
            ptb_bot(api) as second,
        ):
            waiting = asyncio.create_task(first.get_updates(timeout=5))
            await asyncio.sleep(0.2)  # the first one waits for news
            later = asyncio.create_task(second.get_updates(timeout=1))
            with pytest.raises(Conflict, match="terminated by other getUpdates request"):
                await waiting
            api.push_text(1, "hallo")
            assert [u.message.text for u in await later if u.message] == ["hallo"]

    run(scenario(), timeout_s=15)
