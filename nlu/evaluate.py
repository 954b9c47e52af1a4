"""Evaluation of any Interpreter on annotated data, as `rasa test nlu` reports it: intent accuracy,
macro-F1, per-intent precision/recall/F1, the most confused pairs, and entity F1 (exact span and
type, micro-averaged).

The scoring functions are pure (lists in, numbers out); `evaluate` runs an interpreter over the
examples and combines them into one report dict (JSON-ready)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from nlu.interpreter import Interpreter, Parse, ParseContext
from nlu.rasa_data import Example, TrainingData

Span = tuple[int, int, str]  # start, end, entity type


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int  # gold items


def scores(true_positives: int, predicted: int, gold: int) -> Scores:
    """P/R/F1 from counts; 0 where undefined (nothing predicted or nothing to find), as sklearn's
    zero_division=0."""
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, gold)


def intent_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    _same_length(gold, predicted)
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0


def per_intent_scores(
    gold: Sequence[str], predicted: Sequence[str], labels: Iterable[str] | None = None
) -> dict[str, Scores]:
    """Per intent; labels default to the gold intents (a wrong guess of some other name, such as
    nlu_fallback, costs recall of the gold intent but is no class of its own)."""
    _same_length(gold, predicted)
    names = sorted(set(gold) if labels is None else set(labels))
    hits = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    return {name: scores(hits[name], predicted_counts[name], gold_counts[name]) for name in names}


def macro_f1(
    gold: Sequence[str], predicted: Sequence[str], labels: Iterable[str] | None = None
) -> float:
    table = per_intent_scores(gold, predicted, labels)
    return sum(s.f1 for s in table.values()) / len(table) if table else 0.0


def confusion_pairs(gold: Sequence[str], predicted: Sequence[str]) -> list[tuple[str, str, int]]:
    """(gold, predicted, count) of the mistakes, most frequent first, then by name."""
    _same_length(gold, predicted)
    counts = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    return sorted(((g, p, n) for (g, p), n in counts.items()), key=lambda t: (-t[2], t[0], t[1]))


def entity_scores(
    gold: Sequence[Iterable[Span]],
    predicted: Sequence[Iterable[Span]],
    entity_types: Iterable[str] | None = None,
) -> Scores:
    """Micro P/R/F1 over all examples: an entity counts when start, end and type all match.
    entity_types limits both sides to those types (None: all)."""
    _same_length(gold, predicted)
    wanted = None if entity_types is None else frozenset(entity_types)
    tp = n_gold = n_predicted = 0
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        g = {s for s in gold_spans if wanted is None or s[2] in wanted}
        p = {s for s in predicted_spans if wanted is None or s[2] in wanted}
        tp += len(g & p)
        n_gold += len(g)
        n_predicted += len(p)
    return scores(tp, n_predicted, n_gold)


def gold_spans(example: Example) -> set[Span]:
    return {(e.start, e.end, e.entity) for e in example.entities}


def parse_spans(parse: Parse) -> set[Span]:
    spans: set[Span] = set()
    for entity in parse["entities"]:
        try:
            spans.add((int(entity["start"]), int(entity["end"]), str(entity["entity"])))
        except (KeyError, TypeError, ValueError):
            continue  # an entity without a span cannot match one
    return spans


def default_context(example: Example) -> ParseContext:
    return ParseContext(language=example.language or "de")


def evaluate(
    interpreter: Interpreter,
    data: TrainingData | Sequence[Example],
    *,
    context: Callable[[Example], ParseContext] = default_context,
    entity_types: Iterable[str] | None = None,
    max_errors: int = 50,
) -> dict[str, Any]:
    """Runs the interpreter over every example and reports. Entities are scored over the types
    the gold data annotates at all, unless entity_types says otherwise: a type the data never
    marks cannot tell right from wrong."""
    examples = list(data.examples if isinstance(data, TrainingData) else data)
    parses = [interpreter.parse(example.text, context(example)) for example in examples]
    return report(examples, parses, entity_types=entity_types, max_errors=max_errors)


def report(
    examples: Sequence[Example],
    parses: Sequence[Parse],
    *,
    entity_types: Iterable[str] | None = None,
    max_errors: int = 50,
) -> dict[str, Any]:
    gold = [example.intent for example in examples]
    predicted = [parse["intent"]["name"] for parse in parses]
    gold_entities = [gold_spans(example) for example in examples]
    predicted_entities = [parse_spans(parse) for parse in parses]
    types = (
        sorted({span[2] for spans in gold_entities for span in spans})
        if entity_types is None
        else sorted(entity_types)
    )
    errors: list[dict[str, Any]] = [
        {
            "text": example.text,
            "gold": example.intent,
            "predicted": parse["intent"]["name"],
            "confidence": round(parse["intent"]["confidence"], 4),
            "source": example.source,
        }
        for example, parse in zip(examples, parses, strict=True)
        if example.intent != parse["intent"]["name"]
    ]
    errors.sort(key=lambda e: -e["confidence"])  # confident mistakes matter most
    return {
        "examples": len(examples),
        "intent": {
            "accuracy": intent_accuracy(gold, predicted),
            "macro_f1": macro_f1(gold, predicted),
            "per_intent": {
                name: asdict(s) for name, s in per_intent_scores(gold, predicted).items()
            },
            "confusions": [
                {"gold": g, "predicted": p, "count": n}
                for g, p, n in confusion_pairs(gold, predicted)
            ],
            "errors": errors[:max_errors],
        },
        "entities": {
            **asdict(entity_scores(gold_entities, predicted_entities, types)),
            "types": types,
            "per_type": {
                t: asdict(entity_scores(gold_entities, predicted_entities, [t])) for t in types
            },
        },
    }


def _same_length(a: Sequence[Any], b: Sequence[Any]) -> None:
    if len(a) != len(b):
        raise ValueError(f"{len(a)} gold items but {len(b)} predictions")
