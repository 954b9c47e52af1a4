"""`python -m nlu.bench`: how fast the embedded interpreter trains, loads and parses.

Prints JSON: cold training time (fresh cache; includes importing scikit-learn, as a first start
would), loading from the cache (in this process, and as a fresh process would: interpreter
start, imports and load), and parse latency percentiles over realistic messages (the held-out
examples, cycled) with and without entity extraction. Targets: train < 10 s, parse p95 < 20 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nlu.embedded import DEFAULT_DATA_DIR, EmbeddedInterpreter, EntityExtracting, NoEntities
from nlu.interpreter import ParseContext
from nlu.rasa_data import load_training_data

DEFAULT_HELDOUT_DIR = Path(__file__).resolve().parent / "heldout"

_RESTART = """
import sys, time
started = time.perf_counter()
from nlu.embedded import EmbeddedInterpreter, NoEntities
interpreter = EmbeddedInterpreter(sys.argv[1], cache_dir=sys.argv[2], entity_extractor=NoEntities())
interpreter.load()
assert interpreter.load_source == "cache", interpreter.load_source
print(time.perf_counter() - started)
"""


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {
        "n": len(ordered),
        "mean": round(statistics.fmean(ordered), 3),
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 3),
    }


def parse_latencies(
    interpreter: EmbeddedInterpreter, utterances: list[tuple[str, str]], count: int
) -> dict[str, float]:
    contexts = {lang: ParseContext(language=lang) for lang in {lang for _, lang in utterances}}
    for text, lang in utterances[:20]:  # warm-up: lazy extractor set-up, caches
        interpreter.parse(text, contexts[lang])
    samples: list[float] = []
    for i in range(count):
        text, lang = utterances[i % len(utterances)]
        started = time.perf_counter()
        interpreter.parse(text, contexts[lang])
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def run(data: Path, heldout: Path, count: int) -> dict[str, Any]:
    source = heldout if heldout.exists() else data
    examples = load_training_data(source).examples
    utterances = [(e.text, e.language or "de") for e in examples]
    report: dict[str, Any] = {
        "training_examples": len(load_training_data(data).examples),
        "utterances": {"source": str(source), "distinct": len(utterances), "parsed": count},
    }
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as cache:
        cold = EmbeddedInterpreter(data, cache_dir=cache, entity_extractor=NoEntities())
        cold.load()
        assert cold.load_source == "fit"
        report["train_seconds"] = round(cold.load_seconds, 3)

        warm = EmbeddedInterpreter(data, cache_dir=cache, entity_extractor=NoEntities())
        warm.load()
        assert warm.load_source == "cache"
        report["load_from_cache_seconds"] = round(warm.load_seconds, 3)

        started = time.perf_counter()
        inner = subprocess.run(
            [sys.executable, "-c", _RESTART, str(data), cache],
            capture_output=True,
            text=True,
            check=True,
        )
        report["restart_seconds"] = {
            "process_wall": round(time.perf_counter() - started, 3),
            "imports_and_load": round(float(inner.stdout.strip()), 3),
        }

        report["parse_ms_intent_only"] = parse_latencies(warm, utterances, count)
        extractor: EntityExtracting | None = None  # the default: nlu.entities
        full = EmbeddedInterpreter(data, cache_dir=cache, entity_extractor=extractor)
        report["entity_extractor"] = (
            type(full.entity_extractor()).__module__
            + "."
            + type(full.entity_extractor()).__qualname__
        )
        report["parse_ms_with_entities"] = parse_latencies(full, utterances, count)
    report["targets_met"] = {
        "train_under_10_s": report["train_seconds"] < 10,
        "parse_p95_under_20_ms": report["parse_ms_with_entities"]["p95"] < 20,
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlu.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT_DIR)
    parser.add_argument("--parses", type=int, default=2000, help="parses per measurement")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.data, args.heldout, max(1000, args.parses)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
