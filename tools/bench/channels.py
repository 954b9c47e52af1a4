"""`python -m tools.bench.channels`: how fast `ehrenamt run` takes in Telegram updates and answers,
beside a bare python-telegram-bot echo bot on the same stand-in in the same run. Prints JSON.

Both bots run as processes of their own against one Bot API stand-in (tools/telegram_standin.py)
in this process, on loopback, so neither shares its interpreter with the server. Ours runs with
the shipped config.yml (the real NLU, its cache in data/nlu-cache) on SQLite and on PostgreSQL;
the echo bot keeps nothing and answers at once, the floor of what the library, the loopback and
the stand-in cost. For each bot:

  ready_s        process start → its first poll (deleteWebhook, sent right before getUpdates),
                 on a second start, with the database migrated and the NLU cached
  turn latency   `turns` new users each send one message, `turn_rate` a second (below every rate
                 limit): from the moment the update is available at the API to the moment the
                 first reply reaches it; p50 / p95 / max in ms, after 3 s and 20 turns of
                 warm-up that are not counted (both bots alike); for ours also where the time
                 goes (the database's timestamps: recorded, handled, delivered)
  intake         `updates` messages of `updates / 10` users pushed at once: updates per second
                 until all are acknowledged (ours: recorded in the database first; the echo bot:
                 fetched into memory), and until all are handled (ours: every inbox entry
                 handled; the echo bot: every echo sent)

Targets (issue 14): intake ≥ 300 updates/s per process on PostgreSQL; turn latency p95 within
2 × the echo bot's p95 + 50 ms; ready within 3 s."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text

from tools.postgres import fresh_database
from tools.telegram_standin import TelegramStandin

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "424242:BENCH-token-not-secret"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WARM_UP_S = 3.0  # after ready, before the first counted turn (both bots alike)
WARM_UP_TURNS = 20
TEXTS = (
    "/hilfe",
    "Ich kann morgen beim Umzug helfen",
    "was gibt es am Wochenende in Burtscheid",
    "/start",
    "Wir suchen Samstag 4 Helfer für die Tafel",
)


@dataclass(frozen=True)
class Options:
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    updates: int = 3000
    turns: int = 200
    turn_rate: float = 10.0
    pg_url: str = DEFAULT_PG_URL
    echo: bool = True


class Bot:
    """A bot process against the stand-in; `ready` waits for its first poll."""

    def __init__(self, command: list[str], api: TelegramStandin, env: dict[str, str]) -> None:
        self.api = api
        self.started = time.monotonic()
        self._polls = len(api.calls("deleteWebhook"))
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ready(self, timeout_s: float = 120) -> float:
        _until(lambda: len(self.api.calls("deleteWebhook")) > self._polls, timeout_s, self)
        return self.api.calls("deleteWebhook")[-1].at - self.started

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _until(condition: Callable[[], bool], timeout_s: float, bot: Bot | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if bot is not None and bot.process.poll() is not None:
            raise RuntimeError(
                f"the bot exited: {bot.process.stderr and bot.process.stderr.read()}"
            )
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark waited too long")
        time.sleep(0.005)


def _ms(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p95": round(p95 * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
    }


def turn_latency(
    api: TelegramStandin, first_user: int, options: Options, url: str | None = None
) -> dict[str, Any]:
    # warm-up, not counted: the first turns pay for connections opened and code first run,
    # and a new process is still loading its NLU in the background
    time.sleep(WARM_UP_S)
    for n in range(WARM_UP_TURNS):
        api.push_text(first_user - 1 - n, "/hilfe", user_id=first_user - 1 - n, first_name="W")
        time.sleep(1 / options.turn_rate)
    pushed: dict[int, float] = {}
    for n in range(options.turns):
        user = first_user + n
        pushed[user] = time.monotonic()
        api.push_text(user, "/hilfe", user_id=user, first_name="Bench")
        time.sleep(1 / options.turn_rate)

    def answered() -> bool:
        return all(api.calls("sendMessage", chat_id=user) for user in pushed)

    _until(answered, 60)
    replied = {u: api.calls("sendMessage", chat_id=u)[0].at for u in pushed}
    latencies = [replied[u] - at for u, at in pushed.items()]
    report: dict[str, Any] = {
        "turns": options.turns,
        "per_second": options.turn_rate,
        "ms": _ms(latencies),
    }
    if url is not None:
        report["stages_ms"] = _stages(url, pushed, replied)
    return report


def _stages(url: str, pushed: dict[int, float], replied: dict[int, float]) -> dict[str, Any]:
    """Where a turn's time goes, from the database's own timestamps: available → recorded
    (fetched and recorded), recorded → handled (NLU, flow, reply queued), handled → at the
    API (the outbox worker's claim and the send)."""
    wall = time.time() - time.monotonic()  # the stand-in's clock to the database's
    engine = create_engine(url)
    stages: dict[str, list[float]] = {"recorded": [], "handled": [], "delivered": []}
    with engine.connect() as connection:
        for user, at in pushed.items():
            inbox = connection.execute(
                text("SELECT received_at, handled_at FROM inbox WHERE chat_id = :c ORDER BY id"),
                {"c": str(user)},
            ).first()
            if inbox is None or None in tuple(inbox):
                continue
            moments = [at + wall, *(_epoch(m) for m in inbox), replied[user] + wall]
            for name, (start, end) in zip(stages, itertools.pairwise(moments), strict=True):
                stages[name].append(end - start)
    engine.dispose()
    return {name: _ms(values) for name, values in stages.items() if values}


def _epoch(moment: Any) -> float:
    if isinstance(moment, str):  # SQLite hands back text
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return float(moment.timestamp())


def intake(
    api: TelegramStandin, first_user: int, options: Options, handled: Callable[[], bool]
) -> dict[str, Any]:
    users = max(1, options.updates // 10)
    started = time.monotonic()
    for n in range(options.updates):
        user = first_user + n % users
        api.push_text(user, TEXTS[n % len(TEXTS)], user_id=user, first_name="Last")
    pushed = time.monotonic()
    _until(lambda: api.pending_updates == 0, 300)
    acknowledged = time.monotonic()
    _until(handled, 600)
    done = time.monotonic()
    return {
        "updates": options.updates,
        "push_s": round(pushed - started, 3),
        "acknowledged_per_s": round(options.updates / (acknowledged - started), 1),
        "handled_per_s": round(options.updates / (done - started), 1),
    }


@contextmanager
def database(backend: str, scratch: Path, pg_url: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{scratch / 'bench.sqlite3'}"
        return
    with fresh_database(pg_url, "bench_channels") as url:
        yield url


def _unhandled(url: str) -> Callable[[], bool]:
    engine = create_engine(url)

    def none_left() -> bool:
        with engine.connect() as connection:
            left = connection.scalar(text("SELECT count(*) FROM inbox WHERE handled_at IS NULL"))
        return bool(left == 0)

    return none_left


def ours(api: TelegramStandin, backend: str, scratch: Path, options: Options) -> dict[str, Any]:
    with database(backend, scratch, options.pg_url) as url:
        config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
        config["database"]["url"] = "${BENCH_DATABASE_URL}"
        config["channels"]["console"]["enabled"] = False
        config["channels"]["telegram"].update(enabled=True, api_url=api.root)
        path = scratch / f"config-{backend}.yml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "BENCH_DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "bot.cli", "--config", str(path), "run"]
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "--config", str(path), "db", "upgrade"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        warm = Bot(command, api, env)  # trains the NLU cache if it is missing
        warm.ready()
        warm.stop()
        bot = Bot(command, api, env)
        try:
            ready = bot.ready()
            latency = turn_latency(api, 1_000_000, options, url)
            taken = intake(api, 2_000_000, options, _unhandled(url))
        finally:
            bot.stop()
        return {"ready_s": round(ready, 2), "turn_latency": latency, "intake": taken}


def echo(api: TelegramStandin, options: Options) -> dict[str, Any]:
    command = [sys.executable, "-m", "tools.bench.echo_bot", "--api", api.root, "--token", TOKEN]
    bot = Bot(command, api, {})
    try:
        ready = bot.ready()
        latency = turn_latency(api, 3_000_000, options)
        sent_before = len(api.calls("sendMessage"))
        taken = intake(
            api,
            4_000_000,
            options,
            lambda: len(api.calls("sendMessage")) - sent_before >= options.updates,
        )
    finally:
        bot.stop()
    return {"ready_s": round(ready, 2), "turn_latency": latency, "intake": taken}


def run(options: Options) -> dict[str, Any]:
    report: dict[str, Any] = {
        "benchmark": "tools.bench.channels",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "options": {
            "updates": options.updates,
            "turns": options.turns,
            "turn_rate": options.turn_rate,
        },
    }
    with tempfile.TemporaryDirectory(prefix="bench-channels-") as scratch:
        for backend in options.backends:
            # a stand-in per bot, so one bot's leftovers never reach another
            with TelegramStandin(TOKEN, max_long_poll_s=10) as api:
                report[backend] = ours(api, backend, Path(scratch), options)
        if options.echo:
            with TelegramStandin(TOKEN, max_long_poll_s=10) as api:
                report["echo_bot"] = echo(api, options)
    report["targets"] = _targets(report)
    return report


def _targets(report: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    floor = report.get("echo_bot", {}).get("turn_latency", {}).get("ms", {}).get("p95")
    for backend in ("sqlite", "postgresql"):
        if backend not in report:
            continue
        figures = report[backend]
        p95 = figures["turn_latency"]["ms"]["p95"]
        checks[backend] = {
            "latency_p95_ms": p95,
            "latency_limit_ms": None if floor is None else round(2 * floor + 50, 1),
            "latency_ok": None if floor is None else p95 <= 2 * floor + 50,
            "ready_ok": figures["ready_s"] <= 3.0,
        }
        if backend == "postgresql":
            checks[backend]["intake_ok"] = figures["intake"]["acknowledged_per_s"] >= 300
    return checks


def parse_args(argv: Sequence[str] | None = None) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.channels", description=__doc__)
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument("--updates", type=int, default=Options.updates)
    parser.add_argument("--turns", type=int, default=Options.turns)
    parser.add_argument("--turn-rate", type=float, default=Options.turn_rate)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL))
    parser.add_argument("--no-echo", action="store_true", help="skip the echo bot")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    options = Options(
        backends=tuple(b for b in args.backends.split(",") if b),
        updates=args.updates,
        turns=args.turns,
        turn_rate=args.turn_rate,
        pg_url=args.pg_url,
        echo=not args.no_echo,
    )
    return options, args.out


def main(argv: Sequence[str] | None = None) -> int:
    options, out = parse_args(argv)
    report = run(options)
    rendered = json.dumps(report, indent=2)
    print(rendered)
    if out is not None:
        out.write_text(rendered + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
