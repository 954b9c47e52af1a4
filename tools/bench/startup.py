"""`python -m tools.bench.startup`: how long `ehrenamt run` takes to become ready. Prints one JSON
object (also `--out FILE`).

Ready is when the first getUpdates reaches the Bot API: from then on a message is taken in. Each
run starts `python -m bot.cli run` as a service manager would (Telegram enabled, long polling,
against the local stand-in tools/telegram_standin.py), in a working directory prepared once: the
SQLite database migrated, the NLU model trained and cached in data/nlu-cache, and this
checkout's modules compiled to bytecode (as scripts/venv.sh does). One untimed run comes first,
so what a start caches on disk and the operating system's page cache are warm; then `--runs`
timed runs, each stopped by SIGTERM once it answered a first chat message.

Per run: `ready_s` (process start → first getUpdates), the Bot API calls on the way (getMe,
setMyCommands, deleteWebhook; when each was last called, from the process start),
`first_reply_s` (a new user's "hallo", pushed the moment the bot is ready, until the answer is
sent: what loading the NLU after ready costs a first message at worst) and the start-up phases
the process logs (bot.startup's and nlu.loading's "start-up: … in 0.123 s" lines). A last run
under `python -X importtime` splits the imports into those before ready and those after (each
line is placed by when it arrived on stderr), summed by top-level package.

The machine may be busy with other work, which stretches every figure: `--baseline DIR` runs a
second checkout (e.g. `git worktree add /tmp/before <commit>`; the bot is imported from DIR,
the stand-in and this script from here) alternately with this one, under the same load, and
reports both.

A development tool at the top of the stack: it may import bot and tools; nothing imports it."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.telegram_standin import TelegramStandin

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:STARTUP-bench-token"
FIRST_MESSAGE = "hallo"
READY_TIMEOUT_S = 120.0
REPLY_TIMEOUT_S = 60.0
SETTLE_AFTER_REPLY_S = 2.0  # the importtime run: what loads in the background has time to end
PHASE = re.compile(r"start-up: (?P<phase>[\w -]+?) (?:in|after) (?P<seconds>\d+(?:\.\d+)?) s")
IMPORT_LINE = re.compile(r"import time:\s+(?P<self>\d+) \|\s+(?P<total>\d+) \|(?P<name>.*)$")
TOP_PACKAGES = 15
PACKAGES = ("bot", "nlu", "domain", "matching", "storage")


@dataclass
class Run:
    ready_s: float
    calls_s: dict[str, float]  # Bot API method → when it was last called before ready
    first_reply_s: float
    first_reply: str
    phases_s: dict[str, float]


@dataclass
class TimedLine:
    at: float  # time.monotonic() when the line was read
    text: str


@dataclass
class Bot:
    """One checkout's `ehrenamt run`: `source` None is this one."""

    config: Path
    source: Path | None = None

    def environment(self) -> dict[str, str]:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "DEBUG"}
        if self.source is not None:  # before the editable install of this checkout
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(self.source), os.environ.get("PYTHONPATH")) if p
            )
        return env

    def start(self, *python_options: str) -> tuple[subprocess.Popen[str], float]:
        command = ["-m", "bot.cli", "--config", str(self.config), "run"]
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, *python_options, *command],
            cwd=self.config.parent,
            env=self.environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        return process, started


def prepare(workdir: Path, api: TelegramStandin) -> Path:
    """config.yml with Telegram on against the stand-in, the database migrated, the NLU cached."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["database"]["url"] = f"sqlite:///{workdir / 'ehrenamt.sqlite3'}"
    config["channels"]["console"]["enabled"] = False
    config["channels"]["telegram"].update(enabled=True, api_url=api.root)
    path = workdir / "config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = Bot(path).environment()
    for command, cwd in (
        (["compileall", "-q", *PACKAGES], ROOT),  # as scripts/venv.sh does at set-up
        (["bot.cli", "--config", str(path), "db", "upgrade"], workdir),
        (["nlu", "train"], workdir),
    ):
        subprocess.run(
            [sys.executable, "-m", *command],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return path


def read_lines(process: subprocess.Popen[str]) -> tuple[list[TimedLine], threading.Thread]:
    """stderr line by line, each with the time it arrived: a pipe left unread could fill up
    and stall the process, and importtime's lines are placed before or after ready by it."""
    lines: list[TimedLine] = []
    assert process.stderr is not None
    stream = process.stderr

    def pump() -> None:
        for text in stream:
            lines.append(TimedLine(time.monotonic(), text.rstrip("\n")))

    reader = threading.Thread(target=pump, name="stderr", daemon=True)
    reader.start()
    return lines, reader


