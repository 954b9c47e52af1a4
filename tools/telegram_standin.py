"""A local stand-in for the Telegram Bot API, for end-to-end tests and the delivery benchmark.

The real python-telegram-bot talks to it with `base_url=f"{root}/bot"`; it answers with the real
result and error shapes so PTB parses them into its own objects and exceptions. Test controls are
plain methods (push updates, block a chat, inject 429/5xx, read what was sent) that are safe to
call from another thread while the server runs in the background.

Rate enforcement mirrors Telegram's published limits with sliding windows, so a benchmark can
count how often a sender would have been throttled (or let it be throttled)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

import aiohttp
from aiohttp import web

JSON = dict[str, Any]
ChatId = int | str

MAX_TEXT_LENGTH = 4096  # after entity parsing, in UTF-16 code units like entity offsets
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
GROUP_TYPES = frozenset({"group", "supergroup", "channel"})


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Fields whose value is a JSON-serialised object or array in the real API; every other form
# field keeps its type, so a message text "123" stays a string.
_JSON_FIELDS = _names(
    """
    reply_markup entities caption_entities link_preview_options reply_parameters commands
    scope allowed_updates media results options permissions menu_button rights reaction
    message_ids mask_position prices input_message_content explanation_entities
    question_entities suggested_post_parameters
    """
)
_CHAT_ID_FIELDS = frozenset({"chat_id", "from_chat_id"})
_INT_FIELDS = _names(
    """
    message_id offset limit timeout message_thread_id live_period heading
    proximity_alert_radius cache_time max_connections user_id reply_to_message_id
    direct_messages_topic_id
    """
)
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
_BOOL_FIELDS = _names(
    """
    disable_notification protect_content show_alert drop_pending_updates
    allow_sending_without_reply disable_web_page_preview allow_paid_broadcast has_spoiler
    """
)
_TYPED_FIELDS = _JSON_FIELDS | _CHAT_ID_FIELDS | _INT_FIELDS | _FLOAT_FIELDS | _BOOL_FIELDS
_JSON_ERRORS = {
    "reply_markup": "Bad Request: can't parse reply keyboard markup JSON object",
    "entities": "Bad Request: can't parse entities JSON object",
}
_INLINE_ACTIONS = _names(
    """
    url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat
    switch_inline_query_chosen_chat copy_text callback_game pay
    """
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
# ChatMemberAdministrator's required fields, and ChatMemberRestricted's permissions
_ADMIN_RIGHTS = _names(
    """
    can_be_edited is_anonymous can_manage_chat can_delete_messages can_manage_video_chats
    can_restrict_members can_promote_members can_change_info can_invite_users can_post_stories
    can_edit_stories can_delete_stories
    """
)
_MEMBER_PERMISSIONS = _names(
    """
    is_member can_send_messages can_send_audios can_send_documents can_send_photos
    can_send_videos can_send_video_notes can_send_voice_notes can_send_polls
    can_send_other_messages can_add_web_page_previews can_change_info can_invite_users
    can_pin_messages can_manage_topics
    """
)
_INTEGER = re.compile(r"[+-]?\d+")


class ApiError(Exception):
    """An error answer in the real API's shape."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _too_many(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One API call as the stand-in saw it (getUpdates polls are not recorded)."""

    method: str  # as the client spelled it, e.g. "sendMessage"
    chat_id: ChatId | None
    params: JSON  # decoded: JSON fields parsed, numbers and booleans typed
    at: float  # time.monotonic() (or the injected clock) when the call was answered
    status: int = 200
    description: str | None = None  # the error description when status is not 200


@dataclass(frozen=True, slots=True)
class Violation:
    """A send that exceeded a rate limit within its sliding window."""

    chat_id: ChatId
    method: str
    rules: tuple[str, ...]  # "overall", "per_chat", "per_group"
    at: float


@dataclass(frozen=True, slots=True)
class RateLimits:
    overall_per_second: int = 30
    per_chat_per_second: int = 1  # private chats
    per_group_per_minute: int = 20  # groups, supergroups and channels


TELEGRAM_LIMITS = RateLimits()


# --- parameter decoding -------------------------------------------------------------------


def decode_params(raw: Mapping[str, Any]) -> JSON:
    """Type the parameters of one call as the real API does: form fields are all strings, JSON
    bodies are typed already; nested objects may arrive as JSON strings in both."""
    params: JSON = {}
    for name, value in raw.items():
        if name in _TYPED_FIELDS and (value is None or value == ""):
            continue  # an empty optional field counts as absent
        params[name] = _decode_field(name, value)
    return params


