"""Several front ends (the shared bot and a municipality's own bot) on one engine and one
database: the same Telegram update number from two bots is two messages, each answered by the
bot it came to in the words of its municipality, pushes go out through the bot the user last
wrote to, and each bot's worker delivers only its own messages."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import Bot, Update, User

from bot import groups, notify
from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.updates import translate
from bot.delivery import OutboxWorker, Pace, RateLimits
from bot.engine import DialogueEngine
from bot.messages import Incoming, Outgoing
from domain.actors import Account, Platform, PlatformIdentity
from domain.groups import GroupSubscription
from domain.places import GeoPoint, Place
from storage.records import OutboxMessage
from storage.unit_of_work import Database
from tests.bot.chat import make_engine

AACHEN_TOKEN, STOLBERG_TOKEN = "111:AAA-aachen-bot", "222:BBB-stolberg-bot"
AACHEN_BOT = User(111, "Ehrenamt Aachen", is_bot=True, username="ehrenamt_aachen_bot")
STOLBERG_BOT = User(222, "Ehrenamt Stolberg", is_bot=True, username="ehrenamt_stolberg_bot")
ANNA = 6001
SHARED, STOLBERG = "", "stolberg"
AACHEN_WELCOME = "Willkommen bei der Ehrenamtsbörse Aachen!"
STOLBERG_WELCOME = "Willkommen bei der Ehrenamtsbörse der Kupferstadt Stolberg!"
GENEROUS = RateLimits(messages_per_second=1000, per_chat_per_second=1000, per_group_per_minute=1e5)


def _message(update_id: int, text: str, user_id: int = ANNA) -> dict[str, Any]:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    user = {"id": user_id, "is_bot": False, "first_name": "Anna", "language_code": "de"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1795269600,
            "chat": {"id": user_id, "type": "private", "first_name": "Anna"},
            "from": user,
            "text": text,
            **({"entities": entities} if text.startswith("/") else {}),
        },
    }


def _incoming(body: dict[str, Any], to_stolberg: bool) -> Incoming:
    """The update as that bot's channel reads it (its own bot id, signer and front end)."""
    token, me = (STOLBERG_TOKEN, STOLBERG_BOT) if to_stolberg else (AACHEN_TOKEN, AACHEN_BOT)
    update = Update.de_json(body, Bot(token))
    signer = CallbackSigner.for_token(token)
    incoming = translate(update, me, signer, STOLBERG if to_stolberg else SHARED).incoming
    assert incoming is not None
    return incoming


def _queued(database: Database, chat_id: str = str(ANNA)) -> list[OutboxMessage]:
    with database.unit_of_work() as uow:
        return uow.outbox.for_chat("telegram", chat_id)


def _texts(messages: list[OutboxMessage], front_end: str) -> str:
    return "\n".join(m.payload["text"] for m in messages if m.front_end == front_end)


