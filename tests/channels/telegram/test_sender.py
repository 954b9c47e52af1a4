"""The Telegram sender: the real python-telegram-bot against the stand-in."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.sender import LOCATION_BUTTON_LABEL, TelegramSender, fit_text
from bot.delivery import OutboxWorker, RateLimits, RetryLater, Undeliverable
from bot.messages import Choice, LocationPin, Outgoing
from domain.actors import Platform
from domain.places import GeoPoint
from storage.unit_of_work import Database
from tests.channels.telegram.support import TOKEN, run, standin_and_sender
from tools.telegram_standin import TelegramStandin

TELEGRAM = RateLimits(messages_per_second=25, per_chat_per_second=1, per_group_per_minute=20)
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHOICES = (Choice("Ich helfe", "help:17"), Choice("Nicht jetzt", "later:17"))


def test_the_sender_describes_telegram() -> None:
    sender = TelegramSender(TOKEN)
    assert sender.platform is Platform.TELEGRAM
    assert sender.is_group("-100123")
    assert sender.is_group("-5")
    assert sender.is_group("@verein")
    assert not sender.is_group("42")


def test_user_text_is_html_escaped_and_sent_with_parse_mode_html() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            message_id = await sender.send(Outgoing("42", "<b>Anna</b> & Co <3"))
            (call,) = api.calls("sendMessage")
            assert call.params["parse_mode"] == "HTML"
            assert call.params["text"] == "&lt;b&gt;Anna&lt;/b&gt; &amp; Co &lt;3"
            (stored,) = api.messages(42)
            assert str(stored["message_id"]) == message_id
            assert stored["text"] == "<b>Anna</b> & Co <3"  # shown literally, not as bold
            assert "entities" not in stored

    run(scenario())


def test_long_text_is_cut_to_telegrams_limit() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            await sender.send(Outgoing("1", "&" * 5000))  # escaping makes it 25,000 chars
            await sender.send(Outgoing("1", "😀" * 3000))  # 6,000 UTF-16 code units
            first, second = api.messages(1)
            assert len(first["text"]) == 4096
            assert first["text"].endswith("&…")
            assert len(second["text"].encode("utf-16-le")) // 2 <= 4096
            assert second["text"].endswith("😀…")

    run(scenario())
    assert fit_text("kurz") == "kurz"
    assert fit_text("a" * 10, 5) == "aaaa…"


def test_choices_become_an_inline_keyboard_one_button_per_row_with_signed_data() -> None:
    signer = CallbackSigner.for_token(TOKEN)

    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            await sender.send(Outgoing("42", "Neue Anfrage in deiner Nähe", CHOICES))
            (stored,) = api.messages(42)
            rows = stored["reply_markup"]["inline_keyboard"]
            assert [[button["text"] for button in row] for row in rows] == [
                ["Ich helfe"],
                ["Nicht jetzt"],
            ]
            data = [row[0]["callback_data"] for row in rows]
            assert [signer.verify("42", d) for d in data] == ["help:17", "later:17"]
            # bound to the chat: the same data tapped elsewhere is not ours
            assert signer.verify("43", data[0]) is None

    run(scenario())


def test_a_choice_that_opens_a_private_chat_becomes_a_start_link() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            button = Choice("Details", "show_17", opens_private=True)
            await sender.send(Outgoing("-100", "Dringend", (button,)))
            (stored,) = api.messages(-100)
            assert stored["reply_markup"]["inline_keyboard"] == [
                [{"text": "Details", "url": "https://t.me/standin_bot?start=show_17"}]
            ]

    run(scenario())


def test_a_payload_too_long_to_sign_is_refused_before_anything_is_sent() -> None:
    # 64 bytes of callback data leave 55 for the payload beside its signature
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            with pytest.raises(ValueError, match="56 bytes"):
                await sender.send(Outgoing("42", "x", (Choice("zu lang", "ü" * 28),)))
            await sender.send(Outgoing("42", "x", (Choice("passt", "ü" * 27 + "a"),)))
            assert len(api.calls("sendMessage")) == 1

    run(scenario())


@pytest.mark.parametrize("timedelta_mode", ["false", "true"])
def test_flood_control_becomes_retry_later_with_telegrams_wait(
    timedelta_mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 hands out retry_after as int or as timedelta depending on PTB_TIMEDELTA
    monkeypatch.setenv("PTB_TIMEDELTA", timedelta_mode)

    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            api.fail_next("sendMessage", 429, retry_after=7)
            with pytest.raises(RetryLater) as error:
                await sender.send(Outgoing("42", "hallo"))
            assert error.value.retry_after_s == 7.0
            assert await sender.send(Outgoing("42", "hallo")) == "1"  # no retry inside PTB
            assert [c.status for c in api.calls("sendMessage")] == [429, 200]

    run(scenario())


def test_enforced_rate_limits_surface_as_retry_later() -> None:
    async def scenario() -> None:
        async with standin_and_sender(limits=(30, 1, 20), enforce_limits=True) as (api, sender):
            await sender.send(Outgoing("42", "eins"))
            with pytest.raises(RetryLater) as error:
                await sender.send(Outgoing("42", "zwei"))
            assert error.value.retry_after_s == 1.0
            assert len(api.violations) == 1

    run(scenario())


def test_server_errors_timeouts_and_lost_connections_are_retried_later() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            api.fail_next("sendMessage", 502)
            with pytest.raises(RetryLater) as bad_gateway:
                await sender.send(Outgoing("42", "eins"))
            assert bad_gateway.value.retry_after_s is None

        async with standin_and_sender() as (api, sender):
            short = TelegramSender(
                TOKEN, base_url=api.base_url, base_file_url=api.base_file_url, timeout_s=0.2
            )
            async with short:
                api.stall_next("sendMessage", 2.0)
                with pytest.raises(RetryLater, match=r"(?i)timed out") as timed_out:
                    await short.send(Outgoing("42", "zwei"))
                assert timed_out.value.retry_after_s is None

            await api.shutdown()  # the server goes away while the sender is running
            with pytest.raises(RetryLater):
                await sender.send(Outgoing("42", "drei"))

    run(scenario())


def test_a_blocked_user_is_undeliverable_and_marked_blocked() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            api.block(42)
            with pytest.raises(Undeliverable) as error:
                await sender.send(Outgoing("42", "hallo"))
            assert error.value.blocked
            assert "blocked by the user" in str(error.value)

    run(scenario())


def test_an_unknown_chat_is_blocked_other_bad_requests_are_not() -> None:
    async def scenario() -> None:
        async with standin_and_sender(known_chats_only=True) as (api, sender):
            with pytest.raises(Undeliverable) as unknown:
                await sender.send(Outgoing("77", "hallo"))
            assert unknown.value.blocked
            api.register_chat(77)
            with pytest.raises(Undeliverable) as empty:
                await sender.send(Outgoing("77", "   "))
            assert not empty.value.blocked

    run(scenario())


def test_replaces_edits_the_message_in_place() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            first = await sender.send(Outgoing("42", "Anfrage: 4 Helfer <gesucht>", CHOICES))
            assert first is not None
            again = await sender.send(Outgoing("42", "Anfrage ist vergeben ✔"), replaces=first)
            assert again == first
            (stored,) = api.messages(42)
            assert stored["text"] == "Anfrage ist vergeben ✔"
            assert "reply_markup" not in stored  # the buttons are gone: nobody taps in vain
            (edit,) = api.calls("editMessageText")
            assert edit.params["message_id"] == int(first)
            assert edit.params["parse_mode"] == "HTML"
            # the retry of an edit that already went through is no error
            same = await sender.send(Outgoing("42", "Anfrage ist vergeben ✔"), replaces=first)
            assert same == first
            assert len(api.messages(42)) == 1

    run(scenario())


def test_an_edit_of_a_missing_message_falls_back_to_a_new_message() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            new_id = await sender.send(Outgoing("42", "Update", CHOICES), replaces="999")
            assert new_id == "1"
            assert [c.status for c in api.calls("editMessageText")] == [400]
            (stored,) = api.messages(42)
            assert stored["text"] == "Update"
            assert len(stored["reply_markup"]["inline_keyboard"]) == 2

    run(scenario())


def test_a_location_pin_follows_the_text_as_a_venue() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            pin = LocationPin(GeoPoint(50.7753, 6.0839), "Aachener Tafel")
            message_id = await sender.send(Outgoing("42", "Treffpunkt:", location=pin))
            assert [c.method for c in api.sent if c.chat_id == 42] == ["sendMessage", "sendVenue"]
            (venue,) = api.calls("sendVenue")
            assert venue.params["latitude"] == 50.7753
            assert venue.params["longitude"] == 6.0839
            assert venue.params["title"] == venue.params["address"] == "Aachener Tafel"
            text, shown = api.messages(42)
            assert str(text["message_id"]) == message_id
            assert shown["venue"]["title"] == "Aachener Tafel"

    run(scenario())


def test_a_location_request_is_a_one_time_keyboard_button() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            await sender.send(Outgoing("42", "Wo bist du?", request_location=True))
            (call,) = api.calls("sendMessage")
            assert call.params["reply_markup"] == {
                "keyboard": [[{"text": LOCATION_BUTTON_LABEL, "request_location": True}]],
                "one_time_keyboard": True,
                "resize_keyboard": True,
            }

    run(scenario())


def test_a_location_request_with_choices_goes_out_as_a_second_message() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            first = await sender.send(Outgoing("42", "Wo?", CHOICES, request_location=True))
            question, request = api.calls("sendMessage")
            assert "inline_keyboard" in question.params["reply_markup"]
            assert request.params["reply_markup"]["keyboard"][0][0]["request_location"] is True
            assert first == "1"

    run(scenario())


def test_a_failed_follow_up_does_not_fail_the_delivered_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            api.fail_next("sendVenue", 429, retry_after=3)
            pin = LocationPin(GeoPoint(50.77, 6.08), "Dom")
            assert await sender.send(Outgoing("42", "Hier", location=pin)) == "1"

    with caplog.at_level(logging.WARNING, logger="bot.channels.telegram.sender"):
        run(scenario())
    assert "follow-up" in caplog.text
    assert "50.77" not in caplog.text  # locations never reach a log line


def test_concurrent_sends_share_the_connection_pool() -> None:
    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            ids = await asyncio.gather(
                *(sender.send(Outgoing(str(chat), f"an {chat}")) for chat in range(1, 41))
            )
            assert ids == ["1"] * 40
            assert len(api.calls("sendMessage")) == 40

    run(scenario())


def test_a_rejected_token_fails_the_start_without_showing_it() -> None:
    async def scenario() -> None:
        async with TelegramStandin("999:the-real-one") as api:
            sender = TelegramSender(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url)
            with pytest.raises(ValueError, match="rejected the bot token") as error:
                await sender.start()
            assert TOKEN not in str(error.value)
            await sender.stop()

    run(scenario())


def test_the_token_never_reaches_an_error_or_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[Exception] = []

    async def scenario() -> None:
        async with standin_and_sender() as (api, sender):
            await sender.send(Outgoing("42", "hallo"))
            api.fail_next("sendMessage", 500)
            api.fail_next("sendMessage", 429, retry_after=1)
            api.block(43)
            for chat in ("42", "42", "43", "0"):
                try:
                    await sender.send(Outgoing(chat, "x"))
                except (RetryLater, Undeliverable) as error:
                    errors.append(error)
            await api.shutdown()
            try:
                await sender.send(Outgoing("42", "x"))
            except RetryLater as error:
                errors.append(error)

    with caplog.at_level(logging.DEBUG):
        run(scenario())
    assert len(errors) == 5
    assert "/sendMessage" in caplog.text  # httpx logged the request URLs...
    assert TOKEN not in caplog.text  # ...without the token
    for error in errors:
        assert TOKEN not in f"{error!s}{error!r}"
        cause = error.__cause__
        assert cause is None or TOKEN not in f"{cause!s}{cause!r}"


def test_the_location_keyboard_after_buttons_keeps_the_chat_limit(
    sqlite_database: Database,
) -> None:
    """Buttons and the location-request keyboard need two sendMessage calls: the second one
    counts against the chat's one message a second like any other."""
    with sqlite_database.unit_of_work() as uow:
        for n in range(3):
            uow.outbox.enqueue(
                idempotency_key=f"where-{n}",
                platform="telegram",
                chat_id="42",
                identity_id=None,
                payload=Outgoing(
                    "42", f"Wo bist du? ({n})", (Choice("Zurück", "back"),), request_location=True
                ).to_payload(),
            )
        uow.commit()

    async def scenario() -> None:
        async with standin_and_sender(limits=(30, 1, 20)) as (api, sender):
            worker = OutboxWorker(sqlite_database, sender, TELEGRAM, worker_id="w")
            assert await worker.drain() == 3
            assert len(api.calls("sendMessage")) == 6
            assert api.violations == []

    run(scenario(), timeout_s=20)
