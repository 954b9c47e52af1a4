"""The harness itself: a real Synapse, real nio clients, a direct room and one message."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

import nio

from tests.channels.matrix.synapse import Homeserver, RegisteredUser

PASSWORD = "geheim-1234"


async def _login(homeserver: Homeserver, user: RegisteredUser) -> nio.AsyncClient:
    client = nio.AsyncClient(homeserver.base_url, user.user_id)
    response = await client.login(user.password, device_name="harness-test")
    assert isinstance(response, nio.LoginResponse), response
    return client


async def _direct_message_round_trip(homeserver: Homeserver) -> None:
    alice_user = homeserver.register("alice", PASSWORD)
    bob_user = homeserver.register("bob", PASSWORD)
    alice = await _login(homeserver, alice_user)
    try:
        bob = await _login(homeserver, bob_user)
        try:
            created = await alice.room_create(is_direct=True, invite=[bob_user.user_id])
            assert isinstance(created, nio.RoomCreateResponse), created
            room_id = created.room_id
            deadline = time.monotonic() + 10

            while room_id not in bob.invited_rooms:
                assert time.monotonic() < deadline, "bob never saw the invite"
                await bob.sync(timeout=500)
            joined = await bob.join(room_id)
            assert isinstance(joined, nio.JoinResponse), joined

            await alice.sync(timeout=0)  # alice's client learns the room before sending
            sent = await alice.room_send(
                room_id, "m.room.message", {"msgtype": "m.text", "body": "Hallo Bob!"}
            )
            assert isinstance(sent, nio.RoomSendResponse), sent

            bodies: list[str] = []
            while "Hallo Bob!" not in bodies:
                assert time.monotonic() < deadline, f"bob never got the message: {bodies}"
                synced = await bob.sync(timeout=500)
                assert isinstance(synced, nio.SyncResponse), synced
                room = synced.rooms.join.get(room_id)
                if room is not None:
                    bodies += [
                        event.body
                        for event in room.timeline.events
                        if isinstance(event, nio.RoomMessageText)
                        and event.sender == alice_user.user_id
                    ]
        finally:
            await bob.close()
    finally:
        await alice.close()


def test_direct_message_between_two_nio_clients(homeserver: Homeserver) -> None:
    asyncio.run(_direct_message_round_trip(homeserver))


def test_override_ratelimit_exempts_a_user(homeserver: Homeserver) -> None:
    admin = homeserver.register("ratelimit-admin", PASSWORD, admin=True)
    bot = homeserver.register("ratelimit-bot", PASSWORD)
    answer = homeserver.override_ratelimit(admin, bot.user_id)
    assert answer == {"messages_per_second": 0, "burst_count": 0}


def test_relaxed_rate_limits_take_effect(homeserver: Homeserver) -> None:
    """Past Synapse's default bursts (10 rooms, 10 messages, 5 logins) without a 429."""
    user = homeserver.register("busy", PASSWORD)
    room_ids = [
        str(
            homeserver.request(
                "POST", "/_matrix/client/v3/createRoom", {}, access_token=user.access_token
            )["room_id"]
        )
        for _ in range(12)
    ]
    for n in range(25):
        homeserver.request(
            "PUT",
            f"/_matrix/client/v3/rooms/{quote(room_ids[0])}/send/m.room.message/txn{n}",
            {"msgtype": "m.text", "body": f"#{n}"},
            access_token=user.access_token,
        )
    for _ in range(8):
        homeserver.request(
            "POST",
            "/_matrix/client/v3/login",
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": "busy"},
                "password": PASSWORD,
            },
        )
