"""The `ehrenamt` command as a new user runs it: check the config, load demo data, chat."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from storage.migrate import head_revision

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["database"]["url"] = f"sqlite:///{tmp_path / 'ehrenamt.sqlite3'}"
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _chat(config: Path, user: str, language: str, lines: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "--config",
            str(config),
            "chat",
            "--as",
            user,
            "--lang",
            language,
        ],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    )
    assert result.stderr == ""
    return result.stdout


def test_demo_data_then_chat_in_german_and_english(config_file: Path) -> None:
    demo = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config_file), "demo-data"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=True,
    )
    assert demo.stdout.startswith("Loaded ")
    assert "postings" in demo.stdout

    german = _chat(config_file, "anna", "de", "hallo\n/hilfe\n/quit\n")
    assert "Hallo! 👋 Schön, dass du da bist." in german
    assert "/hilfe – diese Übersicht" in german

    english = _chat(config_file, "priya", "en", "/start\nhello\n/help\n")
    assert "Welcome back, Priya S.!" in english
    assert "Hello! 👋 Nice that you're here." in english
    assert "/help – this overview" in english


def test_demo_data_twice_keeps_one_set(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config_file), "demo-data"]) == 0
    first = capsys.readouterr().out
    assert main(["--config", str(config_file), "demo-data"]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert main(["--config", str(config_file), "demo-data", "--replace"]) == 0
    assert capsys.readouterr().out == first


def test_db_upgrade_reports_the_revision(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config_file), "db", "upgrade"]) == 0
    head = head_revision()
    assert capsys.readouterr().out.strip() == f"schema revision: {head} (newest: {head})"


def test_a_bad_config_is_one_clear_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["municipalities"][1]["centre"]["lat"] = 95
    config["channels"]["telegram"]["tokn"] = "x"
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert main(["--config", str(path), "check-config"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert f"{path}: municipalities[1].centre.lat: must be between -90 and 90" in errors
    assert any(line.startswith(f"{path}: channels.telegram.tokn: unknown key") for line in errors)


def test_run_says_when_the_matrix_homeserver_cannot_be_reached(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["channels"]["matrix"]["enabled"] = True
    config["channels"]["matrix"]["homeserver"] = f"http://127.0.0.1:{port}"
    config["startup"] = {"attempts": 2, "first_delay_seconds": 0.1}
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MATRIX_ACCESS_TOKEN", "syt_secret-token")
    assert main(["--config", str(config_file), "run"]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach the Matrix homeserver http://127.0.0.1:{port}" in err
    assert "trying again in 0.1 s (attempt 2 of 2)" in err
    assert "syt_secret-token" not in err


def test_run_without_remote_channels_starts_the_console(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("/start\n"))
    monkeypatch.setenv("USER", "console-test")
    assert main(["--config", str(config_file), "run"]) == 0
    assert "Willkommen bei der Ehrenamtsbörse Aachen!" in capsys.readouterr().out


def test_an_unknown_log_level_is_one_line(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    assert main(["--config", str(config_file), "check-config"]) == 2
    assert capsys.readouterr().err == (
        "error: --log-level / LOG_LEVEL: unknown log level 'verbose'"
        " (use one of DEBUG, INFO, WARNING, ERROR, CRITICAL)\n"
    )
