"""The bot token never reaches a log line.

Telegram's API puts the token into every URL, and python-telegram-bot (its own base URL at
DEBUG), httpx (each request at INFO) and exceptions (a failed request's URL) all log URLs, under
many logger names. A filter on a logger misses its children and handlers added later (a test's
capture, an operator's file), so the redaction sits where every record is born: the log record
factory replaces each guarded token in the message and in a traceback's text."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Final

REPLACEMENT: Final = "<token>"
_tokens: set[str] = set()
_lock = threading.Lock()
_installed = False
_formatter = logging.Formatter()


def _redact(text: str) -> str:
    for token in _tokens:
        text = text.replace(token, REPLACEMENT)
    return text


def _wrap(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the handler's to report, not ours
            return record
        if any(token in message for token in _tokens):
            record.msg, record.args = _redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = _formatter.formatException(record.exc_info)
            if any(token in text for token in _tokens):
                # formatters use exc_text when set instead of formatting exc_info again
                record.exc_text = _redact(text)
        return record

    return redacting_factory


def guard_token(token: str) -> None:
    """From now on, `token` is replaced in every log record of this process."""
    global _installed
    if not token:
        return
    with _lock:
        _tokens.add(token)
        if not _installed:
            logging.setLogRecordFactory(_wrap(logging.getLogRecordFactory()))
            _installed = True