def _decode_field(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(
                400, _JSON_ERRORS.get(name, f"Bad Request: can't parse {name} JSON object")
            ) from None
    if name in _CHAT_ID_FIELDS:
        return _decode_chat_id(value)
    if name in _INT_FIELDS:
        return _decode_int(name, value)
    if name in _FLOAT_FIELDS:
        if isinstance(value, bool):
            raise _bad(f'field "{name}" must be of type Float')
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(f'field "{name}" must be of type Float') from None
    if name in _BOOL_FIELDS:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        lowered = str(value).strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise _bad(f'field "{name}" must be of type Boolean')
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a JSON body may carry a number where the API expects a string
    return value


def _decode_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _bad(f'field "{name}" must be of type Integer')
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise _bad(f'field "{name}" must be of type Integer')


def _decode_chat_id(value: Any) -> ChatId:
    if isinstance(value, str):
        stripped = value.strip()
        if _INTEGER.fullmatch(stripped):
            return int(stripped)
        if stripped.startswith("@") and len(stripped) > 1:
            return stripped
        raise _bad("chat not found")
    if isinstance(value, bool):
        raise _bad("chat not found")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _bad("chat not found")


# --- text and markup validation ------------------------------------------------------------


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*/?>"
)
_ATTRIBUTE = re.compile(
    r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?"
)
_CHARACTER_REFERENCE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


@dataclass(slots=True)
class _OpenTag:
    name: str
    entity: JSON | None  # None: the tag only refines its parent (code inside pre)


