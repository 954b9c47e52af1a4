"""Logging for the `ehrenamt` command: our loggers at the chosen level, libraries held at WARNING
and cut to one line, every secret of the configuration redacted."""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import parse_config
from bot.logs import LIBRARY_LOGGERS, configured, guard_secrets, parse_level

SHIPPED = Path(__file__).resolve().parents[2] / "config.yml"


@pytest.fixture
def shipped_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    return data


def test_levels_are_named_in_any_case_and_nothing_else() -> None:
    assert parse_level("debug") == logging.DEBUG
    assert parse_level(" WARNING ") == logging.WARNING
    with pytest.raises(ValueError, match="unknown log level 'verbose'"):
        parse_level("verbose")


def test_at_debug_our_loggers_speak_and_libraries_stay_at_warning() -> None:
    stream = io.StringIO()
    with configured(logging.DEBUG, stream):
        logging.getLogger("bot.channels.telegram.channel").debug("ours at debug")
        logging.getLogger("telegram.ext.ExtBot").debug("body {'text': 'Hallo Anna'}")
        logging.getLogger("httpx").info("HTTP Request: POST http://x/sendMessage")
        logging.getLogger("nio.events.misc").warning("Error validating event\n{'body': 'Anna'}")
        logging.getLogger("apscheduler.scheduler").error("job failed")
    lines = stream.getvalue().splitlines()
    assert [line.split(" ", 3)[-1] for line in lines] == [
        "bot.channels.telegram.channel: ours at debug",
        "nio.events.misc: Error validating event […]",
        "apscheduler.scheduler: job failed",
    ]


def test_a_library_that_lowers_its_own_level_is_held_back_by_the_handler() -> None:
    stream = io.StringIO()
    with configured(logging.DEBUG, stream):
        chatty = logging.getLogger("somelibrary.client")
        chatty.setLevel(logging.DEBUG)
        try:
            chatty.debug("request body: phone +4915799912345")
        finally:
            chatty.setLevel(logging.NOTSET)
    assert stream.getvalue() == ""


def test_warnings_become_one_line_records() -> None:
    stream = io.StringIO()
    with configured(logging.INFO, stream):
        warnings.warn("something odd", UserWarning, stacklevel=1)
    (line,) = stream.getvalue().splitlines()
    assert "WARNING py.warnings:" in line
    assert "UserWarning: something odd […]" in line


def test_what_was_set_before_is_restored() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    telegram_level = logging.getLogger("telegram").level
    with configured(logging.DEBUG, io.StringIO()):
        assert logging.getLogger("telegram").level == logging.WARNING
        assert logging.getLogger("bot").level == logging.DEBUG
    assert root.handlers == handlers
    assert root.level == level
    assert logging.getLogger("telegram").level == telegram_level
    assert "telegram" in LIBRARY_LOGGERS


def _config_with_every_secret(shipped_data: dict[str, Any]) -> dict[str, str]:
    environ = {
        "TELEGRAM_BOT_TOKEN": "111:shared-bot-token",
        "TELEGRAM_WEBHOOK_SECRET": "webhook-secret-value",
        "MATRIX_ACCESS_TOKEN": "syt_shared-access-token",
        "STOLBERG_MATRIX_PASSWORD": "stolberg-matrix-password",
        "DATABASE_URL": "postgresql+psycopg://bot:p%40ss-w0rd@db.example.org/ehrenamt",
    }
    shipped_data["database"]["url"] = "${DATABASE_URL}"
    telegram = shipped_data["channels"]["telegram"]
    telegram["webhook"]["secret_token"] = "${TELEGRAM_WEBHOOK_SECRET}"
    shipped_data["channels"]["matrix"]["enabled"] = False  # a secret set is a secret all the same
    stolberg = next(m for m in shipped_data["municipalities"] if m["key"] == "stolberg")
    stolberg["matrix"] = {
        "user_id": "@ehrenamt:stolberg.de",
        "password": "${STOLBERG_MATRIX_PASSWORD}",
        "homeserver": "https://matrix.stolberg.de",
    }
    return environ


def test_every_secret_of_the_config_is_kept_out_of_log_lines(
    shipped_data: dict[str, Any],
) -> None:
    environ = _config_with_every_secret(shipped_data)
    config = parse_config(shipped_data, environ)
    secrets = dict((value, label) for label, value in config.secrets())
    assert secrets == {
        "111:shared-bot-token": "token",
        "webhook-secret-value": "secret_token",
        "syt_shared-access-token": "access_token",
        "stolberg-matrix-password": "password",
        "p%40ss-w0rd": "password",
        "p@ss-w0rd": "password",  # as the driver gets it
    }
    guard_secrets(config.secrets())
    stream = io.StringIO()
    with configured(logging.DEBUG, stream):
        log = logging.getLogger("bot.test")
        for value in secrets:
            log.info("request with %s", value)
        try:
            raise RuntimeError("failed for p@ss-w0rd")
        except RuntimeError:
            log.exception("with a traceback")
    logged = stream.getvalue()
    assert [value for value in secrets if value in logged] == []
    assert "request with <token>" in logged
    assert "request with <secret_token>" in logged
    assert "RuntimeError: failed for <password>" in logged
