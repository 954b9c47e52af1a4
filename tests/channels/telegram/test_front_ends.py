"""Two Telegram bots in one run: the shared bot (channels.telegram, speaking for Aachen) and
Stolberg's own (municipalities[].telegram), each against a stand-in of its own, wired from a
config by `serve.channels_of` onto one engine and one database. A user is answered by the bot
they wrote to, in its municipality's words, and pushes follow them to the bot they used last."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot import notify
from bot.app import App
from bot.config import parse_config
from bot.engine import DialogueEngine
from bot.serve import channels_of
from domain.actors import Platform, PlatformIdentity
from tests.bot.transcripts import seed
from tests.channels.telegram.live import TelegramUser, settle
from tests.channels.telegram.support import run
from tools.telegram_standin import TelegramStandin

ROOT = Path(__file__).resolve().parents[3]
AACHEN_TOKEN, STOLBERG_TOKEN = "111:AAA-shared-aachen-token", "222:BBB-stolberg-own-token"
ANNA = 6001
AACHEN_WELCOME = "Willkommen bei der Ehrenamtsbörse Aachen!"
STOLBERG_WELCOME = "Willkommen bei der Ehrenamtsbörse der Kupferstadt Stolberg!"


def _config(aachen: TelegramStandin, stolberg: TelegramStandin) -> Any:
    data = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    data["channels"]["telegram"].update(enabled=True, api_url=aachen.root)
    town = next(m for m in data["municipalities"] if m["key"] == "stolberg")
    # its own bot; the mode (polling) comes from channels.telegram
    town["telegram"] = {"token": "${STOLBERG_TELEGRAM_TOKEN}", "api_url": stolberg.root}
    environ = {"TELEGRAM_BOT_TOKEN": AACHEN_TOKEN, "STOLBERG_TELEGRAM_TOKEN": STOLBERG_TOKEN}
    return parse_config(data, environ)


def _push(engine: DialogueEngine, account_id: int, key: str) -> None:
    with engine.database.unit_of_work() as uow:
        notify.to_account(uow, account_id, key, lambda t: f"Neuer Einsatz ({key})")
        uow.commit()


def test_a_user_of_stolbergs_bot_is_answered_and_pushed_by_stolbergs_bot(
    engine: DialogueEngine,
) -> None:
    async def scenario() -> None:
        async with (
            TelegramStandin(AACHEN_TOKEN, bot_username="ehrenamt_aachen_bot") as aachen_api,
            TelegramStandin(STOLBERG_TOKEN, bot_username="ehrenamt_stolberg_bot") as stolberg_api,
        ):
            config = _config(aachen_api, stolberg_api)
            channels = channels_of(App(config, engine.database, engine))
            assert [type(c).__name__ for c in channels] == ["TelegramChannel"] * 2
            started = []
            try:
                for channel in channels:
                    await channel.start()
                    started.append(channel)
                at_stolberg = TelegramUser(stolberg_api, engine, ANNA, "Anna")
                at_aachen = TelegramUser(aachen_api, engine, ANNA, "Anna")

                welcome = await at_stolberg.say("/start")
                assert STOLBERG_WELCOME in welcome
                assert AACHEN_WELCOME not in welcome
                await settle(aachen_api, engine)
                assert aachen_api.messages(ANNA) == []  # nothing came from the other bot

                # Aachen's bot also counts its updates from 1: a second message, not a replay
                welcome = await at_aachen.say("/start")
                assert AACHEN_WELCOME in welcome
                assert STOLBERG_WELCOME not in welcome
                with engine.database.unit_of_work() as uow:
                    assert uow.inbox.seen("telegram", "111:1")
                    assert uow.inbox.seen("telegram", "222:1")

                account_id = seed.person(engine.database, "anna-console", municipality="stolberg")
                with engine.database.unit_of_work() as uow:
                    identity = uow.identities.get_or_create(
                        PlatformIdentity(Platform.TELEGRAM, str(ANNA))
                    )
                    uow.identities.link(identity.id, account_id)
                    uow.commit()

                # she wrote to Aachen's bot last: the push comes from it
                before = len(stolberg_api.messages(ANNA))
                _push(engine, account_id, "need-1")
                assert "Neuer Einsatz (need-1)" in await at_aachen.pending()
                assert len(stolberg_api.messages(ANNA)) == before

                # now she writes to Stolberg's bot: the next push follows her there
                await at_stolberg.say("/hilfe")
                _push(engine, account_id, "need-2")
                assert "Neuer Einsatz (need-2)" in await at_stolberg.pending()
                assert "need-2" not in await at_aachen.pending()
            finally:
                for channel in reversed(started):
                    await channel.stop()

    run(scenario(), timeout_s=90)