def test_the_same_update_number_from_two_bots_is_answered_by_each_in_its_own_words(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    # Telegram counts update ids per bot: both bots' first update is number 1
    to_aachen = _incoming(_message(1, "/start"), to_stolberg=False)
    to_stolberg = _incoming(_message(1, "/start"), to_stolberg=True)
    assert to_aachen.update_id != to_stolberg.update_id

    assert engine.handle(to_stolberg) is True
    assert engine.handle(to_aachen) is True
    assert engine.handle(to_stolberg) is False  # a real replay is still recognised

    queued = _queued(sqlite_database)
    assert {m.front_end for m in queued} == {SHARED, STOLBERG}
    assert STOLBERG_WELCOME in _texts(queued, STOLBERG)
    assert AACHEN_WELCOME not in _texts(queued, STOLBERG)
    assert AACHEN_WELCOME in _texts(queued, SHARED)
    assert STOLBERG_WELCOME not in _texts(queued, SHARED)


def test_onboarding_names_the_contact_of_the_bots_municipality(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    engine.handle(_incoming(_message(1, "/start"), to_stolberg=True))
    engine.handle(_incoming(_message(2, "Deutsch"), to_stolberg=True))
    consent = _texts(_queued(sqlite_database), STOLBERG)
    assert "ehrenamt-stolberg@example.org" in consent  # Stolberg's contact, not Aachen's
    assert "ehrenamt@example.org" not in consent


def _account(database: Database) -> int:
    with database.unit_of_work() as uow:
        account = uow.accounts.add(
            Account(
                display_name="Anna",
                language="de",
                municipality_key="stolberg",
                home=Place(GeoPoint(50.7706, 6.2278), "Stolberg", 10.0),
                consent_at=datetime(2026, 11, 1, 12, 0).astimezone(),
                identities=(PlatformIdentity(Platform.TELEGRAM, str(ANNA)),),
            )
        )
        uow.commit()
    assert account.id is not None
    return account.id


def _push(database: Database, account_id: int, key: str, replaces: str | None = None) -> None:
    with database.unit_of_work() as uow:
        notify.to_account(uow, account_id, key, lambda t: f"push {key}", replaces=replaces)
        uow.commit()


def _front_end_of(database: Database, key: str) -> str:
    with database.unit_of_work() as uow:
        identity = uow.identities.find(PlatformIdentity(Platform.TELEGRAM, str(ANNA)))
        assert identity is not None
        message = uow.outbox.get_by_key(notify.message_key(key, identity.id))
    assert message is not None
    return message.front_end


def test_pushes_go_out_through_the_bot_the_user_last_wrote_to(
    sqlite_database: Database,
) -> None:
    engine = make_engine(sqlite_database)
    account_id = _account(sqlite_database)
    engine.handle(_incoming(_message(1, "/hilfe"), to_stolberg=True))
    _push(sqlite_database, account_id, "alert-1")
    assert _front_end_of(sqlite_database, "alert-1") == STOLBERG

    engine.handle(_incoming(_message(7, "/hilfe"), to_stolberg=False))
    _push(sqlite_database, account_id, "alert-2")
    assert _front_end_of(sqlite_database, "alert-2") == SHARED
    # an edit of the first alert: only the bot that sent it can edit it
    _push(sqlite_database, account_id, "alert-1:filled", replaces="alert-1")
    assert _front_end_of(sqlite_database, "alert-1:filled") == STOLBERG


def test_a_group_message_does_not_move_the_users_pushes(sqlite_database: Database) -> None:
    engine = make_engine(sqlite_database)
    account_id = _account(sqlite_database)
    engine.handle(_incoming(_message(1, "/hilfe"), to_stolberg=True))
    group = _message(2, "/hilfe@ehrenamt_aachen_bot")
    group["message"]["chat"] = {"id": -100777, "type": "supergroup", "title": "Tafel"}
    engine.handle(_incoming(group, to_stolberg=False))
    _push(sqlite_database, account_id, "alert-1")
    # a bot may not open a private chat by itself: the group's bot is not the user's bot
    assert _front_end_of(sqlite_database, "alert-1") == STOLBERG


@dataclass
class _Sender:
    """A bot's way out, recording what it was given."""

    sent: list[str] = field(default_factory=list)
    platform: Platform = Platform.TELEGRAM
    idempotent: bool = False

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(
        self,
        message: Outgoing,
        *,
        replaces: str | None = None,
        transaction_id: str | None = None,
        pace: Pace | None = None,
    ) -> str | None:
        self.sent.append(message.text)
        return str(len(self.sent))


def test_each_bots_worker_delivers_only_what_is_queued_for_it(
    sqlite_database: Database,
) -> None:
    engine: DialogueEngine = make_engine(sqlite_database)
    engine.handle(_incoming(_message(1, "/start"), to_stolberg=True))
    engine.handle(_incoming(_message(1, "/start"), to_stolberg=False))
    aachen, stolberg = _Sender(), _Sender()

    async def deliver() -> None:
        for sender, front_end in ((stolberg, STOLBERG), (aachen, SHARED)):
            worker = OutboxWorker(
                sqlite_database, sender, GENEROUS, worker_id=f"w-{front_end}", front_end=front_end
            )
            await worker.drain()

    asyncio.run(deliver())
    assert any(STOLBERG_WELCOME in text for text in stolberg.sent)
    assert not any(AACHEN_WELCOME in text for text in stolberg.sent)
    assert any(AACHEN_WELCOME in text for text in aachen.sent)
    assert not any(STOLBERG_WELCOME in text for text in aachen.sent)
    assert len(aachen.sent) + len(stolberg.sent) == len(_queued(sqlite_database))


def test_a_group_keeps_its_subscription_when_another_bot_leaves_it(
    sqlite_database: Database,
) -> None:
    chat = "-100777"
    with sqlite_database.unit_of_work() as uow:
        admin = uow.identities.get_or_create(PlatformIdentity(Platform.TELEGRAM, str(ANNA)))
        area = Place(GeoPoint(50.7706, 6.2278), "Stolberg", 5.0)
        uow.groups.subscribe(
            GroupSubscription("telegram", chat, area, front_end=STOLBERG), admin.id
        )
        uow.commit()
    with sqlite_database.unit_of_work() as uow:
        groups.bot_removed(uow, Platform.TELEGRAM, chat, SHARED)  # the shared bot leaves
        uow.commit()
        subscription = uow.groups.subscription("telegram", chat)
    assert subscription is not None
    assert subscription.front_end == STOLBERG
    with sqlite_database.unit_of_work() as uow:
        groups.bot_removed(uow, Platform.TELEGRAM, chat, STOLBERG)  # the group's own bot
        uow.commit()
        assert uow.groups.subscription("telegram", chat) is None
