"""Real update payloads (tests/channels/telegram/fixtures/updates.json, in the Bot API's shapes)
through PTB's own parsing into the neutral model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update, User

from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.updates import Translated, translate
from bot.messages import GroupChat
from tests.channels.telegram.support import TOKEN

FIXTURES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "updates.json").read_text(encoding="utf-8")
)
ME = User(123456, "Stand-in", is_bot=True, username="standin_bot")
SIGNER = CallbackSigner.for_token(TOKEN)


def _translate(name: str, **changes: Any) -> Translated:
    payload = json.loads(json.dumps(FIXTURES[name]))
    for path, value in changes.items():
        target = payload
        *parents, leaf = path.split(".")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return translate(Update.de_json(payload, Bot(TOKEN)), ME, SIGNER)


def test_a_command_becomes_an_incoming_with_the_users_locale() -> None:
    result = _translate("command_start")
    assert result.update_key == "123456:804112001"  # per bot: several bots share one inbox
    incoming = result.incoming
    assert incoming is not None
    assert incoming.command == ("/start", "")
    assert (incoming.user_id, incoming.chat_id) == ("5001", "5001")
    assert incoming.language_hint == "de"
    assert incoming.user_name == "Erik"
    assert incoming.group is None


def test_a_command_for_another_bot_is_not_for_us() -> None:
    assert _translate("command_for_another_bot").incoming is None


def test_text_keeps_the_language_code_as_a_hint() -> None:
    incoming = _translate("text_english").incoming
    assert incoming is not None
    assert incoming.text == "I have 2 hours now"
    assert incoming.language_hint == "en-GB"


def test_a_signed_tap_becomes_the_choice_and_is_to_be_acknowledged() -> None:
    data = SIGNER.sign("5002", "alert:help:17")
    result = _translate("callback_query", **{"callback_query.data": data})
    assert result.callback_query_id == "4382bfdwdsb323b2d9"
    assert not result.expired_button
    assert result.incoming is not None
    assert result.incoming.choice == "alert:help:17"
    assert result.incoming.text is None


@pytest.mark.parametrize(
    "data",
    [
        "alert:help:17",  # unsigned: a crafted client
        SIGNER.sign("5002", "alert:help:17").replace("17", "18"),  # altered
        SIGNER.sign("9999", "alert:help:17"),  # signed for another chat
        CallbackSigner.for_token("654321:OTHER").sign("5002", "alert:help:17"),  # another bot
    ],
)
def test_a_tap_that_fails_verification_changes_nothing(data: str) -> None:
    result = _translate("callback_query", **{"callback_query.data": data})
    assert result.incoming is None
    assert result.expired_button
    assert result.callback_query_id == "4382bfdwdsb323b2d9"  # still answered, politely


def test_a_location_and_a_live_location() -> None:
    pin = _translate("location").incoming
    assert pin is not None
    assert pin.location is not None
    assert (pin.location.point.lat, pin.location.point.lon) == (50.781512, 6.154487)
    assert not pin.location.live
    live = _translate("live_location").incoming
    assert live is not None
    assert live.location is not None
    assert live.location.live


def test_a_live_location_edit_moves_on_but_edited_text_is_not_read_again() -> None:
    moved = _translate("live_location_edit").incoming
    assert moved is not None
    assert moved.location is not None
    assert moved.location.live
    assert (moved.location.point.lat, moved.location.point.lon) == (50.779004, 6.14912)
    assert _translate("edited_text").incoming is None


def test_a_venue_carries_its_title() -> None:
    incoming = _translate("venue").incoming
    assert incoming is not None
    assert incoming.location is not None
    assert incoming.location.label == "Aachener Dom"


def test_a_shared_contact_is_unsupported_and_its_number_goes_nowhere() -> None:
    incoming = _translate("contact").incoming
    assert incoming is not None
    assert incoming.unsupported
    assert "+4915112345678" not in json.dumps(incoming.to_payload())


def test_blocking_unblocking_and_removal_from_a_group() -> None:
    blocked = _translate("my_chat_member_blocked").membership
    assert blocked is not None
    assert (blocked.chat_id, blocked.group, blocked.present) == ("5002", False, False)
    unblocked = _translate("my_chat_member_unblocked").membership
    assert unblocked is not None
    assert unblocked.present
    removed = _translate("my_chat_member_removed_from_group").membership
    assert removed is not None
    assert (removed.chat_id, removed.group, removed.present) == ("-1001234567890", True, False)


def test_in_a_group_only_commands_are_for_the_bot() -> None:
    incoming = _translate("group_command").incoming
    assert incoming is not None
    assert incoming.command == ("/abonnieren", "Tiere in Eilendorf 5 km")
    assert incoming.group == GroupChat(title="Tierschutzverein Aachen")
    assert _translate("group_chatter").incoming is None


@pytest.mark.parametrize(
    "text", ["/report", "/melden@standin_bot Spam", "/suche Tiere", "/jetzt", "/START@other_bot"]
)
def test_in_a_group_commands_the_bot_does_not_answer_there_are_not_recorded(text: str) -> None:
    assert _translate("group_command", **{"message.text": text}).incoming is None


@pytest.mark.parametrize("text", ["/hilfe", "/Start@standin_bot", "/abbestellen", "/subscribe x"])
def test_in_a_group_the_commands_it_answers_come_without_the_senders_name(text: str) -> None:
    incoming = _translate("group_command", **{"message.text": text}).incoming
    assert incoming is not None
    assert incoming.user_name is None  # a profile default, for private conversations only
    assert incoming.group == GroupChat(title="Tierschutzverein Aachen")
