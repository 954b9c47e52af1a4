"""The evaluation functions against numbers computed by hand."""

from __future__ import annotations

import pytest

from nlu.evaluate import (
    Scores,
    confusion_pairs,
    entity_scores,
    evaluate,
    intent_accuracy,
    macro_f1,
    per_intent_scores,
)
from nlu.interpreter import IntentScore, Parse, ParseContext, make_parse
from nlu.rasa_data import AnnotatedEntity, Example

GOLD = ["a", "a", "a", "b", "b", "c"]
PREDICTED = ["a", "a", "b", "b", "c", "c"]


def test_intent_accuracy() -> None:
    assert intent_accuracy(GOLD, PREDICTED) == pytest.approx(4 / 6)
    assert intent_accuracy([], []) == 0.0
    with pytest.raises(ValueError, match="2 gold items but 1"):
        intent_accuracy(["a", "b"], ["a"])


def test_per_intent_and_macro_f1() -> None:
    table = per_intent_scores(GOLD, PREDICTED)
    # a: 2 right of 3 gold, 2 predicted; b: 1 of 2, 2 predicted; c: 1 of 1, 2 predicted.
    assert table["a"] == Scores(1.0, pytest.approx(2 / 3), pytest.approx(0.8), 3)  # type: ignore[arg-type]
    assert table["b"] == Scores(0.5, 0.5, 0.5, 2)
    assert table["c"] == Scores(0.5, 1.0, pytest.approx(2 / 3), 1)  # type: ignore[arg-type]
    assert macro_f1(GOLD, PREDICTED) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    # A predicted name that is no gold intent is no class of its own, unless asked for.
    assert set(per_intent_scores(["a"], ["nlu_fallback"])) == {"a"}
    assert macro_f1(["a"], ["nlu_fallback"], labels=["a", "nlu_fallback"]) == 0.0


def test_confusion_pairs_most_frequent_first() -> None:
    gold = ["a", "a", "b", "b", "b", "c"]
    predicted = ["b", "b", "c", "a", "b", "a"]
    assert confusion_pairs(gold, predicted) == [
        ("a", "b", 2),
        ("b", "a", 1),
        ("b", "c", 1),
        ("c", "a", 1),
    ]


def test_entity_scores_exact_span_and_type() -> None:
    gold = [{(0, 3, "time"), (5, 9, "location")}, {(1, 2, "quantity")}]
    predicted = [{(0, 3, "time"), (5, 8, "location")}, {(1, 2, "quantity"), (4, 6, "time")}]
    result = entity_scores(gold, predicted)
    assert result.precision == 0.5  # 2 of 4
    assert result.recall == pytest.approx(2 / 3)
    assert result.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert result.support == 3
    assert entity_scores(gold, predicted, ["time"]) == Scores(0.5, 1.0, pytest.approx(2 / 3), 1)  # type: ignore[arg-type]
    assert entity_scores([set()], [set()]) == Scores(0.0, 0.0, 0.0, 0)


class Scripted:
    """An interpreter whose answers are fixed per text."""

    def __init__(self, answers: dict[str, tuple[str, list[tuple[int, int, str]]]]) -> None:
        self.answers = answers
        self.contexts: list[ParseContext] = []

    def parse(self, text: str, context: ParseContext) -> Parse:
        self.contexts.append(context)
        intent, spans = self.answers[text]
        return make_parse(
            text,
            [IntentScore(name=intent, confidence=0.7)],
            [{"entity": e, "value": text[s:t], "start": s, "end": t} for s, t, e in spans],
        )


def test_evaluate_report() -> None:
    examples = [
        Example("hallo", "greet", language="de"),
        Example("hi", "greet", language="en"),
        Example("wir suchen 4", "request_help", (AnnotatedEntity(11, 12, "quantity", "4", "4"),)),
    ]
    interpreter = Scripted(
        {
            "hallo": ("greet", []),
            "hi": ("thanks", [(0, 2, "location")]),  # location is not annotated: not scored
            "wir suchen 4": ("request_help", [(11, 12, "quantity")]),
        }
    )
    report = evaluate(interpreter, examples)
    assert [c.language for c in interpreter.contexts] == ["de", "en", "de"]
    assert report["examples"] == 3
    assert report["intent"]["accuracy"] == pytest.approx(2 / 3)
    assert report["intent"]["macro_f1"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert report["intent"]["confusions"] == [{"gold": "greet", "predicted": "thanks", "count": 1}]
    assert report["intent"]["errors"][0]["text"] == "hi"
    assert report["entities"]["types"] == ["quantity"]
    assert report["entities"]["f1"] == 1.0
    assert report["entities"]["per_type"]["quantity"]["support"] == 1
