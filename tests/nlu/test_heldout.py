"""The embedded interpreter, trained on nlu/data, on the held-out examples it never saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.embedded import DEFAULT_DATA_DIR, EmbeddedInterpreter, NoEntities
from nlu.evaluate import evaluate
from nlu.rasa_data import load_training_data

HELDOUT = Path(__file__).resolve().parents[2] / "nlu" / "heldout"
MIN_ACCURACY = 0.90


@pytest.fixture(scope="session")
def production_interpreter(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedInterpreter:
    interpreter = EmbeddedInterpreter(
        DEFAULT_DATA_DIR,
        cache_dir=tmp_path_factory.mktemp("nlu-production-cache"),
        entity_extractor=NoEntities(),  # intents only; the extractors have their own tests
    )
    interpreter.load()
    return interpreter


def test_heldout_intent_accuracy(production_interpreter: EmbeddedInterpreter) -> None:
    report = evaluate(production_interpreter, load_training_data(HELDOUT))
    confusions = ", ".join(
        f"{c['gold']}→{c['predicted']} ×{c['count']}" for c in report["intent"]["confusions"][:8]
    )
    assert report["intent"]["accuracy"] >= MIN_ACCURACY, (
        f"accuracy {report['intent']['accuracy']:.3f} (macro-F1 "
        f"{report['intent']['macro_f1']:.3f}); most confused: {confusions}"
    )


def test_training_never_reads_heldout(production_interpreter: EmbeddedInterpreter) -> None:
    assert not any("heldout" in f.parts for f in production_interpreter.training_files())
