"""The Matrix channel's promises, each against the real Synapse: restarts lose nothing and answer
nothing twice, sends are idempotent by transaction id, alerts are edited in place, invites are
taken only as configured, old and own events are ignored."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from bot import notify
from bot.channels.matrix.channel import MatrixChannel
from bot.channels.matrix.events import number_emoji
from bot.channels.matrix.sender import MatrixSender
from bot.delivery import RetryLater
from bot.engine import DialogueEngine
from bot.messages import Choice, Outgoing
from domain.actors import Platform, PlatformIdentity
from tests.channels.matrix.live import (
    MatrixUser,
    bot_options,
    chatting,
    register,
    run,
    running,
    settle,
)
from tests.channels.matrix.synapse import Homeserver


def _inbox_size(engine: DialogueEngine) -> int:
    from sqlalchemy import func, select

    from storage.models import InboxRow

    with engine.database.unit_of_work() as uow:
        return int(uow._session.scalar(select(func.count()).select_from(InboxRow)) or 0)


def _position(engine: DialogueEngine, channel_name: str) -> str | None:
    with engine.database.unit_of_work() as uow:
        cursor = uow.cursors.get(channel_name)
        return cursor.position if cursor else None


def test_a_restart_mid_conversation_loses_nothing_and_answers_nothing_twice(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    bot = register(homeserver, "Ehrenamt")
    anna_account = register(homeserver, "Anna")
    options = bot_options(homeserver, bot, tmp_path / "bot")

    async def scenario() -> None:
        async with MatrixUser(homeserver, anna_account, bot.user_id, engine) as anna:
            async with running(engine, options) as first:
                await anna.open_chat()
                assert "Bist du einverstanden?" in await anna.say("Deutsch")
                name = first.cursor_name
                early = _position(engine, name)
                assert early is not None
            # the bot is down; Anna answers anyway
            await anna.send({"msgtype": "m.text", "body": "1"})
            async with running(engine, options):
                reply = await anna.wait_for_messages()
            assert "Privatperson" in reply  # the consent was taken, the next question asked
            assert "Bist du einverstanden?" not in reply
            answered = len(anna.events)
            recorded = _inbox_size(engine)

            # a crash before the sync token was saved: the next start syncs from an old token
            with engine.database.unit_of_work() as uow:
                uow.cursors.advance(name, early)
                uow.commit()
            async with running(engine, options):
                await asyncio.sleep(1.0)  # the replayed sync comes at once
                await settle(engine)
                assert await anna.replies() == ""
            assert len(anna.events) == answered
            assert _inbox_size(engine) == recorded
            bodies = [e["content"]["body"] for e in anna.events]
            assert len(bodies) == len(set(bodies)), "a message went out twice"

    run(scenario(), timeout_s=180)


def test_a_retried_send_with_the_same_transaction_id_posts_once(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with chatting(engine, homeserver, tmp_path, "Anna") as (channel, anna):
            await anna.open_chat()
            seen = len(anna.events)

            async def room_of(user_id: str) -> str | None:
                return anna.room_id if user_id == anna.user_id else None

            sender = MatrixSender(channel.client, room_of)
            message = Outgoing(chat_id=anna.user_id, text="Nur einmal, bitte.")
            first = await sender.send(message, transaction_id="outbox-row-42")
            again = await sender.send(message, transaction_id="outbox-row-42")
            assert first == again  # the homeserver recognised the transaction
            await anna.replies()
            assert [e["content"]["body"] for e in anna.events[seen:]] == ["Nur einmal, bitte."]

            with engine.database.unit_of_work() as uow:
                rows = uow.outbox.for_chat("matrix", anna.user_id)
            assert rows
            assert all(row.transaction_id for row in rows)  # stored at enqueue
            assert len({row.transaction_id for row in rows}) == len(rows)

    run(scenario(), timeout_s=120)


def test_the_homeservers_rate_limit_holds_the_whole_bot_account(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    admin = homeserver.register(f"admin-{uuid.uuid4().hex[:8]}", "geheim-1234", admin=True)

    async def scenario() -> None:
        async with chatting(engine, homeserver, tmp_path, "Anna") as (channel, anna):
            await anna.open_chat()
            # as a normal account is limited (Synapse: 0.2/s after a burst of 10), only tighter
            homeserver.request(
                "POST",
                f"/_synapse/admin/v1/users/{quote(channel.options.user_id)}/override_ratelimit",
                {"messages_per_second": 1, "burst_count": 1},
                access_token=admin.access_token,
            )

            async def room_of(user_id: str) -> str | None:
                return anna.room_id

            sender = MatrixSender(channel.client, room_of)
            refused: RetryLater | None = None
            for n in range(3):  # bounded: the second or third send is refused
                try:
                    await sender.send(Outgoing(chat_id=anna.user_id, text=f"Nachricht {n}"))
                except RetryLater as error:
                    refused = error
                    break
            assert refused is not None, "the homeserver did not limit the bot"
            assert refused.whole_platform  # every chat waits, not just Anna's
            assert refused.retry_after_s is not None
            assert refused.retry_after_s > 0

    run(scenario(), timeout_s=120)


def test_an_alert_is_edited_in_place_and_its_old_choices_no_longer_count(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with chatting(engine, homeserver, tmp_path, "Vera") as (_, vera):
            await vera.open_chat()
            await vera.say("Deutsch")
            with engine.database.unit_of_work() as uow:
                identity = uow.identities.find(PlatformIdentity(Platform.MATRIX, vera.user_id))
                assert identity is not None
                for key, text, choices, replaces in (
                    ("alert:1", "🚨 Dringend: <b>Gassi</b> & mehr", ("🙋 Ich helfe",), None),
                    ("alert:1:done", "✅ Schon erledigt – danke!", (), "alert:1"),
                ):
                    message = Outgoing(
                        chat_id=vera.user_id,
                        text=text,
                        choices=tuple(Choice(label, "alert_yes:1") for label in choices),
                        replaces=None
                        if replaces is None
                        else notify.message_key(replaces, identity.id),
                    )
                    uow.outbox.enqueue(
                        idempotency_key=notify.message_key(key, identity.id),
                        platform="matrix",
                        chat_id=vera.user_id,
                        identity_id=identity.id,
                        payload=message.to_payload(),
                    )
                uow.commit()
            await settle(engine)
            await vera.replies()
            alert, edit = vera.events[-2:]
            # user text is escaped in the HTML body, kept as it is in the plain one
            assert "🚨 Dringend: <b>Gassi</b> & mehr" in alert["content"]["body"]
            assert "&lt;b&gt;Gassi&lt;/b&gt; &amp; mehr" in alert["content"]["formatted_body"]
            relation = edit["content"]["m.relates_to"]
            assert relation == {"rel_type": "m.replace", "event_id": alert["event_id"]}
            assert edit["content"]["m.new_content"]["body"] == "✅ Schon erledigt – danke!"

            # a reaction on the edited alert picks nothing: its list is gone
            recorded = _inbox_size(engine)
            assert await vera.react(alert["event_id"], number_emoji(1)) == ""
            assert _inbox_size(engine) == recorded

    run(scenario(), timeout_s=120)


def test_invites_from_servers_not_allowed_are_declined(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    async def scenario() -> None:
        allowed = ("example.org",)
        async with chatting(engine, homeserver, tmp_path, "Anna", allowed_homeservers=allowed) as (
            channel,
            anna,
        ):
            bot_id = channel.options.user_id
            created = await anna.client.room_create(is_direct=True, invite=[bot_id])
            anna.room_id = created.room_id
            for _ in range(50):  # bounded: the decline comes within a sync
                members = homeserver.request(
                    "GET",
                    f"/_matrix/client/v3/rooms/{anna.room_id}/members",
                    access_token=anna.client.access_token,
                )
                states = {e["state_key"]: e["content"]["membership"] for e in members["chunk"]}
                if states.get(bot_id) != "invite":
                    break
                await asyncio.sleep(0.1)
            assert states.get(bot_id) == "leave"
            await settle(engine)
            assert await anna.replies() == ""
            with engine.database.unit_of_work() as uow:
                assert uow.identities.find(PlatformIdentity(Platform.MATRIX, anna.user_id)) is None

    run(scenario(), timeout_s=120)


def test_messages_from_before_the_first_start_are_not_answered(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    bot = register(homeserver, "Ehrenamt")
    anna_account = register(homeserver, "Anna")

    async def scenario() -> None:
        async with MatrixUser(homeserver, anna_account, bot.user_id, engine) as anna:
            created = await anna.client.room_create(is_direct=True, invite=[bot.user_id])
            anna.room_id = created.room_id
            old = await anna.send({"msgtype": "m.text", "body": "hallo, ist da wer?"})
            await asyncio.sleep(0.05)  # the homeserver's clock must move past the message
            async with running(engine, bot_options(homeserver, bot, tmp_path / "bot")):
                greeting = await anna.wait_for_messages()
                await asyncio.sleep(0.5)
                await settle(engine)
                greeting += await anna.replies()
            assert "Willkommen" in greeting  # the invite is answered with the greeting …
            assert greeting.count("Willkommen bei der Ehrenamtsbörse") == 1
            with engine.database.unit_of_work() as uow:
                assert not uow.inbox.seen("matrix", old)  # … the old message is not read

    run(scenario(), timeout_s=120)


def test_a_picture_gets_a_polite_answer_and_leaving_ends_the_chat(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with chatting(engine, homeserver, tmp_path, "Anna") as (channel, anna):
            await anna.open_chat()
            await anna.say("Deutsch")
            picture = await anna.send(
                {"msgtype": "m.image", "body": "katze.jpg", "url": "mxc://localhost/abc"}
            )
            await settle(engine, picture)
            reply = await anna.replies()
            assert "Ich kann nur Text" in reply
            assert "Bist du einverstanden?" in reply  # the question again

            await anna.client.room_leave(anna.room_id)
            identity = PlatformIdentity(Platform.MATRIX, anna.user_id)
            for _ in range(100):  # bounded: the leave arrives within a sync
                with engine.database.unit_of_work() as uow:
                    record = uow.identities.find(identity)
                if record is not None and record.unreachable:
                    break
                await asyncio.sleep(0.1)
            assert record is not None
            assert record.unreachable
            assert record.direct_chat_id is None
            assert isinstance(channel, MatrixChannel)

    run(scenario(), timeout_s=120)


def test_a_restart_sends_at_once_what_the_killed_process_had_claimed(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    """The process died mid-send, its claim on a message leased for another minute: the next
    one to serve the bot takes the claim back at once instead of waiting for the lease."""
    bot = register(homeserver, "Ehrenamt")
    anna_account = register(homeserver, "Anna")
    options = bot_options(homeserver, bot, tmp_path / "bot")

    async def scenario() -> None:
        async with MatrixUser(homeserver, anna_account, bot.user_id, engine) as anna:
            async with running(engine, options):
                await anna.open_chat()
            with engine.database.unit_of_work() as uow:
                uow.outbox.enqueue(
                    idempotency_key="cut-off",
                    platform="matrix",
                    chat_id=anna.user_id,
                    identity_id=None,
                    payload=Outgoing(anna.user_id, "Bist du noch da?").to_payload(),
                )
                now = datetime.now(UTC)
                claimed = uow.outbox.claim("matrix", now, 10, "killed", now + timedelta(minutes=1))
                uow.commit()
            assert len(claimed) == 1
            async with running(engine, options):
                assert "Bist du noch da?" in await anna.wait_for_messages(timeout_s=15)

    run(scenario(), timeout_s=90)