def _attributes(source: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(source):
        value = match.group(2) or ""
        if value[:1] in ('"', "'"):
            value = value[1:-1]
        found[match.group(1).lower()] = _unescape(value)
    return found


def _unescape(text: str) -> str:
    return _CHARACTER_REFERENCE.sub(lambda m: _reference(m.group(1)), text)


def _reference(name: str) -> str:
    if name in _NAMED_REFERENCES:
        return _NAMED_REFERENCES[name]
    code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code == 0:
        return "\ufffd"
    return chr(code)


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Telegram's parse_mode=HTML: the visible text and its entities (UTF-16 offsets).

    Like the real API it refuses a stray `<` or an unknown tag, which is what happens when user
    content reaches it unescaped."""
    pieces: list[str] = []
    position = 0  # in UTF-16 code units of the visible text
    stack: list[tuple[_OpenTag, int]] = []
    entities: list[JSON] = []
    index = 0

    def error(detail: str) -> ApiError:
        return _bad(f"can't parse entities: {detail}")

    def byte_offset() -> int:
        return len(source[:index].encode("utf-8"))

    while index < len(source):
        char = source[index]
        if char == "<":
            match = _TAG.match(source, index)
            if match is None:
                raise error(f'Unsupported start tag "" at byte offset {byte_offset()}')
            closing, name = match.group(1) == "/", match.group(2).lower()
            if closing:
                if not stack:
                    raise error(f"Unexpected end tag at byte offset {byte_offset()}")
                tag, start = stack.pop()
                if tag.name != name:
                    raise error(
                        f"Unmatched end tag at byte offset {byte_offset()},"
                        f' expected "</{tag.name}>", found "</{name}>"'
                    )
                if tag.entity is not None and position > start:
                    entities.append({**tag.entity, "offset": start, "length": position - start})
            else:
                attributes = _attributes(match.group(3))
                entity_type = _TAG_ENTITIES.get(name)
                if entity_type is None or (
                    name == "span" and attributes.get("class") != "tg-spoiler"
                ):
                    raise error(f'Unsupported start tag "{name}" at byte offset {byte_offset()}')
                entity: JSON | None = {"type": entity_type}
                if name == "a":
                    entity = {"type": "text_link", "url": attributes.get("href", "")}
                elif name == "tg-emoji":
                    entity = {"type": "custom_emoji", "custom_emoji_id": attributes.get("emoji-id")}
                elif name == "blockquote" and "expandable" in attributes:
                    entity = {"type": "expandable_blockquote"}
                elif name == "code" and stack and stack[-1][0].name == "pre":
                    language = attributes.get("class", "")
                    parent = stack[-1][0].entity
                    if language.startswith("language-") and parent is not None:
                        parent["language"] = language.removeprefix("language-")
                        entity = None
                stack.append((_OpenTag(name, entity), position))
            index = match.end()
            continue
        if char == "&":
            match = _CHARACTER_REFERENCE.match(source, index)
            if match is not None:
                decoded = _reference(match.group(1))
                pieces.append(decoded)
                position += utf16_length(decoded)
                index = match.end()
                continue
        pieces.append(char)
        position += 2 if ord(char) > 0xFFFF else 1
        index += 1
    if stack:
        raise error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(pieces), entities


def _message_text(params: JSON) -> tuple[str, list[JSON] | None]:
    raw = params.get("text")
    if raw is None:
        raise _bad("message text is empty")
    if not isinstance(raw, str):
        raise _bad("message text is empty")
    parse_mode = str(params.get("parse_mode") or "").lower()
    if parse_mode == "html":
        text, entities = parse_html(raw)
    else:
        # Markdown modes are passed through unparsed: this project sends HTML only.
        text, given = raw, params.get("entities")
        entities = list(given) if isinstance(given, list) else []
    if not text.strip():
        raise _bad("message text is empty")
    if utf16_length(text) > MAX_TEXT_LENGTH:
        raise _bad("message is too long")
    return text, entities or None


def _check_markup(markup: Any, *, inline_only: bool = False) -> JSON | None:
    """Validate reply_markup; returns it when the resulting Message carries it (inline only)."""
    if markup is None:
        return None
    unparsable = _bad("can't parse reply keyboard markup JSON object")
    if not isinstance(markup, dict):
        raise unparsable
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array'
            )
        count = 0
        for row in rows:
            for button in row:
                count += 1
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad("can't parse inline keyboard button: Text must be a String")
                if not button["text"].strip():
                    raise _bad("BUTTON_TEXT_INVALID")
                if not _INLINE_ACTIONS & button.keys():
                    raise _bad("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise _bad("BUTTON_DATA_INVALID")
        if count > MAX_INLINE_BUTTONS:
            raise _bad("reply markup is too long")
        return copy.deepcopy(markup)
    if inline_only:
        raise _bad("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise unparsable
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else None
                if isinstance(button, dict):
                    text = button.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise _bad("keyboard button text is empty")
        return None
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return None
    raise unparsable


# --- the stand-in ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Poll:
    """A getUpdates waiting for news."""

    superseded: bool = False


class TelegramStandin:
    """A Bot API server on 127.0.0.1 with test controls; see the module docstring.

    `async with TelegramStandin(token) as api:` inside a running loop, or `start_in_thread()` /
    `stop()` (also `with TelegramStandin(token) as api:`) for synchronous callers."""

    def __init__(
        self,
        token: str,
        *,
        port: int = 0,
        limits: RateLimits | tuple[int, int, int] | None = None,
        enforce_limits: bool = False,
        known_chats_only: bool = False,
        max_long_poll_s: float = 10.0,
        latency_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        bot_username: str = "standin_bot",
    ) -> None:
        if not token:
            raise ValueError("token is required")
        self._token = token
        self._port = port
        self._limits = RateLimits(*limits) if isinstance(limits, tuple) else limits
        self._enforce = enforce_limits
        self._known_chats_only = known_chats_only
        self._max_long_poll_s = max_long_poll_s
        self._latency_s = latency_s  # added to every answer, for a benchmark's round trips
        self._clock = clock
        head = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(head) if head.isdigit() else 123456789,
            "is_bot": True,
            "first_name": "Stand-in",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        # Guards all state below: test controls may run on another thread than the server.
        self._lock = threading.Lock()
        self._updates: list[JSON] = []
        self._last_update_id = 0
        self._chats: dict[ChatId, JSON] = {}
        self._messages: dict[ChatId, dict[int, JSON]] = {}
        self._last_message_id: dict[ChatId, int] = {}
        self._blocked: set[ChatId] = set()
        self._failures: dict[str, deque[ApiError]] = {}
        self._stalls: dict[str, deque[float]] = {}
        self._open_queries: set[str] = set()
        self._last_query_id = 0
        self._sent: list[RecordedCall] = []
        self._polls: list[float] = []  # when each getUpdates arrived (they are not in _sent)
        self._violations: list[Violation] = []
        self._overall_window: deque[float] = deque()
        self._chat_windows: dict[ChatId, deque[float]] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook: JSON | None = None
        self._webhook_secret: str | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_answers: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._members: dict[tuple[ChatId, int], str] = {}
        self._poll: _Poll | None = None  # the getUpdates waiting now

        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._wake: asyncio.Event | None = None
        self._closed: asyncio.Event | None = None
        self._closing = False
        self._root: str | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

        self._methods: dict[str, Callable[[JSON], Any]] = {
            "getme": lambda _: dict(self.bot_user),
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "answercallbackquery": self._answer_callback_query,
            "sendlocation": self._send_location,
            "sendvenue": self._send_venue,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getchatmember": self._get_chat_member,
        }

    # --- addresses ---

    @property
    def root(self) -> str:
        if self._root is None:
            raise RuntimeError("the stand-in is not running")
        return self._root

    @property
    def base_url(self) -> str:
        """For `telegram.Bot(token, base_url=...)`."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.root}/file/bot"

    # --- lifecycle ---

    async def start(self) -> str:
        if self._runner is not None:
            raise RuntimeError("the stand-in is already running")
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._closed = asyncio.Event()
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # access_log=None: the request path carries the bot token
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._root = f"http://{host}:{port}"
        self._webhook_task = asyncio.create_task(self._pump_webhook(), name="standin-webhook")
        return self._root

    async def shutdown(self) -> None:
        runner = self._runner
        if runner is None:
            return
        self._closing = True
        if self._closed is not None:
            self._closed.set()
        self._notify()  # long polls and stalls return at once instead of holding the shutdown
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            await asyncio.gather(self._webhook_task, return_exceptions=True)
            self._webhook_task = None
        await asyncio.sleep(0)
        await runner.cleanup()
        self._runner = None
        self._root = None
        self._loop = None
        self._wake = None
        self._closed = None

    async def __aenter__(self) -> TelegramStandin:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()

    def start_in_thread(self, timeout_s: float = 5.0) -> str:
        """Run the server on a loop of its own in a daemon thread; returns the root URL."""
        if self._thread is not None:
            raise RuntimeError("the stand-in is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as error:
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                _cancel_pending(loop)
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()

        thread = threading.Thread(target=run, name="telegram-standin", daemon=True)
        thread.start()
        if not ready.wait(timeout_s):
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_s)
            raise TimeoutError("the Telegram stand-in did not start in time")
        if failure:
            thread.join(timeout_s)
            raise failure[0]
        self._thread, self._thread_loop = thread, loop
        return self.root

    def stop(self, timeout_s: float = 5.0) -> None:
        thread, loop = self._thread, self._thread_loop
        if thread is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.shutdown(), loop).result(timeout_s)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_s)
            self._thread = self._thread_loop = None
        if thread.is_alive():
            raise TimeoutError("the Telegram stand-in did not stop in time")

    def __enter__(self) -> TelegramStandin:
        self.start_in_thread()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- test controls ---

    def register_chat(
        self,
        chat_id: int,
        chat_type: Literal["private", "group", "supergroup", "channel"] | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
    ) -> JSON:
        """Make a chat known (needed with known_chats_only) and fix its type."""
        with self._lock:
            chat = self._new_chat(chat_id, chat_type, title=title, username=username)
            self._chats[chat_id] = chat
            return dict(chat)

    def push_update(self, update: Mapping[str, Any]) -> JSON:
        """Queue an update for getUpdates; assigns update_id when missing. Returns the update."""
        stored = copy.deepcopy(dict(update))
        with self._lock:
            if "update_id" not in stored:
                stored["update_id"] = self._last_update_id + 1
            update_id = int(stored["update_id"])
            self._last_update_id = max(self._last_update_id, update_id)
            self._learn_from_update(stored)
            self._updates.append(stored)
            self._updates.sort(key=lambda u: int(u["update_id"]))
        self._notify()
        return copy.deepcopy(stored)

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "de",
    ) -> JSON:
        """A user's text message; a leading /command gets its bot_command entity like on
        Telegram (PTB's CommandHandler ignores commands without it)."""
        message = self._user_message(chat_id, user_id, first_name, language_code)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
            ]
        return self.push_update({"message": message})

    def push_location(
        self,
        chat_id: int,
        latitude: float,
        longitude: float,
        *,
        user_id: int | None = None,
        live_period: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "de",
    ) -> JSON:
        message = self._user_message(chat_id, user_id, first_name, language_code)
        location: JSON = {"latitude": latitude, "longitude": longitude}
        if live_period is not None:
            location["live_period"] = live_period
        message["location"] = location
        return self.push_update({"message": message})

    def push_venue(
        self,
        chat_id: int,
        latitude: float,
        longitude: float,
        title: str,
        address: str,
        *,
        user_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "de",
    ) -> JSON:
        """A place picked in the attachment menu: Telegram sends it as a venue and repeats its
        coordinates as the message's location."""
        message = self._user_message(chat_id, user_id, first_name, language_code)
        location: JSON = {"latitude": latitude, "longitude": longitude}
        message["location"] = location
        message["venue"] = {"location": dict(location), "title": title, "address": address}
        return self.push_update({"message": message})

    def push_callback(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        first_name: str = "Test",
    ) -> JSON:
        """A tap on an inline button of the bot's message `message_id`."""
        with self._lock:
            chat = self._chat_or_new(chat_id)
            message = self._messages.get(chat_id, {}).get(message_id)
            self._last_query_id += 1
            query_id = str(self._last_query_id)
        query: JSON = {
            "id": query_id,
            "from": self._user(chat_id, user_id, first_name, "de"),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            # date 0 marks an inaccessible message, as Telegram does for ones it cannot show
            "message": copy.deepcopy(message)
            if message is not None
            else {"message_id": message_id, "chat": chat, "date": 0},
        }
        return self.push_update({"callback_query": query})

    def set_member_status(
        self,
        chat_id: int,
        user_id: int,
        status: Literal["creator", "administrator", "member", "restricted", "left", "kicked"],
    ) -> None:
        """What getChatMember says about a user in a group (default: "member")."""
        with self._lock:
            self._members[(chat_id, user_id)] = status

    @property
    def webhook_answers(self) -> list[tuple[int, int]]:
        """(update_id, HTTP status) of every webhook delivery attempt, in order."""
        with self._lock:
            return list(self._webhook_answers)

    def block(self, chat_id: int) -> None:
        """From now on sends to this chat answer 403 (the user blocked the bot)."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def fail_next(
        self,
        method: str,
        status: int,
        retry_after: int | None = None,
        *,
        description: str | None = None,
    ) -> None:
        """The next call of `method` fails with this status; failures queue up. "*" matches any
        method but getUpdates, which fails only when named (a poll would swallow it)."""
        if status == 429:
            wait = 1 if retry_after is None else retry_after
            error = _too_many(wait)
            if description:
                error.description = description
        else:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = "Error"
            error = ApiError(status, description or phrase)
        with self._lock:
            self._failures.setdefault(method.lower(), deque()).append(error)

    def stall_next(self, method: str, seconds: float) -> None:
        """The next call of `method` is answered only after `seconds` (a client timeout)."""
        with self._lock:
            self._stalls.setdefault(method.lower(), deque()).append(seconds)

    @property
    def sent(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._sent)

    def calls(self, method: str | None = None, chat_id: ChatId | None = None) -> list[RecordedCall]:
        with self._lock:
            return [
                call
                for call in self._sent
                if (method is None or call.method.lower() == method.lower())
                and (chat_id is None or call.chat_id == chat_id)
            ]

    def messages(self, chat_id: ChatId) -> list[JSON]:
        """The bot's messages in a chat as Telegram holds them now (edits applied)."""
        with self._lock:
            return copy.deepcopy(list(self._messages.get(chat_id, {}).values()))

    @property
    def polls(self) -> list[float]:
        """When each getUpdates request arrived (the clock's time, before any stall): a
        client's first poll is when it became ready to receive."""
        with self._lock:
            return list(self._polls)

    @property
    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    @property
    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        with self._lock:
            return copy.deepcopy(self._commands.get(_scope_key(scope, language_code), []))

    def clear_records(self) -> None:
        """Forget recorded calls, violations and rate windows (between benchmark rounds)."""
        with self._lock:
            self._sent.clear()
            self._polls.clear()
            self._violations.clear()
            self._overall_window.clear()
            self._chat_windows.clear()

    # --- HTTP ---

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.match_info["tail"]
        match = re.fullmatch(r"bot([^/]*)/([A-Za-z]+)/?", path)
        if match is None:
            return _json_response(ApiError(404, "Not Found").body(), 404)
        if match.group(1) != self._token:
            return _json_response(ApiError(401, "Unauthorized").body(), 401)
        method = match.group(2)
        key = method.lower()
        params: JSON = {}
        with self._lock:
            if key == "getupdates":
                self._polls.append(self._clock())
            stalls = self._stalls.get(key)
            delay = self._latency_s + (stalls.popleft() if stalls else 0.0)
        if delay > 0:
            await self._pause(delay)
        try:
            params = await self._read_params(request)
            if key == "getupdates":
                return _json_response({"ok": True, "result": await self._get_updates(params)})
            handler = self._methods.get(key)
            if handler is None:
                raise ApiError(404, "Not Found")
            with self._lock:
                self._take_failure(key)
                result = handler(params)
                self._record(method, params, 200, None)
            return _json_response({"ok": True, "result": result})
        except ApiError as error:
            if key != "getupdates":
                with self._lock:
                    self._record(method, params, error.status, error.description)
            return _json_response(error.body(), error.status)

    async def _pause(self, seconds: float) -> None:
        closed = self._closed
        if closed is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closed.wait(), seconds)

    async def _read_params(self, request: web.Request) -> JSON:
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON encoded request") from None
                if not isinstance(body, dict):
                    raise _bad("can't parse JSON encoded request")
                raw.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                for name, value in form.items():
                    raw[name] = (
                        value
                        if isinstance(value, str)
                        else f"<file {getattr(value, 'filename', '')}>"
                    )
        return decode_params(raw)

    # --- state helpers (called with the lock held) ---

    def _record(self, method: str, params: JSON, status: int, description: str | None) -> None:
        chat_id = params.get("chat_id")
        self._sent.append(
            RecordedCall(
                method=method,
                chat_id=chat_id if isinstance(chat_id, int | str) else None,
                params=copy.deepcopy(params),
                at=self._clock(),
                status=status,
                description=description,
            )
        )

    def _take_failure(self, key: str) -> None:
        for name in (key, "*"):
            queue = self._failures.get(name)
            if queue:
                raise queue.popleft()

    def _new_chat(
        self,
        chat_id: int,
        chat_type: str | None,
        *,
        title: str | None = None,
        username: str | None = None,
    ) -> JSON:
        if chat_type is None:
            if chat_id > 0:
                chat_type = "private"
            else:
                chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = title or f"User {chat_id}"
        else:
            chat["title"] = title or f"Group {chat_id}"
        if username:
            chat["username"] = username.removeprefix("@")
        return chat

    def _chat_or_new(self, chat_id: int) -> JSON:
        if chat_id not in self._chats:
            self._chats[chat_id] = self._new_chat(chat_id, None)
        return dict(self._chats[chat_id])

    def _chat(self, params: JSON) -> JSON:
        """The target chat of a call: known, or any non-zero id unless known_chats_only."""
        chat_id = params.get("chat_id")
        if chat_id is None:
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            for known in self._chats.values():
                if str(known.get("username", "")).lower() == name:
                    return known
            raise _bad("chat not found")
        if chat_id not in self._chats:
            if self._known_chats_only or chat_id == 0:
                raise _bad("chat not found")
            self._chats[chat_id] = self._new_chat(chat_id, None)
        return self._chats[chat_id]

    def _check_blocked(self, chat: JSON) -> None:
        if chat["id"] in self._blocked:
            if chat["type"] == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat['type']} chat")

    def _user(
        self, chat_id: int, user_id: int | None, first_name: str, language_code: str | None
    ) -> JSON:
        user: JSON = {
            "id": user_id if user_id is not None else abs(chat_id),
            "is_bot": False,
            "first_name": first_name,
        }
        if language_code:
            user["language_code"] = language_code
        return user

    def _user_message(
        self, chat_id: int, user_id: int | None, first_name: str, language_code: str | None
    ) -> JSON:
        with self._lock:
            chat = self._chat_or_new(chat_id)
            message_id = self._next_message_id(chat_id)
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(chat_id, user_id, first_name, language_code),
        }

    def _next_message_id(self, chat_id: ChatId) -> int:
        # user and bot messages share one counter per chat, as in a private chat on Telegram
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _learn_from_update(self, update: JSON) -> None:
        for kind in ("message", "edited_message", "channel_post", "my_chat_member"):
            payload = update.get(kind)
            if isinstance(payload, dict) and isinstance(payload.get("chat"), dict):
                chat = payload["chat"]
                chat_id = chat.get("id")
                if isinstance(chat_id, int):
                    self._chats.setdefault(chat_id, dict(chat))
                    message_id = payload.get("message_id")
                    if isinstance(message_id, int):
                        last = self._last_message_id.get(chat_id, 0)
                        self._last_message_id[chat_id] = max(last, message_id)
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._open_queries.add(str(query["id"]))

    def _store(self, chat: JSON, body: JSON, reply_markup: JSON | None) -> JSON:
        message: JSON = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": dict(chat),
            "from": dict(self.bot_user),
            **body,
        }
        if reply_markup is not None:
            message["reply_markup"] = reply_markup
        self._messages.setdefault(chat["id"], {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _count_send(self, chat: JSON, method: str) -> None:
        """Slide the windows; a send over any limit is a violation (and a 429 when enforcing)."""
        limits = self._limits
        if limits is None:
            return
        now = self._clock()
        group = chat["type"] in GROUP_TYPES
        window_s = 60.0 if group else 1.0
        cap = limits.per_group_per_minute if group else limits.per_chat_per_second
        chat_window = self._chat_windows.setdefault(chat["id"], deque())
        checks = (
            ("overall", self._overall_window, 1.0, limits.overall_per_second),
            ("per_group" if group else "per_chat", chat_window, window_s, cap),
        )
        broken: list[str] = []
        wait_s = 0.0
        for rule, window, span, limit in checks:
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                broken.append(rule)
                # the send fits once enough of the oldest entries have left the window
                oldest_to_leave = window[len(window) - limit] if limit > 0 else now
                wait_s = max(wait_s, oldest_to_leave + span - now)
        if broken:
            self._violations.append(Violation(chat["id"], method, tuple(broken), now))
            if self._enforce:
                raise _too_many(max(1, math.ceil(wait_s)))
        self._overall_window.append(now)
        chat_window.append(now)

    # --- methods (called with the lock held) ---

    def _send_message(self, params: JSON) -> JSON:
        chat = self._chat(params)
        self._check_blocked(chat)
        text, entities = _message_text(params)
        markup = _check_markup(params.get("reply_markup"))
        self._count_send(chat, "sendMessage")
        body: JSON = {"text": text}
        if entities:
            body["entities"] = entities
        return self._store(chat, body, markup)

    def _edit_message_text(self, params: JSON) -> JSON:
        if "inline_message_id" in params:
            raise _bad("inline messages are not supported by the stand-in")
        chat = self._chat(params)
        self._check_blocked(chat)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        text, entities = _message_text(params)
        markup = _check_markup(params.get("reply_markup"), inline_only=True)
        message = self._messages.get(chat["id"], {}).get(message_id)
        if message is None:
            raise _bad("message to edit not found")
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        if (
            message["text"] == text
            and message.get("entities") == entities
            and message.get("reply_markup") == markup
        ):
            raise _bad(
                "message is not modified: specified new message content and reply markup are"
                " exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        message["edit_date"] = int(time.time())
        for name, value in (("entities", entities), ("reply_markup", markup)):
            if value:
                message[name] = value
            else:
                message.pop(name, None)
        return copy.deepcopy(message)

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        return True

    def _location(self, params: JSON) -> JSON:
        latitude, longitude = params.get("latitude"), params.get("longitude")
        if not isinstance(latitude, float) or not -90.0 <= latitude <= 90.0:
            raise _bad("wrong latitude specified")
        if not isinstance(longitude, float) or not -180.0 <= longitude <= 180.0:
            raise _bad("wrong longitude specified")
        return {"latitude": latitude, "longitude": longitude}

    def _send_location(self, params: JSON) -> JSON:
        chat = self._chat(params)
        self._check_blocked(chat)
        location = self._location(params)
        live_period = params.get("live_period")
        if live_period is not None:
            if not (60 <= live_period <= 86400 or live_period == 0x7FFFFFFF):
                raise _bad("wrong live period specified")
            location["live_period"] = live_period
        if "horizontal_accuracy" in params:
            location["horizontal_accuracy"] = params["horizontal_accuracy"]
        markup = _check_markup(params.get("reply_markup"))
        self._count_send(chat, "sendLocation")
        return self._store(chat, {"location": location}, markup)

    def _send_venue(self, params: JSON) -> JSON:
        chat = self._chat(params)
        self._check_blocked(chat)
        location = self._location(params)
        title, address = params.get("title"), params.get("address")
        if not isinstance(title, str) or not title.strip():
            raise _bad("venue title is empty")
        if not isinstance(address, str) or not address.strip():
            raise _bad("venue address is empty")
        markup = _check_markup(params.get("reply_markup"))
        self._count_send(chat, "sendVenue")
        venue: JSON = {"location": location, "title": title, "address": address}
        return self._store(chat, {"venue": venue, "location": dict(location)}, markup)

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("command description is empty or too long")
        key = _scope_key(params.get("scope"), str(params.get("language_code") or ""))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        key = _scope_key(params.get("scope"), str(params.get("language_code") or ""))
        return copy.deepcopy(self._commands.get(key, []))

    def _delete_my_commands(self, params: JSON) -> bool:
        key = _scope_key(params.get("scope"), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    def _set_webhook(self, params: JSON) -> bool:
        # Recorded only: updates are not posted to the URL.
        url = params.get("url")
        if not url:
            self._webhook = None
            return True
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad("secret token contains unallowed characters")
        self._webhook = {"url": url, "max_connections": params.get("max_connections", 40)}
        self._webhook_secret = None if secret is None else str(secret)
        if isinstance(params.get("allowed_updates"), list):
            self._webhook["allowed_updates"] = params["allowed_updates"]
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return True

    def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._chat(params)
        user_id = _decode_int("user_id", params.get("user_id"))
        status = self._members.get((chat["id"], user_id), "member")
        if chat["type"] == "private":
            status = "member" if user_id == chat["id"] else "left"
        user: JSON = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        member: JSON = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {name: name in ("can_manage_chat", "can_invite_users") for name in _ADMIN_RIGHTS}
            )
        elif status == "restricted":
            member.update({name: True for name in _MEMBER_PERMISSIONS})
            member["until_date"] = 0
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _delete_webhook(self, params: JSON) -> bool:
        self._webhook = None
        self._webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info.update(self._webhook)
        return info

    # --- long polling ---

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = params.get("offset")
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = max(float(params.get("timeout", 0)), 0.0)
        with self._lock:
            failures = self._failures.get("getupdates")
            if failures:
                raise failures.popleft()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(timeout, self._max_long_poll_s)
        # as on Telegram, a getUpdates while another one waits ends the waiting one with 409
        me = _Poll()
        with self._lock:
            if self._poll is not None:
                self._poll.superseded = True
            self._poll = me
        self._notify()
        try:
            while True:
                wake = self._wake
                with self._lock:
                    if me.superseded:
                        raise ApiError(
                            409,
                            "Conflict: terminated by other getUpdates request; make sure that"
                            " only one bot instance is running",
                        )
                    if self._webhook is not None:
                        raise ApiError(
                            409,
                            "Conflict: can't use getUpdates method while webhook is active;"
                            " use deleteWebhook to delete the webhook first",
                        )
                    self._confirm(offset)
                    batch = copy.deepcopy(self._updates[:limit])
                remaining = deadline - loop.time()
                if batch or self._closing or remaining <= 0 or wake is None:
                    return batch
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), remaining)
        finally:
            with self._lock:
                if self._poll is me:
                    self._poll = None

    # --- webhook delivery ---

    async def _pump_webhook(self) -> None:
        """While a webhook is set, POST each update to it in order, as Telegram does: the next
        one only after a 2xx, retrying (here quickly) until then."""
        async with aiohttp.ClientSession() as session:
            while not self._closing:
                wake = self._wake
                with self._lock:
                    hook = None if self._webhook is None else dict(self._webhook)
                    secret = self._webhook_secret
                    update = copy.deepcopy(self._updates[0]) if self._updates else None
                if hook is None or update is None:
                    if wake is not None:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(wake.wait(), 0.5)
                    continue
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                try:
                    async with session.post(
                        hook["url"], json=update, headers=headers, timeout=aiohttp.ClientTimeout(10)
                    ) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0  # unreachable: Telegram keeps the update and tries again
                with self._lock:
                    self._webhook_answers.append((int(update["update_id"]), status))
                    if 200 <= status < 300:
                        self._updates = [
                            u for u in self._updates if u["update_id"] != update["update_id"]
                        ]
                if not 200 <= status < 300:
                    await self._pause(0.1)

    def _confirm(self, offset: int | None) -> None:
        """Forget confirmed updates: those below a positive offset, or all but the last -offset
        for a negative one."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            del self._updates[: max(len(self._updates) + offset, 0)]
        else:
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]

    def _notify(self) -> None:
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed in the meantime
            loop.call_soon_threadsafe(self._swap_wake)

    def _swap_wake(self) -> None:
        # a fresh event per wake-up lets every waiting poll see it without clearing races
        old, self._wake = self._wake, asyncio.Event()
        if old is not None:
            old.set()


def _scope_key(scope: Any, language_code: str) -> tuple[str, str]:
    normalised = scope if isinstance(scope, dict) else {"type": "default"}
    return json.dumps(normalised, sort_keys=True), language_code


def _json_response(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


__all__: list[str] = [
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_TEXT_LENGTH",
    "TELEGRAM_LIMITS",
    "ApiError",
    "RateLimits",
    "RecordedCall",
    "TelegramStandin",
    "Violation",
    "decode_params",
    "parse_html",
    "utf16_length",
]