def wait_for(
    condition: Callable[[], bool], process: subprocess.Popen[str], timeout_s: float, what: str
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if process.poll() is not None:
            raise RuntimeError(f"`ehrenamt run` ended ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout_s:.0f} s")
        time.sleep(0.002)


def stop(process: subprocess.Popen[str], reader: threading.Thread) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    reader.join(timeout=10)
    if process.returncode != 0:
        raise RuntimeError(f"`ehrenamt run` exited with {process.returncode}")


def serve_first_message(
    bot: Bot, api: TelegramStandin, user_id: int, *python_options: str, settle_s: float = 0.0
) -> tuple[float, float, float, list[TimedLine]]:
    """Start, push a first message when ready, stop once it is answered: (process start,
    ready, message pushed) as time.monotonic() values (the stand-in's clock), and stderr."""
    api.clear_records()
    process, started = bot.start(*python_options)
    lines, reader = read_lines(process)
    try:
        wait_for(lambda: bool(api.polls), process, READY_TIMEOUT_S, "getUpdates")
        api.push_text(user_id, FIRST_MESSAGE, user_id=user_id, first_name="Bench")
        pushed = time.monotonic()
        answered = lambda: bool(api.calls("sendMessage", user_id))  # noqa: E731
        wait_for(answered, process, REPLY_TIMEOUT_S, "reply")
        time.sleep(settle_s)
    finally:
        stop(process, reader)
    return started, api.polls[0], pushed, lines


def one_run(bot: Bot, api: TelegramStandin, user_id: int) -> Run:
    started, ready, pushed, lines = serve_first_message(bot, api, user_id)
    reply = api.calls("sendMessage", user_id)[0]
    return Run(
        ready_s=ready - started,
        calls_s={call.method: call.at - started for call in api.calls() if call.at < ready},
        first_reply_s=reply.at - pushed,
        first_reply=str(reply.params.get("text", ""))[:80],
        phases_s=phases(line.text for line in lines),
    )


def phases(lines: Iterable[str]) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in lines:
        match = PHASE.search(line)
        if match:
            found[match["phase"]] = float(match["seconds"])
    return found


def import_breakdown(bot: Bot, api: TelegramStandin, user_id: int) -> dict[str, Any]:
    """One run under -X importtime: what is imported before ready and after, by package."""
    _, ready, _, lines = serve_first_message(
        bot, api, user_id, "-X", "importtime", settle_s=SETTLE_AFTER_REPLY_S
    )
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for line in lines:
        match = IMPORT_LINE.match(line.text)
        if match is None:
            continue
        package = match["name"].strip().split(".")[0]
        (before if line.at <= ready else after)[package] += int(match["self"])
    return {
        "before_ready_ms": round(sum(before.values()) / 1000, 1),
        "after_ready_ms": round(sum(after.values()) / 1000, 1),
        "before_ready_by_package_ms": _top(before),
        "after_ready_by_package_ms": _top(after),
    }


def _top(counts: Counter[str]) -> dict[str, float]:
    return {name: round(us / 1000, 1) for name, us in counts.most_common(TOP_PACKAGES)}


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
        "min": round(min(values), 3),
    }


def _medians(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Per name, the median over the runs that have it, in the order they happened."""
    names = sorted({name for row in rows for name in row}, key=lambda n: rows[0].get(n, 0.0))
    return {
        name: round(statistics.median([row[name] for row in rows if name in row]), 3)
        for name in names
    }


def report(runs: Sequence[Run], warm: Run) -> dict[str, Any]:
    return {
        "ready_s": {
            **_summary([r.ready_s for r in runs]),
            "all": [round(r.ready_s, 3) for r in runs],
        },
        "untimed_first_run_ready_s": round(warm.ready_s, 3),
        "api_calls_s": _medians([r.calls_s for r in runs]),
        "phases_s": _medians([r.phases_s for r in runs]),
        "first_reply_s": {
            **_summary([r.first_reply_s for r in runs]),
            "text": runs[-1].first_reply,
        },
    }


def bench(runs: int, workdir: Path, importtime: bool, baseline: Path | None) -> dict[str, Any]:
    # a new user each run, also in a kept --workdir: no run continues another's conversation
    users: Iterator[int] = iter(range(int(time.time()) % 10**6 * 1000, 10**12))
    with TelegramStandin(TOKEN) as api:
        config = prepare(workdir, api)
        bots = {"current": Bot(config)}
        if baseline is not None:
            bots["baseline"] = Bot(config, baseline)
        warm = {name: one_run(bot, api, next(users)) for name, bot in bots.items()}
        timed: dict[str, list[Run]] = {name: [] for name in bots}
        for _ in range(runs):  # alternately, so a change of the machine's load hits both alike
            for name, bot in bots.items():
                timed[name].append(one_run(bot, api, next(users)))
        imports = import_breakdown(bots["current"], api, next(users)) if importtime else None
    document: dict[str, Any] = {
        "command": " ".join(["python -m tools.bench.startup", *sys.argv[1:]]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "runs": runs,
        **report(timed["current"], warm["current"]),
    }
    if imports is not None:
        document["imports"] = imports
    if baseline is not None:
        document["baseline"] = {
            "source": str(baseline),
            **report(timed["baseline"], warm["baseline"]),
        }
    return document


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench.startup",
        description="Time `ehrenamt run` from process start to its first getUpdates.",
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs (default 7)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--workdir", type=Path, help="prepare and keep the working directory here (default: temp)"
    )
    parser.add_argument(
        "--baseline", type=Path, metavar="DIR", help="another checkout to run alternately"
    )
    parser.add_argument(
        "--no-importtime", action="store_true", help="skip the -X importtime breakdown run"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    baseline = args.baseline.resolve() if args.baseline is not None else None
    if baseline is not None and not (baseline / "bot" / "cli.py").is_file():
        raise SystemExit(f"--baseline {args.baseline}: no checkout of this project there")
    importtime = not args.no_importtime
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        document = bench(args.runs, args.workdir.resolve(), importtime, baseline)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="ehrenamt-startup-"))
        try:
            document = bench(args.runs, workdir, importtime, baseline)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
