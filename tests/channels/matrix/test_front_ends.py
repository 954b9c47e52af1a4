"""Two Matrix accounts in one run against the real Synapse: the shared bot (speaking for Aachen)
and Stolberg's own account, two MatrixChannels on one engine and one database. Each answers its
own users in its municipality's words; a user who talks to both gets pushes from the one they
used last, and an alert is still edited by the account that sent it."""

from __future__ import annotations

from pathlib import Path

from bot import notify
from bot.engine import DialogueEngine
from domain.actors import Platform, PlatformIdentity
from tests.bot.transcripts import seed
from tests.channels.matrix.live import MatrixUser, bot_options, register, run, running, settle
from tests.channels.matrix.synapse import Homeserver

AACHEN_WELCOME = "Willkommen bei der Ehrenamtsbörse Aachen!"
STOLBERG_WELCOME = "Willkommen bei der Ehrenamtsbörse der Kupferstadt Stolberg!"


def _push(
    engine: DialogueEngine, account_id: int, key: str, text: str, replaces: str | None = None
) -> None:
    with engine.database.unit_of_work() as uow:
        notify.to_account(uow, account_id, key, lambda t: text, replaces=replaces)
        uow.commit()


def test_two_accounts_each_answer_their_own_users_and_pushes_follow_the_user(
    engine: DialogueEngine, homeserver: Homeserver, tmp_path: Path
) -> None:
    shared_bot = register(homeserver, "Ehrenamt")
    stolberg_bot = register(homeserver, "Stolberg")
    anna_account = register(homeserver, "Anna")
    ben_account = register(homeserver, "Ben")
    shared = bot_options(homeserver, shared_bot, tmp_path / "shared")
    stolberg = bot_options(homeserver, stolberg_bot, tmp_path / "stolberg", front_end="stolberg")

    async def scenario() -> None:
        async with (
            running(engine, shared),
            running(engine, stolberg),
            MatrixUser(homeserver, anna_account, shared_bot.user_id, engine) as anna,
            MatrixUser(homeserver, ben_account, stolberg_bot.user_id, engine) as ben,
        ):
            greeting = await anna.open_chat()
            assert AACHEN_WELCOME in greeting
            assert STOLBERG_WELCOME not in greeting
            greeting = await ben.open_chat()
            assert STOLBERG_WELCOME in greeting
            assert AACHEN_WELCOME not in greeting
            assert "Bist du einverstanden?" in await ben.say("Deutsch")  # Ben's bot goes on

            # Anna, known to the shared bot, gets its pushes
            account_id = seed.person(engine.database, "anna-console")
            with engine.database.unit_of_work() as uow:
                identity = uow.identities.get_or_create(
                    PlatformIdentity(Platform.MATRIX, anna.user_id)
                )
                uow.identities.link(identity.id, account_id)
                uow.commit()
            _push(engine, account_id, "alert-1", "🚨 Dringend: Gassi gehen")
            await settle(engine)
            assert "Gassi gehen" in await anna.replies()
            alert = anna.events[-1]

            # she opens a chat with Stolberg's bot too: pushes come from there now
            async with MatrixUser(homeserver, anna_account, stolberg_bot.user_id, engine) as also:
                assert "Willkommen zurück" in await also.open_chat()  # she has an account
                _push(engine, account_id, "alert-2", "🚨 Dringend: Tafel in Stolberg")
                await settle(engine)
                assert "Tafel in Stolberg" in await also.replies()
                # the first alert is edited by the account that sent it, in its room
                _push(engine, account_id, "alert-1:done", "✅ Schon erledigt", "alert-1")
                await settle(engine)
                assert "Tafel in Stolberg" not in await anna.replies()
                edit = anna.events[-1]
                relation = edit["content"]["m.relates_to"]
                assert relation == {"rel_type": "m.replace", "event_id": alert["event_id"]}
                assert "Schon erledigt" not in await also.replies()

    run(scenario(), timeout_s=180)
