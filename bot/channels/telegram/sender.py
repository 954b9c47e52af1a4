"""Delivers neutral `Outgoing` messages through the Telegram Bot API (python-telegram-bot 22).

Rendering: text as HTML with the user-supplied content escaped; choices as an inline keyboard,
one button per row; a location request as a one-time reply keyboard; a location pin as a venue
after the text. Pacing and retries belong to the outbox worker, so PTB neither rate-limits nor
retries here, and every PTB error is translated into RetryLater or Undeliverable."""

from __future__ import annotations

import html
import logging
import re
import ssl
import warnings
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import httpx
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.callbacks import MAX_CALLBACK_DATA_BYTES, CallbackSigner
from bot.delivery import AsyncSender, Pace, RetryLater, Undeliverable
from bot.messages import Choice, Outgoing
from bot.redaction import guard_token, redact
from domain.actors import Platform

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH: Final = 4096  # Telegram counts after entity parsing, in UTF-16 code units
LOCATION_BUTTON_LABEL: Final = "📍 Standort senden / Share location"
DEFAULT_BASE_URL: Final = "https://api.telegram.org/bot"
DEFAULT_BASE_FILE_URL: Final = "https://api.telegram.org/file/bot"

# BadRequest descriptions meaning the chat itself is gone for the bot
_CHAT_GONE: Final = ("chat not found", "peer_id_invalid", "user not found")
# an edit target that cannot be edited any more: the new content goes out as a new message
_EDIT_GONE: Final = (
    "message to edit not found",
    "message can't be edited",
    "there is no text in the message to edit",
)
_INTEGER = re.compile(r"-?\d+")
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


@cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context of the process's Bot API clients, as httpx makes it by default:
    loading the certificate authorities takes ~50 ms, which each client (two per bot) would
    otherwise pay again at start. Shareable as all of them speak HTTP/1.1 (httpcore sets the
    context's ALPN protocols from that)."""
    return httpx.create_ssl_context()


def http_request(timeout_s: float, pool_size: int) -> HTTPXRequest:
    """Concurrent sends from the outbox worker share the pool; no rate limiter, no retries:
    the outbox paces and retries with its own bookkeeping."""
    return HTTPXRequest(
        connection_pool_size=pool_size,
        read_timeout=timeout_s,
        write_timeout=timeout_s,
        connect_timeout=timeout_s,
        pool_timeout=timeout_s,
        httpx_kwargs={"verify": tls_context()},
    )


def polling_request(poll_timeout_s: int, timeout_s: float) -> HTTPXRequest:
    """getUpdates' own client: a long poll holds its connection for up to `poll_timeout_s`."""
    return HTTPXRequest(
        read_timeout=poll_timeout_s + timeout_s,
        connect_timeout=timeout_s,
        httpx_kwargs={"verify": tls_context()},
    )


def fit_text(text: str, limit: int = MAX_TEXT_LENGTH) -> str:
    """Cut to Telegram's length limit between code points, with an ellipsis when cut.

    Cutting happens before HTML escaping, so an entity such as `&amp;` is never split, and
    escaping does not count against the limit (Telegram measures the parsed text)."""
    if _utf16_length(text) <= limit:
        return text
    budget = limit - 1  # room for the ellipsis
    used = 0
    end = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end = index + 1
    return text[:end].rstrip() + "…"


def render_text(text: str) -> str:
    """User-supplied content as safe HTML for parse_mode=HTML."""
    return html.escape(fit_text(text), quote=False)


def start_link(bot_username: str, payload: str) -> str:
    """A link that opens a private chat with the bot and sends it `/start <payload>`."""
    if not _START_PARAMETER.fullmatch(payload):
        raise ValueError(f"{payload!r} cannot be a start parameter (A-Z, a-z, 0-9, _ and -)")
    return f"https://t.me/{bot_username}?start={payload}"


def _button(choice: Choice, chat_id: str, signer: CallbackSigner, bot_username: str) -> Any:
    if choice.opens_private:
        return InlineKeyboardButton(choice.label, url=start_link(bot_username, choice.payload))
    return InlineKeyboardButton(choice.label, callback_data=signer.sign(chat_id, choice.payload))


def _inline_keyboard(
    choices: Sequence[Choice], chat_id: str, signer: CallbackSigner, bot_username: str
) -> InlineKeyboardMarkup | None:
    """One button per row; a payload travels signed as callback_data (at most 64 bytes), or
    as the start link of a private chat."""
    if not choices:
        return None
    return InlineKeyboardMarkup(
        [[_button(choice, chat_id, signer, bot_username)] for choice in choices]
    )


def _location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(LOCATION_BUTTON_LABEL, request_location=True)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _chat_id(chat_id: str) -> int | str:
    return int(chat_id) if _INTEGER.fullmatch(chat_id) else chat_id


async def _unpaced() -> None:
    """No limits to keep (a sender used on its own, as in the tests of rendering)."""


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """The Telegram `AsyncSender`: `async with TelegramSender(token) as sender: ...`.

    `base_url`/`base_file_url` point it at a stand-in (`f"{root}/bot"`, `f"{root}/file/bot"`)."""

    platform: Platform = Platform.TELEGRAM
    # a send whose answer was lost may have gone out: resending it can duplicate it
    idempotent: bool = False

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        base_file_url: str | None = None,
        timeout_s: float = 10.0,
        pool_size: int = 64,
        bot: Bot | None = None,
        signer: CallbackSigner | None = None,
    ) -> None:
        if not token:
            raise ValueError("a bot token is required")
        self._token = token
        guard_token(token)  # before Bot(): PTB logs the base URL with the token on creation
        self._signer = signer or CallbackSigner.for_token(token)
        # `bot`: the channel's own (an Application's), shared so one pool serves both
        self._bot = bot or Bot(
            token,
            base_url=base_url or DEFAULT_BASE_URL,
            base_file_url=base_file_url or DEFAULT_BASE_FILE_URL,
            request=http_request(timeout_s, pool_size),
        )

    @property
    def bot(self) -> Bot:
        """The PTB bot, for the Telegram adapter in this package to share."""
        return self._bot

    @property
    def username(self) -> str:
        """The bot's @username without the @ (after start)."""
        return self._bot.username

    async def start(self) -> None:
        """Open the HTTP pool and check the token with getMe."""
        try:
            await self._bot.initialize()
        except InvalidToken:
            raise ValueError("Telegram rejected the bot token") from None
        except TelegramError as error:
            raise self._translate(error) from self._cause(error)

    async def stop(self) -> None:
        await self._bot.shutdown()

    async def __aenter__(self) -> TelegramSender:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def is_group(self, chat_id: str) -> bool:
        # negative ids are groups, supergroups and channels; "@name" addresses a public one
        return chat_id.startswith(("-", "@"))

    async def send(
        self,
        message: Outgoing,
        *,
        replaces: str | None = None,
        transaction_id: str | None = None,
        pace: Pace | None = None,
    ) -> str | None:
        # ValueError before anything goes out
        links = any(choice.opens_private for choice in message.choices)
        username = self._bot.username if links else ""  # known once the bot is initialised
        keyboard = _inline_keyboard(message.choices, message.chat_id, self._signer, username)
        text = render_text(message.text)
        chat_id = _chat_id(message.chat_id)
        message_id: str | None = None
        try:
            if replaces is not None:
                message_id = await self._edit(chat_id, replaces, text, keyboard)
            edited = message_id is not None
            if message_id is None:
                markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = keyboard
                if markup is None and message.request_location:
                    markup = _location_keyboard()
                sent = await self._bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
                )
                message_id = str(sent.message_id)
        except TelegramError as error:
            raise self._translate(error) from self._cause(error)
        await self._follow_ups(message, chat_id, edited=edited, pace=pace or _unpaced)
        return message_id

    async def _edit(
        self,
        chat_id: int | str,
        replaces: str,
        text: str,
        keyboard: InlineKeyboardMarkup | None,
    ) -> str | None:
        """Edit in place; None when the original is gone and a new message must go out."""
        if not _INTEGER.fullmatch(replaces):
            return None
        try:
            await self._bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=int(replaces),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
            )
        except BadRequest as error:
            reason = str(error).lower()
            if "message is not modified" in reason:
                return replaces  # the retry of an edit that already went through
            if any(gone in reason for gone in _EDIT_GONE):
                return None
            raise
        return replaces

    async def _follow_ups(
        self, message: Outgoing, chat_id: int | str, *, edited: bool, pace: Pace
    ) -> None:
        """The parts Telegram cannot attach to the text message, each a send of its own that
        counts against the chat's limit.

        The text already went out, so a failure here is logged rather than raised: a RetryLater
        would make the outbox send the text a second time."""
        try:
            # an edited message keeps the venue sent with the original
            if message.location is not None and not edited:
                pin = message.location
                await pace()
                await self._bot.send_venue(
                    chat_id,
                    latitude=pin.point.lat,
                    longitude=pin.point.lon,
                    title=fit_text(pin.title, 256),
                    address=fit_text(pin.title, 256),  # required by Telegram; no street at hand
                )
            # one reply_markup per message: with choices (or an edit, which cannot carry a
            # reply keyboard) the location request needs a message of its own
            if message.request_location and (message.choices or edited):
                await pace()
                await self._bot.send_message(
                    chat_id, LOCATION_BUTTON_LABEL, reply_markup=_location_keyboard()
                )
        except TelegramError as error:
            log.warning("telegram follow-up to chat %s failed: %s", chat_id, self._translate(error))

    def _cause(self, error: BaseException) -> BaseException | None:
        """Chain the PTB error unless its text would carry the token into a traceback."""
        return None if self._token in f"{error!s}{error!r}" else error

    def _translate(self, error: TelegramError) -> RetryLater | Undeliverable:
        reason = redact(str(error))  # the token, as every guarded secret
        if isinstance(error, RetryAfter):
            with warnings.catch_warnings():
                # PTB 22 warns that retry_after becomes a timedelta; both types are handled
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = error.retry_after
            return RetryLater(f"telegram flood control: {reason}", _seconds(wait))
        if isinstance(error, Forbidden):
            return Undeliverable(f"telegram: {reason}", blocked=True)
        if isinstance(error, ChatMigrated):
            return Undeliverable(
                f"telegram: the group moved to chat {error.new_chat_id}", blocked=True
            )
        if isinstance(error, BadRequest):  # before NetworkError, its base class
            gone = any(marker in reason.lower() for marker in _CHAT_GONE)
            return Undeliverable(f"telegram: {reason}", blocked=gone)
        if isinstance(error, InvalidToken):
            # a configuration fault, not the message's: keep it queued until the token is fixed
            return RetryLater("telegram rejected the bot token")
        # TimedOut, NetworkError (including 5xx), Conflict, unparsable answers: transient
        return RetryLater(f"telegram: {reason}")


if TYPE_CHECKING:

    def _conforms(sender: TelegramSender) -> AsyncSender:
        return sender  # mypy proves TelegramSender satisfies the outbox's protocol


__all__ = [
    "LOCATION_BUTTON_LABEL",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_TEXT_LENGTH",
    "TelegramSender",
    "fit_text",
    "http_request",
    "render_text",
]
