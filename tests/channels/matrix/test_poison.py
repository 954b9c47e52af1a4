"""No single event silences the bot on Matrix: random event types and random JSON contents in a
direct chat, each followed by /start, which must be answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nio
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.engine import DialogueEngine
from tests.channels.background import Background
from tests.channels.matrix.live import MatrixUser, bot_options, register, running
from tests.channels.matrix.synapse import Homeserver

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ("msgtype", "body", "geo_uri", "m.relates_to", "format", "formatted_body", "info")
contents = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=5)
types = st.sampled_from(("m.room.message", "m.reaction", "m.sticker")) | st.text(
    "abcdefghijklmnopqrstuvwxyz.", min_size=1, max_size=20
)


@pytest.fixture
def chat(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> Iterator[tuple[Background, MatrixUser]]:
    bot = register(homeserver, "Ehrenamt")
    account = register(homeserver, "Poison")
    background = Background()
    channel = running(engine, bot_options(homeserver, bot, tmp_path / "bot"))
    user = MatrixUser(homeserver, account, bot.user_id, engine)
    background.run(channel.__aenter__())
    try:
        background.run(user.__aenter__())
        background.run(user.open_chat())
        yield background, user
        background.run(user.__aexit__(None, None, None))
    finally:
        background.run(channel.__aexit__(None, None, None))
        background.close()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kind=types, content=contents)
@example(kind="m.room.message", content={"msgtype": "m.location", "geo_uri": ["geo:1,2"]})
@example(kind="m.room.message", content={"msgtype": "m.text", "body": {"x": 1}})
@example(kind="m.reaction", content={"m.relates_to": {"rel_type": "m.annotation", "key": 5}})
@example(kind="m.room.message", content={"m.relates_to": "nonsense", "body": "x"})
def test_any_event_is_followed_by_answers(
    chat: tuple[Background, MatrixUser], kind: str, content: dict[str, Any]
) -> None:
    background, user = chat

    async def poison_then_start() -> str:
        response = await user.client.room_send(user.room_id, kind, content)
        if not isinstance(response, nio.RoomSendResponse):
            return "Willkommen (the homeserver refused the event)"
        return await user.say("/start")

    assert "Willkommen" in background.run(poison_then_start(), timeout_s=60)
