"""No single update silences the bot: random bytes as callback data and random JSON shapes as
updates, by long polling and by webhook, each followed by a new user's /start, which must be
answered. What cannot be read is set aside as a dead letter, without its content."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.channels.telegram.channel import TelegramChannel, WebhookOptions
from bot.delivery import DeliveryOptions
from bot.engine import DialogueEngine
from tests.channels.background import Background
from tests.channels.telegram.live import FAST, options
from tests.channels.telegram.support import TOKEN
from tools.telegram_standin import TelegramStandin

WELCOME = "Willkommen bei der Ehrenamtsbörse Aachen!"
SECRET = "poison-test-secret"
# a 2023 my_chat_member: an administrator without the can_*_stories fields PTB 22 requires
OLD_ADMIN_CHANGE: dict[str, Any] = {
    "my_chat_member": {
        "chat": {"id": -100777, "type": "supergroup", "title": "Verein"},
        "from": {"id": 9, "is_bot": False, "first_name": "Old"},
        "date": 1690000000,
        "old_chat_member": {
            "status": "member",
            "user": {"id": 1, "is_bot": True, "first_name": "B"},
        },
        "new_chat_member": {
            "status": "administrator",
            "user": {"id": 1, "is_bot": True, "first_name": "B"},
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
        },
    }
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
KINDS = ("message", "edited_message", "callback_query", "my_chat_member", "channel_post")


def _message(chat_id: int) -> dict[str, Any]:
    return {
        "message_id": 1,
        "date": 1764680000,
        "chat": {"id": chat_id, "type": "private", "first_name": "P"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "P"},
        "text": "hallo",
    }


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    """Anything under an update's keys, or a readable message with one field made random."""
    kind = draw(st.sampled_from(KINDS))
    if draw(st.booleans()):
        return {kind: draw(json_values)}
    message = _message(draw(st.integers(1, 10**12)))
    field = draw(st.sampled_from([*message, "location", "venue", "contact", "entities"]))
    message[field] = draw(json_values)
    return {draw(st.sampled_from(("message", "edited_message"))): message}


callback_data = st.text(max_size=64) | st.binary(max_size=64).map(
    lambda raw: raw.decode("utf-8", "replace")
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["polling", "webhook"])
def bot(
    request: pytest.FixtureRequest, engine: DialogueEngine
) -> Iterator[tuple[TelegramStandin, DialogueEngine]]:
    with TelegramStandin(TOKEN) as api:
        overrides: dict[str, Any] = {}
        if request.param == "webhook":
            port = _free_port()
            overrides["webhook"] = WebhookOptions(
                public_url=f"http://127.0.0.1:{port}/telegram", secret_token=SECRET, port=port
            )
        channel = TelegramChannel(engine, options(api, **overrides), DeliveryOptions(FAST))
        background = Background()
        background.run(channel.start())
        try:
            yield api, engine
        finally:
            background.run(channel.stop())
            background.close()


_users = itertools.count(50_000)


def _answers_a_new_user(api: TelegramStandin) -> None:
    user = next(_users)
    api.push_text(user, "/start", user_id=user, first_name="Neu")
    deadline = time.monotonic() + 15
    while not any(WELCOME in m.get("text", "") for m in api.messages(user)):
        assert time.monotonic() < deadline, "the bot stopped answering"
        time.sleep(0.02)


HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HYPOTHESIS
@given(update=updates())
@example(update=OLD_ADMIN_CHANGE)
@example(update={"message": "not an object"})
def test_any_update_is_followed_by_answers(
    bot: tuple[TelegramStandin, DialogueEngine], update: dict[str, Any]
) -> None:
    api, _ = bot
    api.push_update(update)
    _answers_a_new_user(api)


@HYPOTHESIS
@given(data=callback_data)
@example(data="menu|äöüäöüäö")  # its last 8 characters are not ASCII
@example(data="\udc80|12345678")
@example(data="")
def test_any_callback_data_is_followed_by_answers(
    bot: tuple[TelegramStandin, DialogueEngine], data: str
) -> None:
    api, _ = bot
    tapper = next(_users)
    api.push_callback(tapper, 1, data, user_id=tapper)
    _answers_a_new_user(api)


def test_an_unreadable_update_is_set_aside_without_its_content(
    bot: tuple[TelegramStandin, DialogueEngine],
) -> None:
    api, engine = bot
    pushed = api.push_update(OLD_ADMIN_CHANGE)
    _answers_a_new_user(api)
    with engine.database.unit_of_work() as uow:
        letters = uow.dead_letters.recent()
    assert [(d.platform, d.update_key) for d in letters] == [
        ("telegram", f"123456:{pushed['update_id']}")
    ]
    assert letters[0].reason.startswith("unreadable update")
    assert "Verein" not in repr(letters)
    assert api.pending_updates == 0  # acknowledged: nothing waits behind it
