"""Matrix before consent: a message in a room that is not the sender's direct chat with the bot
leaves no trace, and a location shared before the sign-up is neither searched nor kept. The
first tests need no homeserver (intake's database side alone), the last runs on Synapse."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nio
from sqlalchemy import func, select

from bot.channels.matrix.events import chosen
from bot.engine import DialogueEngine
from bot.intake import DirectMessage, Intake
from bot.messages import Incoming
from domain.actors import Platform, PlatformIdentity
from storage.models import IdentityRow, InboxRow
from tests.bot.chat import squash
from tests.channels.matrix.live import MatrixUser, chatting, register, run, settle
from tests.channels.matrix.synapse import Homeserver

LENA = "@lena:example.org"


def _record(engine: DialogueEngine, room_id: str, event_id: str, text: str, joined: int) -> int:
    """How many inbox entries a message in that room makes (0 or 1)."""
    incoming = Incoming(Platform.MATRIX, event_id, LENA, LENA, text=text)
    intake = Intake(engine.database, Platform.MATRIX, pick=chosen)
    return len(intake.record([DirectMessage(incoming, room_id, room_members=joined)]).entries)


def _count(engine: DialogueEngine, model: type[IdentityRow] | type[InboxRow]) -> int:
    with engine.database.unit_of_work() as uow:
        return int(uow._session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_message_in_a_room_that_is_no_direct_chat_stores_nothing(
    engine: DialogueEngine,
) -> None:
    for joined in (3, 12, 0):  # a group room, or one the bot no longer knows
        assert _record(engine, "!club:example.org", f"$e{joined}", "/report", joined) == 0
    assert _count(engine, IdentityRow) == 0
    assert _count(engine, InboxRow) == 0


def test_a_two_person_room_is_the_senders_direct_chat(engine: DialogueEngine) -> None:
    # the bot joins only rooms it was invited to as a direct chat: with two members, it is one
    # (e.g. after the database was restored from before the invite)
    assert _record(engine, "!dm:example.org", "$dm", "hallo", 2) == 1
    with engine.database.unit_of_work() as uow:
        identity = uow.identities.find(PlatformIdentity(Platform.MATRIX, LENA))
    assert identity is not None
    assert identity.direct_chat_id == "!dm:example.org"
    # her messages in another, bigger room are still not recorded
    assert _record(engine, "!club:example.org", "$c", "/report", 5) == 0
    assert _count(engine, InboxRow) == 1


def test_on_synapse_a_guest_in_a_direct_room_and_a_location_before_consent_leave_no_trace(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with chatting(engine, homeserver, tmp_path, "Anna") as (_channel, anna):
            # joining the direct chat starts the sign-up; Anna declines the consent
            assert "Welche Sprache sollen wir nutzen?" in await anna.open_chat()
            assert "Bist du einverstanden?" in await anna.choose("Deutsch")
            assert "nichts gespeichert" in await anna.choose("Nein, danke")
            reply = squash(await anna.share_location(50.7753, 6.0839))
            assert reply.startswith("📍 Bevor ich einen Standort nutzen kann, starte bitte")
            with engine.database.unit_of_work() as uow:
                me = uow.identities.find(PlatformIdentity(Platform.MATRIX, anna.user_id))
                assert me is not None
                state = uow.conversations.load(me.id)
            assert "50.77" not in json.dumps(state.slots)

            # Anna asks Ben into the room: his messages there are not for the bot
            ben = MatrixUser(homeserver, register(homeserver, "Ben"), anna.bot_user_id, engine)
            async with ben:
                invited = await anna.client.room_invite(anna.room_id, ben.user_id)
                assert isinstance(invited, nio.RoomInviteResponse), invited
                joined = await ben.client.join(anna.room_id)
                assert isinstance(joined, nio.JoinResponse), joined
                ben.room_id = anna.room_id
                before = _count(engine, InboxRow)
                await ben.send({"msgtype": "m.text", "body": "/report"})
                await asyncio.sleep(1.5)  # a few syncs: nothing is recorded to wait for
                await settle(engine)
            assert _count(engine, InboxRow) == before
            with engine.database.unit_of_work() as uow:
                assert uow.identities.find(PlatformIdentity(Platform.MATRIX, ben.user_id)) is None

    run(scenario(), timeout_s=120)
