"""`ehrenamt run` as a real process, as a service manager starts it, for the channels' run tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def shipped_config(tmp_path: Path) -> dict[str, Any]:
    """The shipped config.yml with its own SQLite database and no console."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["database"]["url"] = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    config["channels"]["console"]["enabled"] = False
    return config


def start_run(
    config: dict[str, Any], tmp_path: Path, secrets: dict[str, str]
) -> subprocess.Popen[str]:
    """`python -m bot.cli run` with this config and the secrets in its environment."""
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--config", str(path), "run"],
        cwd=tmp_path,
        env={**os.environ, **secrets, "LOG_LEVEL": "INFO"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
