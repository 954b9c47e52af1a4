"""`python -m nlu`: parse (a real subprocess, JSON lines on stdout), test and train."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from nlu.__main__ import main
from nlu.embedded import EmbeddedInterpreter
from tests.nlu.conftest import FIXTURE_DATA, FIXTURE_HELDOUT

ROOT = Path(__file__).resolve().parents[2]


def test_parse_prints_one_json_line_per_input_line(
    fixture_interpreter: EmbeddedInterpreter, nlu_cache: Path
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nlu",
            "parse",
            "--data",
            str(FIXTURE_DATA),
            "--cache",
            str(nlu_cache),  # the session's model: no training in the subprocess
            "--now",
            "2025-06-06T09:00",
            "--tz",
            "Europe/Berlin",
        ],
        input="Hallo!\n\nIch möchte für Senioren einkaufen\nthank you\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 3  # the empty line is skipped
    assert "möchte" in lines[1]  # ensure_ascii=False
    parses = [json.loads(line) for line in lines]
    assert [p["intent"]["name"] for p in parses] == ["greet", "offer_help", "thanks"]
    for parse in parses:
        assert set(parse) == {"text", "intent", "intent_ranking", "entities"}
        assert parse["intent"] == parse["intent_ranking"][0]


def test_test_command_json_and_table(
    fixture_interpreter: EmbeddedInterpreter, nlu_cache: Path
) -> None:
    common = ["--data", str(FIXTURE_DATA), "--cache", str(nlu_cache)]
    out = io.StringIO()
    assert main(["test", str(FIXTURE_HELDOUT), "--json", *common], out) == 0
    report = json.loads(out.getvalue())
    assert report["embedded"]["examples"] == 10
    assert report["embedded"]["intent"]["accuracy"] >= 0.9

    out = io.StringIO()
    assert main(["test", str(FIXTURE_HELDOUT), *common], out) == 0
    table = out.getvalue()
    assert "intent accuracy" in table
    assert "request_help" in table
    assert "Most confused (embedded)" in table


def test_train_command(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["train", "--data", str(FIXTURE_DATA), "--cache", str(tmp_path)], out) == 0
    assert "trained on 60 examples of 5 intents from 2 files" in out.getvalue()
    assert len(list(tmp_path.glob("embedded-*.joblib"))) == 1


def test_rasa_down_is_an_error_message() -> None:
    out = io.StringIO()
    code = main(["test", str(FIXTURE_HELDOUT), "--rasa", "http://127.0.0.1:9"], out)
    assert code == 2
