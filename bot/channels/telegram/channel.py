"""The Telegram channel: intake (long polling or webhook), handling, and delivery in one process.

python-telegram-bot's `Application` provides the bot (built with `updater(None)`), but intake is
ours: PTB's Updater confirms an update when it enters its in-memory queue, and its webhook
answers 200 before processing, so a crash would lose updates. Here an update is acknowledged
only after it is recorded in the inbox — by asking getUpdates for the next offset, or by
answering the webhook request 200 — and a replayed update_id is recognised there and handled
once. Handling runs afterwards (bot/handling.py), replies leave through the outbox worker.

    Telegram ─▶ getUpdates / webhook ─▶ translate ─▶ inbox (commit) ─▶ acknowledge
                                                   └─▶ handling ─▶ outbox ─▶ worker ─▶ Telegram
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from telegram import Bot, ChatMember, Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.warnings import PTBUserWarning

from bot import groups
from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.commands import editor_chats, register_commands
from bot.channels.telegram.sender import (
    DEFAULT_BASE_FILE_URL,
    DEFAULT_BASE_URL,
    TelegramSender,
    guard_logs,
    http_request,
    polling_request,
)
from bot.channels.telegram.updates import ALLOWED_UPDATES, MembershipChange, translate
from bot.channels.telegram.webhook import WebhookServer
from bot.delivery import DeliveryOptions, OutboxWorker
from bot.engine import DialogueEngine
from bot.flows.groups import ADMIN_ONLY
from bot.handling import EntryHandlers, pause_after_failure, retry_unhandled
from bot.i18n import translator
from bot.messages import Incoming
from domain.actors import Platform, PlatformIdentity

log = logging.getLogger(__name__)

_ADMINS: Final = frozenset({ChatMember.ADMINISTRATOR, ChatMember.OWNER})


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    public_url: str  # what Telegram calls (https in production)
    secret_token: str
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "/telegram"


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    token: str
    # whose bot this is: "" the shared one, else the municipality key of its own bot; its
    # messages are marked with it, and its worker sends only what is queued for it
    front_end: str = ""
    webhook: WebhookOptions | None = None  # None: long polling
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str = DEFAULT_BASE_FILE_URL
    poll_timeout_s: int = 30  # how long one getUpdates waits for news
    request_timeout_s: float = 10.0
    handling_lanes: int = 4
    retry_unhandled_s: float = 60.0  # how often, and after how long, failed handling is retried
    register_commands: bool = True


class TelegramChannel:
    """`await channel.start()`, later `await channel.stop()`; both inside one running loop."""

    def __init__(
        self, engine: DialogueEngine, options: TelegramOptions, delivery: DeliveryOptions
    ) -> None:
        self.engine = engine
        self.options = options
        self._delivery = delivery
        guard_logs(options.token)
        self._signer = CallbackSigner.for_token(options.token)
        self._application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._worker: OutboxWorker | None = None
        self._handlers: EntryHandlers | None = None
        self._webhook: WebhookServer | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._offset = 0

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def bot(self) -> Bot:
        if self._application is None:
            raise RuntimeError("the channel is not started")
        bot: Bot = self._application.bot
        return bot

    async def start(self) -> None:
        options = self.options
        application = (
            ApplicationBuilder()
            .token(options.token)
            .base_url(options.base_url)
            .base_file_url(options.base_file_url)
            .request(http_request(options.request_timeout_s, 64))
            .get_updates_request(polling_request(options.poll_timeout_s, options.request_timeout_s))
            .updater(None)
            .build()
        )
        try:
            await application.initialize()  # getMe: checks the token
        except InvalidToken:
            raise ValueError("Telegram rejected the bot token") from None
        self._application = application
        sender = TelegramSender(options.token, bot=application.bot, signer=self._signer)
        self._worker = OutboxWorker.for_channel(
            self.engine.database, sender, self._delivery, options.front_end
        )
        self._handlers = EntryHandlers(
            self.engine, lanes=options.handling_lanes, handled=self._worker.wake
        )
        if options.register_commands:
            settings = self.engine.settings
            editors = [
                *settings.superadmins,
                *(e for m in settings.municipalities for e in m.editors),
            ]
            await register_commands(application.bot, editor_chats(editors))
        # what was recorded but not handled before the last stop (or crash) comes first
        pending = await asyncio.to_thread(
            self.engine.handle_pending, Platform.TELEGRAM, options.front_end
        )
        if pending:
            log.info("handled %d telegram messages left over from the last run", pending)
        self._stop.clear()
        self._handlers.start()
        self._tasks.append(asyncio.create_task(self._worker.run(self._stop), name="tg-outbox"))
        retry = retry_unhandled(
            self.engine,
            self._handlers,
            Platform.TELEGRAM,
            options.retry_unhandled_s,
            self._stop,
            options.front_end,
        )
        self._tasks.append(asyncio.create_task(retry, name="tg-retry"))
        if options.webhook is None:
            await application.bot.delete_webhook()
            self._tasks.append(asyncio.create_task(self._poll(), name="tg-polling"))
        else:
            hook = options.webhook
            self._webhook = WebhookServer(
                self._accept_json,
                secret=hook.secret_token,
                path=hook.path,
                listen=hook.listen,
                port=hook.port,
            )
            await self._webhook.start()
            await application.bot.set_webhook(
                hook.public_url,
                secret_token=hook.secret_token,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        log.info(
            "telegram: serving as @%s%s",
            application.bot.username,
            f" (front end of {options.front_end})" if options.front_end else "",
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        polling = [task for task in self._tasks if task.get_name() == "tg-polling"]
        for task in polling:
            task.cancel()  # a long poll in flight would hold the stop for its whole timeout
        await asyncio.gather(*polling, return_exceptions=True)
        if self._handlers is not None:
            await self._handlers.stop()
        if self._application is not None and self.options.webhook is None and self._offset:
            # confirm what was recorded, so the next start is not sent it again
            with contextlib.suppress(TelegramError):
                await self._get_updates(timeout_s=0, limit=1)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._application is not None:
            await self._application.shutdown()
            self._application = None

    # --- intake --------------------------------------------------------------------------

    async def _poll(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                raw = await self._get_updates()
            except InvalidToken:
                log.error("telegram rejected the bot token; polling stops")
                return
            except Conflict as error:
                # another process polls with this token, or a webhook is set
                log.error("telegram polling conflict: %s", error)
                failures = await pause_after_failure(self._stop, failures)
                continue
            except TelegramError as error:
                log.warning("telegram getUpdates failed: %s", error)
                failures = await pause_after_failure(self._stop, failures)
                continue
            failures = 0
            for body in raw:
                update_id = body.get("update_id") if isinstance(body, dict) else None
                if not isinstance(update_id, int):
                    log.error("telegram sent an update without an id; skipped")
                    continue
                try:
                    update = Update.de_json(body, self.bot)
                except Exception:
                    # one update PTB cannot read must not block all that follow: skipped, and
                    # only its id logged (its content is personal data)
                    log.exception("telegram update %s could not be parsed; skipped", update_id)
                    self._offset = update_id + 1
                    continue
                try:
                    await self.accept(update)
                except Exception:
                    # not recorded: the next getUpdates starts at this update again
                    log.exception("telegram update %s could not be recorded", update_id)
                    failures = await pause_after_failure(self._stop, failures)
                    break
                # the next getUpdates with this offset confirms the update to Telegram
                self._offset = update_id + 1

    async def _get_updates(self, timeout_s: int | None = None, limit: int = 100) -> list[Any]:
        """getUpdates as raw JSON: Bot.get_updates parses the whole batch at once, so one
        unreadable update would block the rest, and it logs the raw batch on failure."""
        arguments: dict[str, Any] = {
            "timeout": self.options.poll_timeout_s if timeout_s is None else timeout_s,
            "limit": limit,
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        if self._offset:
            arguments["offset"] = self._offset
        with warnings.catch_warnings():
            # PTB suggests Bot.get_updates instead, which is what we cannot use here
            warnings.simplefilter("ignore", PTBUserWarning)
            raw = await self.bot.do_api_request(
                "getUpdates",
                api_kwargs=arguments,
                read_timeout=self.options.poll_timeout_s + self.options.request_timeout_s,
            )
        return raw if isinstance(raw, list) else []

    async def _accept_json(self, body: dict[str, Any]) -> None:
        update = Update.de_json(body, self.bot)
        await self.accept(update)

    async def accept(self, update: Update) -> None:
        """Record one update (in the inbox, or as a membership change) and queue its handling;
        returns once what must survive a crash is committed."""
        translated = translate(update, self.bot.bot, self._signer, self.options.front_end)
        if translated.callback_query_id is not None:
            query = update.callback_query
            language = query.from_user.language_code if query else None
            await self._answer_tap(
                translated.callback_query_id, translated.expired_button, language
            )
        if translated.membership is not None:
            await asyncio.to_thread(self._record_membership, translated.membership)
        incoming = translated.incoming
        if incoming is None:
            return
        command = incoming.command
        if incoming.group is not None and command is not None and command[0] in ADMIN_ONLY:
            incoming = await self._with_admin_status(incoming)
        entry_id = await asyncio.to_thread(self.engine.receive, incoming)
        if entry_id is not None and self._handlers is not None:
            self._handlers.submit(incoming.chat_id, entry_id)

    async def _answer_tap(self, query_id: str, expired: bool, language: str | None) -> None:
        text = None
        if expired:
            lang = (language or "")[:2]
            t = translator(lang if lang in ("de", "en") else self.engine.settings.default_language)
            text = t._("This button has expired. Please use the newest message.")
        try:
            await self.bot.answer_callback_query(query_id, text=text)
        except TelegramError as error:
            # a replayed tap's query is too old to answer; the tap itself still counts
            log.info("answering a button tap failed: %s", error)

    async def _with_admin_status(self, incoming: Incoming) -> Incoming:
        assert incoming.group is not None
        try:
            member = await self.bot.get_chat_member(int(incoming.chat_id), int(incoming.user_id))
            admin: bool | None = member.status in _ADMINS
        except TelegramError as error:
            log.warning("telegram: could not check a group admin: %s", error)
            admin = None
        return replace(incoming, group=replace(incoming.group, sender_is_admin=admin))

    def _record_membership(self, change: MembershipChange) -> None:
        front_end = self.options.front_end
        with self.engine.database.unit_of_work() as uow:
            if change.group:
                if not change.present:
                    groups.bot_removed(uow, Platform.TELEGRAM, change.chat_id, front_end)
            else:
                identity = uow.identities.find(PlatformIdentity(Platform.TELEGRAM, change.user_id))
                if identity is None:
                    return  # someone the bot never talked to: nothing to note, nothing stored
                # (un)blocking this bot matters only while it is the bot the user talks to
                if change.present:
                    uow.identities.mark_reachable(identity.id, via=front_end)
                else:
                    uow.identities.mark_unreachable(identity.id, datetime.now(UTC), via=front_end)
            uow.commit()
