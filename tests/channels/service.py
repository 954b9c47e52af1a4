"""`ehrenamt run` as a real process, as a service manager starts it, for the channels' run tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.postgres import fresh_database

ROOT = Path(__file__).resolve().parents[2]


def shipped_config(tmp_path: Path) -> dict[str, Any]:
    """The shipped config.yml with its own SQLite database and no console."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["database"]["url"] = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    config["channels"]["console"]["enabled"] = False
    return config


def _command(
    config: dict[str, Any],
    tmp_path: Path,
    secrets: dict[str, str],
    log_level: str | None,
    file_name: str = "config.yml",
) -> tuple[list[str], dict[str, str]]:
    path = tmp_path / file_name
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    environ = {name: value for name, value in os.environ.items() if name != "LOG_LEVEL"}
    environ.update(secrets)
    if log_level is not None:
        environ["LOG_LEVEL"] = log_level
    return [sys.executable, "-m", "bot.cli", "--config", str(path), "run"], environ


def start_run(
    config: dict[str, Any],
    tmp_path: Path,
    secrets: dict[str, str],
    log_level: str | None = "INFO",
    *,
    log: Path | None = None,
    name: str = "config.yml",
) -> subprocess.Popen[str]:
    """`python -m bot.cli run` with this config and the secrets in its environment, at this
    LOG_LEVEL (None: the command's default); its output in pipes, or appended to `log` (a long
    run would fill a pipe nobody reads)."""
    command, environ = _command(config, tmp_path, secrets, log_level, name)
    output: Any = subprocess.PIPE if log is None else log.open("a", encoding="utf-8")
    try:
        return subprocess.Popen(
            command,
            cwd=tmp_path,
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT if log is not None else subprocess.PIPE,
            text=True,
        )
    finally:
        if log is not None:
            output.close()  # the child has its own copy


def run_to_the_end(
    config: dict[str, Any],
    tmp_path: Path,
    secrets: dict[str, str],
    timeout_s: float = 90,
) -> subprocess.CompletedProcess[str]:
    """`python -m bot.cli run` at its default log level, for a start that is to fail."""
    command, environ = _command(config, tmp_path, secrets, None)
    return subprocess.run(
        command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=timeout_s
    )


def wait_while_running(
    process: subprocess.Popen[str], done: Callable[[], bool], deadline: float, what: str
) -> None:
    """Poll (bounded by `deadline`, a time.monotonic value) until `done`; fail if the process
    ended first."""
    while not done():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the TEST_DATABASE_URL server, for processes that configure their
    own URL (no schema option to pass); dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: set TEST_DATABASE_URL")
        pytest.skip("PostgreSQL tests skipped: set TEST_DATABASE_URL")
    with fresh_database(url) as fresh:
        yield fresh
