"""Opt-in: the held-out split through a running Rasa server (RASA_URL, e.g.
http://127.0.0.1:5005, started with nlu/rasa/). Run with `pytest -m rasa`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nlu.embedded import NoEntities
from nlu.evaluate import evaluate
from nlu.rasa_data import load_training_data
from nlu.rasa_http import RasaHttpInterpreter

HELDOUT = Path(__file__).resolve().parents[2] / "nlu" / "heldout"
MIN_ACCURACY = 0.85

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.skipif(
        not os.environ.get("RASA_URL"),
        reason="Rasa server tests skipped: set RASA_URL, e.g. http://127.0.0.1:5005",
    ),
]


def test_rasa_heldout_intent_accuracy() -> None:
    interpreter = RasaHttpInterpreter(
        os.environ["RASA_URL"], timeout_s=10.0, entity_extractor=NoEntities()
    )
    report = evaluate(interpreter, load_training_data(HELDOUT))
    assert report["intent"]["accuracy"] >= MIN_ACCURACY, report["intent"]["confusions"][:8]
