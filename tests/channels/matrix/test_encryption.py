"""With encryption on, the bot talks in an end-to-end encrypted direct room (matrix-nio[e2e],
vodozemac): it reads what the user's device encrypted and answers encrypted, and its device
keys survive a restart in the store."""

from __future__ import annotations

from pathlib import Path

from bot.engine import DialogueEngine
from tests.channels.matrix.live import MatrixUser, bot_options, register, run, running
from tests.channels.matrix.synapse import Homeserver


def test_an_encrypted_direct_room_works_when_encryption_is_on(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    bot = register(homeserver, "Ehrenamt")
    anna_account = register(homeserver, "Anna")
    options = bot_options(homeserver, bot, tmp_path / "bot-keys", encryption=True)

    async def scenario() -> None:
        async with MatrixUser(
            homeserver, anna_account, bot.user_id, engine, store=tmp_path / "anna-keys"
        ) as anna:
            async with running(engine, options):
                greeting = await anna.open_chat(encrypted=True)
                assert "Willkommen bei der Ehrenamtsbörse Aachen!" in greeting
                assert anna.events
                assert all(e.get("decrypted") for e in anna.events)  # sent encrypted
                assert "Bist du einverstanden?" in await anna.say("Deutsch")
            # the same device with its stored keys after a restart
            async with running(engine, options):
                assert "Privatperson" in await anna.say("1")
            assert all(e.get("decrypted") for e in anna.events)
        assert any((tmp_path / "bot-keys").iterdir())  # the key store is on disk

    run(scenario(), timeout_s=180)
