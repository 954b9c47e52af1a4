"""The Telegram channel: intake by long polling or webhook, on the common lifecycle
(bot/channels/base.py: leadership, handling, delivery).

python-telegram-bot's `Application` provides the bot (built with `updater(None)`), but intake is
ours: PTB's Updater confirms an update when it enters its in-memory queue, and its webhook
answers 200 before processing, so a crash would lose updates. Here a whole getUpdates batch is
recorded in one transaction and only then acknowledged, by asking for the next offset (a
webhook request: answered 200 once recorded); a replayed update_id is recognised by the inbox
and handled once. An update PTB cannot parse, or that cannot be recorded while the database is
there, is set aside as a dead letter and acknowledged: it never holds up those behind it.

    Telegram ─▶ getUpdates / webhook ─▶ parse, translate ─▶ inbox (one commit) ─▶ acknowledge
                                                         └─▶ handling ─▶ outbox ─▶ worker
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from telegram import Bot, ChatMember, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.warnings import PTBUserWarning

from bot.channels.base import Channel, whose
from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.commands import editor_chats, register_commands
from bot.channels.telegram.sender import (
    DEFAULT_BASE_FILE_URL,
    DEFAULT_BASE_URL,
    TelegramSender,
    http_request,
    polling_request,
)
from bot.channels.telegram.updates import ALLOWED_UPDATES, Translated, translate, update_key
from bot.channels.telegram.webhook import WebhookServer
from bot.delivery import AsyncSender, DeliveryOptions
from bot.engine import DialogueEngine
from bot.flows.groups import ADMIN_ONLY
from bot.handling import pause_after_failure
from bot.i18n import translator
from bot.intake import Arrival, IntakeStalled, SetAside
from bot.messages import Incoming
from bot.redaction import guard_token
from bot.startup import network_reason
from domain.actors import Platform

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


class TelegramChannel(Channel):
    """`await channel.start()`, later `await channel.stop()`; both inside one running loop."""

    platform = Platform.TELEGRAM

    def __init__(
        self, engine: DialogueEngine, options: TelegramOptions, delivery: DeliveryOptions
    ) -> None:
        super().__init__(engine, delivery, options)
        self.options = options
        guard_token(options.token)
        self._signer = CallbackSigner.for_token(options.token)
        self._application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._offset = 0
        self._taps: set[asyncio.Task[None]] = set()  # button taps being acknowledged

    @property
    def bot(self) -> Bot:
        if self._application is None:
            raise RuntimeError("the channel is not started")
        bot: Bot = self._application.bot
        return bot

    @property
    def bot_name(self) -> str:
        # the token's first part is the bot's id: what Telegram's limits and pollers go by
        return f"telegram:{self.options.token.split(':', 1)[0]}"

    # --- lifecycle -----------------------------------------------------------------------

    async def connect(self) -> None:
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
        except NetworkError as error:  # not reached, timed out, or a 5xx: worth another try
            api = options.base_url.removesuffix("/bot")
            raise ConnectionError(
                f"cannot reach the Telegram Bot API at {api}: {network_reason(error)}"
            ) from None
        self._application = application

    async def disconnect(self) -> None:
        if self._taps:
            await asyncio.gather(*self._taps, return_exceptions=True)
        if self._application is not None:
            await self._application.shutdown()
            self._application = None

    def sender(self) -> AsyncSender:
        return TelegramSender(self.options.token, bot=self.bot, signer=self._signer)

    async def serve(self, stop: asyncio.Event) -> None:
        if self.options.register_commands:
            await self._register_commands()
        hook = self.options.webhook
        if hook is None:
            if await self._until_done(self.bot.delete_webhook, stop):
                await self._poll(stop)
            return
        server = WebhookServer(
            self._accept_json,
            secret=hook.secret_token,
            path=hook.path,
            listen=hook.listen,
            port=hook.port,
        )
        try:
            await server.start()
        except OSError as error:
            where = f"{hook.listen}:{hook.port}"
            reason = network_reason(error)
            raise ValueError(f"the webhook cannot listen on {where}: {reason}") from None
        try:

            async def set_webhook() -> object:
                return await self.bot.set_webhook(
                    hook.public_url,
                    secret_token=hook.secret_token,
                    allowed_updates=list(ALLOWED_UPDATES),
                )

            if await self._until_done(set_webhook, stop):
                self._serving()
                await stop.wait()
        finally:
            await server.stop()

    async def _until_done(self, call: Callable[[], Awaitable[object]], stop: asyncio.Event) -> bool:
        """Try a call Telegram must take before updates flow until it works; False: stopped."""
        failures = 0
        while not stop.is_set():
            try:
                await call()
            except TelegramError as error:
                log.warning("telegram: preparing to receive updates failed: %s", error)
                failures = await pause_after_failure(stop, failures)
                continue
            return True
        return False

    async def _register_commands(self) -> None:
        settings = self.engine.settings
        editors = [*settings.superadmins, *(e for m in settings.municipalities for e in m.editors)]
        try:
            await register_commands(self.bot, editor_chats(editors))
        except TelegramError as error:
            log.warning("telegram: setting the command menus failed: %s", error)

    def _serving(self) -> None:
        log.info("telegram: serving as @%s%s", self.bot.username, whose(self.front_end))
        self.serving()

    # --- intake --------------------------------------------------------------------------

    async def _poll(self, stop: asyncio.Event) -> None:
        self._serving()
        failures = 0
        try:
            while not stop.is_set():
                try:
                    raw = await self._get_updates()
                except InvalidToken:
                    log.error("telegram rejected the bot token; polling stops")
                    return
                except Conflict as error:
                    log.error(
                        "telegram: getUpdates refused (%s). Only one program may poll a bot: "
                        "another one polls this token, or a webhook is set for it",
                        error,
                    )
                    failures = await pause_after_failure(stop, failures)
                    continue
                except TelegramError as error:
                    log.warning("telegram getUpdates failed: %s", error)
                    failures = await pause_after_failure(stop, failures)
                    continue
                if raw and not await self._take(raw):
                    failures = await pause_after_failure(stop, failures)
                    continue
                failures = 0
        finally:
            if stop.is_set() and self._offset:
                # confirm what was recorded, so the next start is not sent it again
                with contextlib.suppress(TelegramError):
                    await self._get_updates(timeout_s=0, limit=1)

    async def _take(self, raw: Sequence[Any]) -> bool:
        """Record one getUpdates batch and acknowledge it; False when it could not be recorded
        (the next getUpdates brings it again)."""
        arrivals: list[Arrival] = []
        last = None
        for body in raw:
            update_id = body.get("update_id") if isinstance(body, dict) else None
            if not isinstance(update_id, int):
                log.error("telegram sent an update without an id; skipped")
                continue
            last = update_id if last is None else max(last, update_id)
            arrivals.extend(await self._read(body, update_id))
        try:
            recorded = await asyncio.to_thread(self.intake.record, arrivals)
        except IntakeStalled as stalled:
            self.handle(stalled.recorded)
            log.warning("telegram updates could not be recorded (%s); trying again", stalled)
            return False
        if last is not None:
            # the next getUpdates with this offset confirms the batch to Telegram
            self._offset = last + 1
        self.handle(recorded)
        return True

    async def _read(self, body: dict[str, Any], update_id: int) -> list[Arrival]:
        """What one update brings to record; an update that cannot be read is set aside (its
        id and the kind of failure only: its content is personal data)."""
        key = update_key(self.bot.id, update_id)
        try:
            update = Update.de_json(body, self.bot)
        except Exception as error:
            return [SetAside(key, f"unreadable update ({type(error).__name__})")]
        try:
            translated = translate(update, self.bot.bot, self._signer, self.front_end)
        except Exception as error:
            # logged with its reason when set aside; never its traceback, whose message may
            # quote what the user sent
            return [SetAside(key, f"update not understood ({type(error).__name__})")]
        return await self._arrivals(update, translated)

    async def _arrivals(self, update: Update, translated: Translated) -> list[Arrival]:
        if translated.callback_query_id is not None:
            query = update.callback_query
            language = query.from_user.language_code if query else None
            self._acknowledge_tap(translated.callback_query_id, translated.expired_button, language)
        arrivals: list[Arrival] = []
        if translated.membership is not None:
            arrivals.append(translated.membership)
        incoming = translated.incoming
        if incoming is not None:
            command = incoming.command
            if incoming.group is not None and command is not None and command[0] in ADMIN_ONLY:
                incoming = await self._with_admin_status(incoming)
            arrivals.append(incoming)
        return arrivals

    async def _accept_json(self, body: dict[str, Any] | None, digest: str) -> None:
        """A webhook request: recorded (or set aside) before it is answered 200; raises when
        it could not be, so Telegram sends it again."""
        update_id = None if body is None else body.get("update_id")
        if body is None or not isinstance(update_id, int):
            arrivals: list[Arrival] = [SetAside(f"body:{digest}", "not an update")]
        else:
            arrivals = await self._read(body, update_id)
        self.handle(await asyncio.to_thread(self.intake.record, arrivals))

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

    def _acknowledge_tap(self, query_id: str, expired: bool, language: str | None) -> None:
        """Stop the tapped button's spinner, off the fetch path."""
        task = asyncio.create_task(self._answer_tap(query_id, expired, language))
        self._taps.add(task)
        task.add_done_callback(self._taps.discard)

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
