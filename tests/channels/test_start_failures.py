"""`ehrenamt run` as a real process when what it needs is not there: a database server not
listening, a database that does not exist, a Bot API or a homeserver not reachable. Each ends
with exit code 2 and one line naming the problem, after one line per retry where waiting may
help; never a traceback, never a secret."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.channels.service import run_to_the_end, shipped_config
from tests.channels.telegram.support import TOKEN
from tools.telegram_standin import TelegramStandin

QUICK = {"attempts": 3, "first_delay_seconds": 0.1}  # two retries, a fraction of a second
DB_PASSWORD = "Db-Passw0rd_do-not-print"
MATRIX_TOKEN = "syt_matrix-access-token-do-not-print"


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening: connections are refused
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _config(tmp_path: Path) -> dict[str, Any]:
    config = shipped_config(tmp_path)
    config["startup"] = dict(QUICK)
    return config


def _assert_one_line_failure(
    result: subprocess.CompletedProcess[str], problem: str, retries: int, secrets: list[str]
) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[-1].startswith("error: "), result.stderr
    assert problem in lines[-1]
    assert len([line for line in lines if "trying again" in line]) == retries, result.stderr
    assert len(lines) <= retries + 2, result.stderr  # at most one more: the NLU trained
    for secret in secrets:
        assert secret not in result.stdout + result.stderr


def test_a_database_server_not_listening(tmp_path: Path) -> None:
    config = _config(tmp_path)
    config["database"]["url"] = "${DATABASE_URL}"
    port = _closed_port()
    url = f"postgresql+psycopg://bot:{DB_PASSWORD}@127.0.0.1:{port}/ehrenamt"
    result = run_to_the_end(config, tmp_path, {"DATABASE_URL": url})
    where = f"database postgresql+psycopg://bot:***@127.0.0.1:{port}/ehrenamt"
    _assert_one_line_failure(
        result, f"{where} is not reachable: connection refused", 2, [DB_PASSWORD]
    )
    retry = result.stderr.splitlines()[0]
    assert retry.endswith(
        f"{where} is not reachable: connection refused; trying again in 0.1 s (attempt 2 of 3)"
    )


def _test_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: set TEST_DATABASE_URL")
        pytest.skip("needs a PostgreSQL server: set TEST_DATABASE_URL")
    return url


@pytest.mark.parametrize("wrong", ["database", "username"])
def test_a_database_that_refuses_fails_at_once(tmp_path: Path, wrong: str) -> None:
    missing = f"nobody_{uuid.uuid4().hex[:8]}"
    url = make_url(_test_server_url()).set(password=DB_PASSWORD, **{wrong: missing})
    config = _config(tmp_path)
    config["database"]["url"] = "${DATABASE_URL}"
    secrets = {"DATABASE_URL": url.render_as_string(hide_password=False)}
    result = run_to_the_end(config, tmp_path, secrets)
    what = "database" if wrong == "database" else "role"
    _assert_one_line_failure(
        result, f'cannot be used: {what} "{missing}" does not exist', 0, [DB_PASSWORD]
    )


def test_a_bot_api_not_reachable(tmp_path: Path) -> None:
    config = _config(tmp_path)
    port = _closed_port()
    config["channels"]["telegram"].update(enabled=True, api_url=f"http://127.0.0.1:{port}")
    result = run_to_the_end(config, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})
    _assert_one_line_failure(
        result,
        f"cannot reach the Telegram Bot API at http://127.0.0.1:{port}: connection refused",
        2,
        [TOKEN],
    )


def test_a_rejected_bot_token_fails_at_once(tmp_path: Path) -> None:
    config = _config(tmp_path)
    with TelegramStandin("999:another-bots-token") as api:
        config["channels"]["telegram"].update(enabled=True, api_url=api.root)
        result = run_to_the_end(config, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})
    _assert_one_line_failure(result, "Telegram rejected the bot token", 0, [TOKEN])


def test_a_webhook_port_in_use_fails_at_once(tmp_path: Path) -> None:
    config = _config(tmp_path)
    secrets = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "hook-secret-1"}
    with TelegramStandin(TOKEN) as api, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config["channels"]["telegram"].update(
            enabled=True,
            api_url=api.root,
            mode="webhook",
            webhook={
                "public_url": "https://bot.example.org:8443/telegram",
                "listen": "127.0.0.1",
                "port": port,
                "secret_token": "${TELEGRAM_WEBHOOK_SECRET}",
            },
        )
        result = run_to_the_end(config, tmp_path, secrets)
    _assert_one_line_failure(
        result, f"the webhook cannot listen on 127.0.0.1:{port}: address already in use", 0, [TOKEN]
    )


def test_a_homeserver_not_reachable(tmp_path: Path) -> None:
    config = _config(tmp_path)
    port = _closed_port()
    config["channels"]["matrix"].update(enabled=True, homeserver=f"http://127.0.0.1:{port}")
    result = run_to_the_end(config, tmp_path, {"MATRIX_ACCESS_TOKEN": MATRIX_TOKEN})
    _assert_one_line_failure(
        result,
        f"cannot reach the Matrix homeserver http://127.0.0.1:{port}: connection refused",
        2,
        [MATRIX_TOKEN],
    )
