"""No secret reaches a log line: bot tokens, the webhook secret, Matrix access tokens and
passwords, the database password.

Libraries put secrets where they log: Telegram's API has the token in every URL, which
python-telegram-bot (its base URL at DEBUG), httpx (each request at INFO) and exceptions (a failed
request's URL) all log; matrix-nio sends its access token as a URL parameter; setWebhook's body
carries the secret. They log under many logger names, and a filter on a logger misses its children
and handlers added later (a test's capture, an operator's file), so the redaction sits where every
record is born: the log record factory replaces each guarded secret in the message and in a
traceback's text. `redact` does the same for text that leaves the process another way (the
CLI's error line)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Final

TOKEN: Final = "token"
# secret → what stands in for it ("<token>"), longest first so that a secret containing
# another is replaced whole
_secrets: dict[str, str] = {}
_lock = threading.Lock()
_installed = False
_formatter = logging.Formatter()


def redact(text: str) -> str:
    """`text` with every guarded secret replaced by its label."""
    for secret, replacement in tuple(_secrets.items()):
        if secret in text:
            text = text.replace(secret, replacement)
    return text


def _holds_secret(text: str) -> bool:
    return any(secret in text for secret in tuple(_secrets))


def _wrap(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the handler's to report, not ours
            return record
        if _holds_secret(message):
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = _formatter.formatException(record.exc_info)
            if _holds_secret(text):
                # formatters use exc_text when set instead of formatting exc_info again
                record.exc_text = redact(text)
        return record

    return redacting_factory


def guard(secret: str, label: str = "secret") -> None:
    """From now on, `secret` is replaced by `<label>` in every log record of this process."""
    global _installed, _secrets
    if not secret:
        return
    with _lock:
        merged = {**_secrets, secret: _secrets.get(secret, f"<{label}>")}
        _secrets = dict(sorted(merged.items(), key=lambda item: -len(item[0])))
        if not _installed:
            logging.setLogRecordFactory(_wrap(logging.getLogRecordFactory()))
            _installed = True


def guard_token(token: str) -> None:
    """A bot token: shown as `<token>`."""
    guard(token, TOKEN)
