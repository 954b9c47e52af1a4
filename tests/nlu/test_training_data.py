"""Keeps the Rasa-format NLU data honest without Rasa: only PyYAML, re and the project's own keys.

Checks, for nlu/data (training) and nlu/heldout (evaluation, never trained on), in de and en:
the YAML parses as Rasa 3 NLU data; every contract intent is there with enough examples; entity
annotations are well formed with known entity names and valid category/qualification keys; no
example sits under two intents; no held-out example is also a training example."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from domain.categories import Category
from domain.errors import UnknownQualification
from domain.qualifications import Qualification
from nlu.interpreter import ENTITY_TYPES, INTENTS

NLU_DIR = Path(__file__).resolve().parents[2] / "nlu"
LANGUAGES = ("de", "en")
MIN_TRAIN = 30
MIN_HELDOUT = 8
SPLITS = {"data": MIN_TRAIN, "heldout": MIN_HELDOUT}

# Rasa's annotation forms that we use: [text](entity) and [text]{"entity": ..., "value": ...}.
# The short form [text](entity:value) is deliberately not allowed: it breaks on "language:ar".
ANNOTATION = re.compile(r"\[(?P<text>[^\[\]{}()]+)\](?:\((?P<name>[a-z_]+)\)|(?P<json>\{[^{}]*\}))")
CATEGORY_KEYS = {c.value for c in Category}
ALLOWED_JSON_KEYS = {"entity", "value", "role", "group"}


def _load(split: str, language: str) -> dict[str, Any]:
    path = NLU_DIR / split / f"nlu_{language}.yml"
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    assert isinstance(document, dict), path
    return document


def _examples(document: dict[str, Any]) -> dict[str, list[str]]:
    """intent → its examples (raw, annotated), in file order."""
    result: dict[str, list[str]] = {}
    for block in document["nlu"]:
        assert set(block) == {"intent", "examples"}, block
        lines = [line for line in block["examples"].splitlines() if line.strip()]
        assert all(line.startswith("- ") for line in lines), block["intent"]
        assert block["intent"] not in result, f"intent {block['intent']} listed twice"
        result[block["intent"]] = [line[2:].strip() for line in lines]
    return result


def _entities(example: str) -> tuple[str, list[dict[str, str]]]:
    """The plain text of an annotated example and its entities; asserts well-formedness."""
    entities: list[dict[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        text = match.group("text")
        assert text == text.strip(), f"entity text with outer spaces in {example!r}"
        if match.group("name"):
            entities.append({"entity": match.group("name"), "text": text, "value": text})
        else:
            spec = json.loads(match.group("json"))
            assert set(spec) <= ALLOWED_JSON_KEYS, example
            assert "entity" in spec, example
            entities.append(
                {"entity": spec["entity"], "text": text, "value": str(spec.get("value", text))}
            )
        return text

    plain = ANNOTATION.sub(replace, example)
    assert not re.search(r"[\[\]{}]|\]\(", plain), f"stray annotation syntax in {example!r}"
    return plain, entities


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _check_entity(entity: dict[str, str], example: str) -> None:
    name, value = entity["entity"], entity["value"]
    assert name in ENTITY_TYPES, f"unknown entity {name!r} in {example!r}"
    if name == "category":
        assert value in CATEGORY_KEYS, f"unknown category {value!r} in {example!r}"
    elif name == "qualification":
        try:
            Qualification(value)
        except UnknownQualification:
            pytest.fail(f"unknown qualification {value!r} in {example!r}")
        assert value == value.strip().lower(), example
    elif name == "quantity":
        assert re.fullmatch(r"[1-9]\d*", value), f"quantity without an int value in {example!r}"
    elif name == "distance":
        assert re.search(r"\d", entity["text"]), example
        assert "km" in entity["text"].lower(), example


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("split", list(SPLITS))
def test_file_shape_and_counts(split: str, language: str) -> None:
    document = _load(split, language)
    assert str(document.get("version")) == "3.1"
    assert set(document) == {"version", "nlu"}, "synonyms/lookups belong in synonyms.yml"
    examples = _examples(document)
    assert set(examples) == set(INTENTS)
    for intent, items in examples.items():
        assert len(items) >= SPLITS[split], f"{split}/{language}: {intent} has {len(items)}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("split", list(SPLITS))
def test_entity_annotations(split: str, language: str) -> None:
    for items in _examples(_load(split, language)).values():
        for example in items:
            _, entities = _entities(example)
            for entity in entities:
                _check_entity(entity, example)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_example_under_two_intents_and_no_heldout_leak(language: str) -> None:
    owner: dict[str, tuple[str, str]] = {}
    for split in SPLITS:
        for intent, items in _examples(_load(split, language)).items():
            for example in items:
                plain = _normalise(_entities(example)[0])
                assert plain not in owner, (
                    f"{example!r} ({split}/{intent}) repeats {owner.get(plain)}"
                )
                owner[plain] = (split, intent)


def test_languages_cover_the_same_entities() -> None:
    """Both languages teach every entity type somewhere in training."""
    for language in LANGUAGES:
        seen = {
            entity["entity"]
            for items in _examples(_load("data", language)).values()
            for example in items
            for entity in _entities(example)[1]
        }
        assert seen == set(ENTITY_TYPES), (language, set(ENTITY_TYPES) - seen)
