"""Logging for the `ehrenamt` command: our own loggers at the chosen level, libraries never below
WARNING, every configured secret redacted.

Libraries log what people wrote: at DEBUG python-telegram-bot logs each request and response
body (names, texts, phone numbers, coordinates, setWebhook's secret_token), httpx and httpcore
the requests, matrix-nio and aiohttp the same for Matrix; httpx logs every URL at INFO. So
whatever level the operator picks, a library's records below WARNING are not even created, and a
filter on the handler drops any that a library's own level setting would let through. Even at
WARNING a library may dump an object (nio's event validation prints the whole event, text and
all): a library's message is cut to its first line, which says what happened.

Our own code logs ids, never texts, names or coordinates, so it may go down to DEBUG.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Final, TextIO

from bot.redaction import guard

__all__ = ["DEFAULT_LEVEL", "LEVELS", "OWN_LOGGERS", "configured", "guard_secrets", "parse_level"]

# the top-level packages of this project; every other logger is a library's
OWN_LOGGERS: Final = ("bot", "domain", "ehrenamt", "matching", "nlu", "storage")
# set explicitly as well as through the root, in case one sets a lower level of its own
LIBRARY_LOGGERS: Final = (
    "aiohttp",
    "alembic",
    "apscheduler",
    "asyncio",
    "h2",
    "hpack",
    "httpcore",
    "httpx",
    "nio",
    "peewee",
    "py.warnings",
    "sqlalchemy",
    "telegram",
    "urllib3",
)
LIBRARY_FLOOR: Final = logging.WARNING
LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_LEVEL: Final = "INFO"
FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CUT: Final = " […]"


def parse_level(text: str) -> int:
    """`info` or `INFO` → logging.INFO; anything else is a ValueError naming the choices."""
    name = text.strip().upper()
    if name not in LEVELS:
        raise ValueError(f"unknown log level {text!r} (use one of {', '.join(LEVELS)})")
    level: int = getattr(logging, name)
    return level


def is_own(logger_name: str) -> bool:
    return logger_name.partition(".")[0] in OWN_LOGGERS


class LibraryGate(logging.Filter):
    """Lets our records through; a library's only from WARNING on, cut to its first line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if is_own(record.name):
            return True
        if record.levelno < LIBRARY_FLOOR:
            return False
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the formatter reports it
            return True
        first, newline, _ = message.partition("\n")
        if newline:
            record.msg, record.args = first + _CUT, None
        return True


def guard_secrets(secrets: Iterable[tuple[str, str]]) -> None:
    """Keep each (label, secret) out of every log line from now on."""
    for label, secret in secrets:
        guard(secret, label)


@contextmanager
def configured(level: int, stream: TextIO | None = None) -> Iterator[None]:
    """Log to `stream` (stderr) at `level` for our loggers, at least WARNING for libraries,
    Python warnings included; what was set before is restored afterwards, so a test that runs
    the command in-process leaves the logging of the rest of the session as it was."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(LibraryGate())
    library_level = max(level, LIBRARY_FLOOR)
    names = (*OWN_LOGGERS, *LIBRARY_LOGGERS)
    saved_levels = {name: logging.getLogger(name).level for name in names}
    saved_root = (root.level, list(root.handlers))
    root.handlers = [handler]
    root.setLevel(library_level)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    # warnings become records: formatted, cut and redacted like any other library line
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        for name, saved in saved_levels.items():
            logging.getLogger(name).setLevel(saved)
        root.setLevel(saved_root[0])
        root.handlers = saved_root[1]
        handler.close()
