"""The Rasa NLU YAML loader: annotation forms and their offsets, synonyms, lookups, regexes,
languages from file names, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.rasa_data import (
    AnnotatedEntity,
    TrainingDataError,
    fold,
    language_of,
    load_training_data,
    parse_annotated,
    parse_yaml,
)
from tests.nlu.conftest import FIXTURE_DATA, FIXTURES

ANNOTATIONS = FIXTURES / "annotations.yml"


def test_annotation_forms_give_plain_text_and_spans() -> None:
    data = load_training_data(ANNOTATIONS)
    first, second, third, fourth = data.examples[:4]

    assert first.text == "Ich kann Samstag beim Gassi gehen helfen"
    assert first.intent == "offer_help"
    assert first.entities == (
        AnnotatedEntity(9, 16, "time", "Samstag", "Samstag"),
        AnnotatedEntity(22, 33, "category", "animals", "Gassi gehen"),
    )
    assert second.text == "ich helfe gern morgen früh in Aachen"
    assert second.entities == (
        AnnotatedEntity(15, 26, "time", "morgen früh", "morgen früh"),
        AnnotatedEntity(30, 36, "location", "Aachen", "Aachen", role="place"),
    )
    assert [(e.entity, e.value, e.text) for e in third.entities] == [
        ("quantity", "2", "Zwei"),
        ("category", "seniors", "Senioren"),
    ]
    # The list form: two entities on one span.
    assert fourth.text == "Burtscheid passt"
    assert [(e.start, e.end, e.entity, e.value) for e in fourth.entities] == [
        (0, 10, "location", "Burtscheid"),
        (0, 10, "district", "burtscheid"),
    ]
    for example in data.examples:
        for entity in example.entities:
            assert example.text[entity.start : entity.end] == entity.text


def test_brackets_without_annotation_and_emoji_stay_text() -> None:
    data = load_training_data(ANNOTATIONS)
    texts = {e.text: e for e in data.examples}
    assert texts["ja [klar]"].entities == ()
    assert "👍" in texts


def test_intent_names_stay_strings() -> None:
    # YAML 1.1 reads a bare `yes` as True; an intent name must stay what was written.
    data = load_training_data(ANNOTATIONS)
    assert "yes" in data.intents


def test_synonyms_lookups_and_regexes() -> None:
    data = load_training_data(ANNOTATIONS)
    assert data.synonyms["tierheim"] == "animals"
    assert data.synonyms["hunde ausführen"] == "animals"  # folded: case and spacing
    assert data.synonyms[fold("Gassi gehen")] == "animals"  # from an annotation with a value
    assert data.synonyms["senioren"] == "seniors"
    assert "samstag" not in data.synonyms  # value == text: no synonym
    assert data.lookups == {"city": ["Aachen", "Stolberg"]}
    assert data.regexes == {"postcode": [r"\b\d{5}\b"]}


def test_source_names_file_and_line() -> None:
    data = load_training_data(ANNOTATIONS)
    assert data.examples[0].source == f"{ANNOTATIONS}:5"
    assert data.examples[4].source == f"{ANNOTATIONS}:12"


def test_language_from_file_name() -> None:
    assert language_of(Path("nlu_de.yml")) == "de"
    assert language_of(Path("x/nlu-en.yaml")) == "en"
    assert language_of(Path("synonyms.yml")) is None
    data = load_training_data(FIXTURE_DATA)
    assert {e.language for e in data.examples} == {"de", "en"}
    assert [f.name for f in data.files] == ["nlu_de.yml", "nlu_en.yml"]


def test_several_paths_and_missing_path(tmp_path: Path) -> None:
    both = load_training_data([FIXTURE_DATA / "nlu_de.yml", ANNOTATIONS])
    assert len(both.examples) == len(load_training_data(FIXTURE_DATA / "nlu_de.yml").examples) + 6
    with pytest.raises(FileNotFoundError):
        load_training_data(tmp_path / "nope")


def test_list_form_examples_and_files_without_nlu() -> None:
    text = """
nlu:
- intent: greet
  examples:
  - text: |
      hallo [Aachen](location)
    metadata: {sentiment: neutral}
  - text: moin
"""
    data = parse_yaml(text, language="de")
    assert [(e.text, e.language) for e in data.examples] == [
        ("hallo Aachen", "de"),
        ("moin", "de"),
    ]
    assert data.examples[0].entities[0].start == 6
    assert parse_yaml("version: '3.1'\nresponses: {}\n").examples == []
    assert parse_yaml("").examples == []


@pytest.mark.parametrize(
    ("example", "message"),
    [
        ("ich helfe [Samstag](time", "malformed entity annotation"),
        ('am [Samstag]{"entity": time}', "not valid JSON"),
        ('am [Samstag]{"value": "x"}', 'needs an "entity" name'),
        ("am [ Samstag ](time)", "surrounding spaces"),
        ("am [Sam [stag](time)](x)", "malformed entity annotation"),
    ],
)
def test_malformed_annotation_names_file_and_line(example: str, message: str) -> None:
    text = f"nlu:\n- intent: offer_help\n  examples: |\n    - fine\n    - {example}\n"
    with pytest.raises(TrainingDataError, match=message) as raised:
        parse_yaml(text, path="nlu_de.yml")
    assert raised.value.line == 5
    assert str(raised.value).startswith("nlu_de.yml:5: ")


def test_other_errors_name_the_line() -> None:
    with pytest.raises(TrainingDataError, match=r"^x.yml:4: example lines must start"):
        parse_yaml("nlu:\n- intent: a\n  examples: |\n    hallo\n", path="x.yml")
    with pytest.raises(TrainingDataError, match=r"^x.yml:4: regex 'r'"):
        parse_yaml("nlu:\n- regex: r\n  examples: |\n    - ([a-z\n", path="x.yml")
    with pytest.raises(TrainingDataError, match=r"^x.yml:\d+: not valid YAML"):
        parse_yaml("nlu:\n- intent: [a\n", path="x.yml")
    with pytest.raises(TrainingDataError, match="expected intent, synonym, lookup or regex"):
        parse_yaml("nlu:\n- story: a\n  steps: []\n", path="x.yml")
    with pytest.raises(TrainingDataError, match="has no examples"):
        parse_yaml("nlu:\n- intent: a\n", path="x.yml")


def test_parse_annotated_without_annotations() -> None:
    assert parse_annotated("nur Text (mit Klammern) und {Zeug}") == (
        "nur Text (mit Klammern) und {Zeug}",
        (),
    )
