"""The embedded interpreter on the fixture data: it trains, answers in Rasa's shape, matches
scikit-learn's probabilities, caches the model (a second instance does not fit) and retrains
when the data changes."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlu import embedded
from nlu.embedded import (
    EmbeddedInterpreter,
    NoEntities,
    char_terms,
    compile_pipeline,
    fit_pipeline,
    normalise,
    word_terms,
)
from nlu.evaluate import evaluate
from nlu.interpreter import FALLBACK_INTENT, ParseContext
from nlu.rasa_data import load_training_data
from tests.nlu.conftest import FIXTURE_DATA, FIXTURE_HELDOUT, FIXTURES, StubExtractor

CONTEXT = ParseContext(language="de")
SAMPLES = [
    "Ich kann am Samstag um 10 Uhr helfen!",
    "FÜR   Senioren einkaufen 👍",
    "a",
    "ab",
    "x y z",
    "Café crème, à 5 €?",
    "🙏",
    "",
]


def test_normalise() -> None:
    assert normalise("  Für GRÜßE  um 10:30 ") == "fuer gruesse um 00:00"
    assert normalise("Café 👍") == "cafe 👍"
    assert normalise("\n\t") == ""


@pytest.mark.parametrize("text", SAMPLES)
def test_analyzers_are_sklearns(text: str) -> None:
    pipeline = fit_pipeline(load_training_data(FIXTURE_DATA))
    word, char = (t for _, t in pipeline.named_steps["features"].transformer_list)
    cleaned = normalise(text)
    assert word_terms(cleaned) == word.build_analyzer()(cleaned)
    assert char_terms(cleaned) == char.build_analyzer()(cleaned)


def test_compiled_model_gives_sklearns_probabilities() -> None:
    data = load_training_data(FIXTURE_DATA)
    pipeline = fit_pipeline(data)
    model = compile_pipeline(pipeline)
    texts = [normalise(t) for t in SAMPLES] + [
        normalise(e.text) for e in load_training_data(FIXTURE_HELDOUT).examples
    ]
    expected = pipeline.predict_proba(texts)
    ours = np.array([model.probabilities(t) for t in texts])
    assert model.labels == tuple(pipeline.classes_)
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_parse_shape_and_entities(fixture_interpreter: EmbeddedInterpreter) -> None:
    parse = fixture_interpreter.parse("Wir suchen 4 Helfer in Aachen", CONTEXT)
    assert parse["text"] == "Wir suchen 4 Helfer in Aachen"
    assert parse["intent"]["name"] == "request_help"
    assert parse["intent"] == parse["intent_ranking"][0]
    confidences = [s["confidence"] for s in parse["intent_ranking"]]
    assert confidences == sorted(confidences, reverse=True)
    assert 0.99 < sum(confidences) < 1.01  # five intents: all of them ranked
    assert all(isinstance(c, float) for c in confidences)
    assert [(e["entity"], e["value"]) for e in parse["entities"]] == [
        ("quantity", 4),
        ("location", "Aachen"),
    ]


def test_heldout_fixture_accuracy(fixture_interpreter: EmbeddedInterpreter) -> None:
    report = evaluate(fixture_interpreter, load_training_data(FIXTURE_HELDOUT))
    assert report["intent"]["accuracy"] >= 0.9


def test_umlauts_typed_without_them(fixture_interpreter: EmbeddedInterpreter) -> None:
    a = fixture_interpreter.parse("ich moechte helfen", CONTEXT)
    b = fixture_interpreter.parse("ich möchte helfen", CONTEXT)
    assert a["intent_ranking"] == b["intent_ranking"]


def test_empty_text_and_threshold(nlu_cache: Path) -> None:
    extractor = StubExtractor()
    interpreter = EmbeddedInterpreter(
        FIXTURE_DATA, cache_dir=nlu_cache, entity_extractor=extractor, threshold=0.99
    )
    empty = interpreter.parse("  ", CONTEXT)
    assert empty["intent"] == {"name": FALLBACK_INTENT, "confidence": 0.0}
    assert empty["intent_ranking"] == []
    assert empty["entities"] == []
    assert extractor.calls == []  # nothing to extract from

    parse = interpreter.parse("hallo", CONTEXT)
    assert parse["intent"] == {"name": FALLBACK_INTENT, "confidence": 0.99}
    assert parse["intent_ranking"][1]["name"] == "greet"  # the model's guess stays visible


def test_second_instance_loads_from_cache(
    fixture_interpreter: EmbeddedInterpreter, nlu_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fixture_interpreter.cache_path is not None
    assert fixture_interpreter.cache_path.exists()

    def no_fitting(*args: Any) -> Any:
        raise AssertionError("fitted although the cache holds the model")

    monkeypatch.setattr(embedded, "fit_pipeline", no_fitting)
    again = EmbeddedInterpreter(FIXTURE_DATA, cache_dir=nlu_cache, entity_extractor=NoEntities())
    parse = again.parse("hallo", CONTEXT)
    assert again.load_source == "cache"
    assert again.cache_path == fixture_interpreter.cache_path
    assert parse["intent_ranking"] == fixture_interpreter.parse("hallo", CONTEXT)["intent_ranking"]


def test_changed_data_retrains(tmp_path: Path, nlu_cache: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    cache = tmp_path / "cache"
    first = EmbeddedInterpreter(data, cache_dir=cache, entity_extractor=NoEntities())
    first.load()
    assert first.load_source == "fit"

    english = data / "nlu_en.yml"
    english.write_text(english.read_text() + "    - many thanks\n", encoding="utf-8")
    second = EmbeddedInterpreter(data, cache_dir=cache, entity_extractor=NoEntities())
    second.load()
    assert second.load_source == "fit"
    assert second.cache_path != first.cache_path
    assert second.cache_path is not None
    assert second.cache_path.exists()

    third = EmbeddedInterpreter(data, cache_dir=cache, entity_extractor=NoEntities())
    third.load()
    assert third.load_source == "cache"


def test_corrupt_cache_retrains(tmp_path: Path) -> None:
    first = EmbeddedInterpreter(FIXTURE_DATA, cache_dir=tmp_path, entity_extractor=NoEntities())
    first.load()
    assert first.cache_path is not None
    first.cache_path.write_bytes(b"not a model")
    second = EmbeddedInterpreter(FIXTURE_DATA, cache_dir=tmp_path, entity_extractor=NoEntities())
    assert second.parse("hallo", CONTEXT)["intent"]["name"] == "greet"
    assert second.load_source == "fit"


def test_concurrent_first_parses_fit_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fits: list[int] = []
    real_fit = embedded.fit_pipeline

    def counting_fit(data: Any) -> Any:
        fits.append(1)
        return real_fit(data)

    monkeypatch.setattr(embedded, "fit_pipeline", counting_fit)
    interpreter = EmbeddedInterpreter(
        FIXTURE_DATA, cache_dir=tmp_path, entity_extractor=NoEntities()
    )
    answers: list[str] = []
    barrier = threading.Barrier(6)

    def parse() -> None:
        barrier.wait()
        answers.append(interpreter.parse("danke", CONTEXT)["intent"]["name"])

    threads = [threading.Thread(target=parse) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fits == [1]
    assert answers == ["thanks"] * 6


def test_heldout_directories_are_never_training_data() -> None:
    interpreter = EmbeddedInterpreter(FIXTURES, cache_dir=None)
    files = interpreter.training_files()
    assert FIXTURE_HELDOUT / "heldout_de.yml" not in files
    assert FIXTURE_DATA / "nlu_de.yml" in files


def test_missing_entity_package_gives_no_entities(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> Any:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr("nlu.embedded.importlib.import_module", missing)
    assert isinstance(embedded.default_entity_extractor(), NoEntities)
