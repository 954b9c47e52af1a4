"""`python -m nlu`: parse messages, evaluate on held-out data, train the embedded model.

echo "Ich kann morgen früh in Burtscheid helfen" | python -m nlu parse --now 2025-06-06T09:00
python -m nlu test nlu/heldout/                      # the embedded interpreter
python -m nlu test nlu/heldout/ --rasa http://127.0.0.1:5005
python -m nlu test nlu/heldout/ --compare http://127.0.0.1:5005
python -m nlu train
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nlu.cache import DEFAULT_CACHE_DIR
from nlu.embedded import DEFAULT_DATA_DIR, EmbeddedInterpreter
from nlu.evaluate import evaluate
from nlu.interpreter import Interpreter, ParseContext
from nlu.rasa_data import TrainingDataError, load_training_data
from nlu.rasa_http import NluUnavailable, RasaHttpInterpreter


def main(argv: list[str] | None = None, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    args = _parser().parse_args(argv)
    try:
        result: int = args.run(args, out)
        return result
    except (NluUnavailable, TrainingDataError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nlu", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def embedded_options(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--data", type=Path, default=DEFAULT_DATA_DIR, help="training data (default nlu/data)"
        )
        command.add_argument(
            "--cache", type=Path, default=DEFAULT_CACHE_DIR, help="model cache directory"
        )

    parse = commands.add_parser("parse", help="one JSON parse per input line (stdin)")
    parse.add_argument("--now", help="ISO date-time the message is relative to (default: now)")
    parse.add_argument("--tz", default="Europe/Berlin", help="the user's time zone")
    parse.add_argument("--lang", default="de", choices=("de", "en"))
    parse.add_argument("--rasa", metavar="URL", help="ask this Rasa server for intents")
    embedded_options(parse)
    parse.set_defaults(run=_parse)

    test = commands.add_parser("test", help="evaluate on held-out data, like `rasa test nlu`")
    test.add_argument("held_out", type=Path, metavar="DATA", help="a Rasa NLU file or directory")
    which = test.add_mutually_exclusive_group()
    which.add_argument("--rasa", metavar="URL", help="evaluate this Rasa server instead")
    which.add_argument("--compare", metavar="URL", help="evaluate embedded and Rasa side by side")
    test.add_argument("--json", action="store_true", help="print the report as JSON")
    embedded_options(test)
    test.set_defaults(run=_test)

    train = commands.add_parser("train", help="fit the embedded model and cache it")
    embedded_options(train)
    train.set_defaults(run=_train)
    return parser


def _context(args: argparse.Namespace) -> ParseContext:
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SystemExit(f"unknown time zone {args.tz!r}") from error
    if args.now:
        now = datetime.fromisoformat(args.now)
        if now.tzinfo is None:
            now = now.replace(tzinfo=zone)  # a wall-clock time in the user's zone
    else:
        now = datetime.now(zone)
    return ParseContext(language=args.lang, time_zone=args.tz, now=now)


def _embedded(args: argparse.Namespace) -> EmbeddedInterpreter:
    return EmbeddedInterpreter(args.data, cache_dir=args.cache)


def _parse(args: argparse.Namespace, out: TextIO) -> int:
    context = _context(args)
    interpreter: Interpreter = RasaHttpInterpreter(args.rasa) if args.rasa else _embedded(args)
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        # default=str: an extractor's value that is no JSON type still prints, visibly.
        print(
            json.dumps(interpreter.parse(text, context), ensure_ascii=False, default=str), file=out
        )
        out.flush()
    return 0


def _test(args: argparse.Namespace, out: TextIO) -> int:
    data = load_training_data(args.held_out)
    runs: dict[str, Interpreter] = {}
    if not args.rasa:
        runs["embedded"] = _embedded(args)
    if args.rasa or args.compare:
        runs["rasa"] = RasaHttpInterpreter(args.rasa or args.compare)
    reports: dict[str, dict[str, Any]] = {}
    for name, interpreter in runs.items():
        started = time.perf_counter()
        reports[name] = evaluate(interpreter, data)
        reports[name]["seconds"] = round(time.perf_counter() - started, 3)
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2), file=out)
    else:
        print(f"Held-out data: {args.held_out} ({len(data.examples)} examples)\n", file=out)
        _print_reports(reports, out)
    return 0


def _print_reports(reports: dict[str, dict[str, Any]], out: TextIO) -> None:
    names = list(reports)
    header = "".join(f"{name:>12}" for name in names)
    print(f"{'':22}{header}", file=out)
    for label, section, key in (
        ("intent accuracy", "intent", "accuracy"),
        ("intent macro-F1", "intent", "macro_f1"),
        ("entity F1", "entities", "f1"),
        ("entity precision", "entities", "precision"),
        ("entity recall", "entities", "recall"),
    ):
        values = "".join(f"{reports[n][section][key]:>12.3f}" for n in names)
        print(f"{label:22}{values}", file=out)
    print(f"{'seconds':22}" + "".join(f"{reports[n]['seconds']:>12.2f}" for n in names), file=out)
    first = reports[names[0]]
    print(f"entity types scored: {', '.join(first['entities']['types']) or '-'}\n", file=out)

    columns = "".join(f"{'P':>7}{'R':>7}{'F1':>7}  " for _ in names)
    print(f"{'intent':22}{columns}{'support':>8}", file=out)
    for intent, row in first["intent"]["per_intent"].items():
        cells = ""
        for name in names:
            s = reports[name]["intent"]["per_intent"][intent]
            cells += f"{s['precision']:>7.2f}{s['recall']:>7.2f}{s['f1']:>7.2f}  "
        print(f"{intent:22}{cells}{row['support']:>8}", file=out)
    for name in names:
        print(f"\nMost confused ({name}): gold → predicted", file=out)
        confusions = reports[name]["intent"]["confusions"][:10]
        for pair in confusions:
            print(f"  {pair['count']:>4}  {pair['gold']} → {pair['predicted']}", file=out)
        if not confusions:
            print("  none", file=out)
        errors = reports[name]["intent"]["errors"][:10]
        if errors:
            print(f"Most confident mistakes ({name}):", file=out)
        for error in errors:
            print(
                f"  {error['confidence']:.2f}  {error['gold']} → {error['predicted']}: "
                f"{error['text']!r}  ({error['source']})",
                file=out,
            )


def _train(args: argparse.Namespace, out: TextIO) -> int:
    interpreter = _embedded(args)
    files = interpreter.training_files()
    data = load_training_data(files)
    interpreter.train()
    print(
        f"trained on {len(data.examples)} examples of {len(data.intents)} intents from "
        f"{len(files)} files in {interpreter.load_seconds:.2f} s; "
        f"cached at {interpreter.cache_path}",
        file=out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
