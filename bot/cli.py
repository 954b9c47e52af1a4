"""The `ehrenamt` command: run the bot, chat in a terminal, migrate, load demo data."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.app import SchemaOutdated, build_app, connect, open_database
from bot.background import BackgroundPushes
from bot.channels.console.adapter import ConsoleSender, ConsoleSession, run_console
from bot.config import AppConfig, ConfigError, load_config
from bot.delivery import deliver_due
from bot.demo_loader import load_demo_data
from bot.logs import DEFAULT_LEVEL, configured, guard_secrets, parse_level
from bot.redaction import redact
from bot.scheduler import PushScheduler
from bot.serve import channels_of, serve
from domain.actors import Platform, PlatformIdentity
from domain.errors import ValidationError
from storage.connectivity import DatabaseUnusable
from storage.migrate import current_revision, head_revision, upgrade

log = logging.getLogger("ehrenamt")
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # as a shell reports a process ended by SIGINT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ehrenamt",
        description="Chatbot for volunteer engagement (Ehrenamt): Telegram, Matrix and console.",
    )
    parser.add_argument(
        "--config",
        default=os.environ.get("EHRENAMT_CONFIG", "config.yml"),
        help="path to config.yml (default: $EHRENAMT_CONFIG or ./config.yml)",
    )
    parser.add_argument(
        "--log-level",
        default=None,
        help="DEBUG, INFO, WARNING, ERROR or CRITICAL for the bot's own messages (default: "
        "$LOG_LEVEL, else INFO for `run` with Telegram or Matrix and WARNING otherwise); "
        "libraries log from WARNING on whatever is chosen",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="serve the configured channels (the console if none)")

    chat = commands.add_parser("chat", help="chat in this terminal as a console user")
    chat.add_argument("--as", dest="user", default=None, help="console user id (default: $USER)")
    chat.add_argument("--lang", choices=["de", "en"], default=None, help="the user's locale")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate the database to the newest schema")
    db_commands.add_parser("current", help="show the schema revision")

    demo = commands.add_parser("demo-data", help="load the Aachen-region demo data set")
    demo.add_argument("--replace", action="store_true", help="reload it if already present")
    demo.add_argument("--seed", type=int, default=2026)

    commands.add_parser("check-config", help="validate config.yml and exit")
    return parser


def _console_user(explicit: str | None) -> str:
    user = explicit or os.environ.get("USER") or getpass.getuser() or "console"
    PlatformIdentity(Platform.CONSOLE, user)  # validates the id, raising a clear error
    return user


def _chat(config: AppConfig, user: str, language: str | None) -> int:
    app = build_app(config, home_municipality=config.channels.console.municipality)
    app.start_loading()  # the NLU loads while the user types; a first message waits for it
    session = ConsoleSession(user, app.engine.settings.municipalities, language_hint=language)
    interactive = sys.stdin.isatty()
    background = None
    if interactive:
        print(f"Ehrenamt-Bot · console:{user} · /quit to leave, /start to begin\n")
        # waves, digests and expiry run meanwhile; pushes for this user show up unasked
        sender = ConsoleSender(session, lambda text: print("\n" + text, end="", flush=True))
        background = BackgroundPushes(
            PushScheduler(app.database, app.engine.settings.pushes),
            lambda: deliver_due(app.database, Platform.CONSOLE, sender, chat_id=user),
        )
        background.start()
    try:
        run_console(app.engine, session, sys.stdin, sys.stdout, prompt="> " if interactive else "")
    except KeyboardInterrupt:
        print()
    finally:
        if background is not None:
            background.stop()
        app.database.dispose()
    return 0


def _run(config: AppConfig) -> int:
    if not config.telegram_enabled and not config.matrix_enabled:
        return _chat(config, _console_user(None), None)
    app = build_app(config)
    try:
        channels = channels_of(app)
        asyncio.run(serve(app, channels))
    except (ValueError, ConnectionError) as error:  # e.g. Telegram refused the token
        print(f"error: {redact(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        app.database.dispose()
    return 0


def _front_end_lines(config: AppConfig) -> list[str]:
    """What `run` would serve: each bot with the municipality it speaks for."""
    lines: list[str] = []
    for front_end, telegram in config.telegram_front_ends().items():
        whose = f"municipality {front_end}" if front_end else "shared bot"
        lines.append(f"  telegram  {whose:<24} {telegram.mode}, token {telegram.token}")
    for front_end, matrix in config.matrix_front_ends().items():
        whose = f"municipality {front_end}" if front_end else "shared bot"
        lines.append(f"  matrix    {whose:<24} {matrix.user_id} on {matrix.homeserver}")
    if not lines:
        where = config.channels.console.municipality or config.municipalities[0].key
        return [f"front ends: the console only (municipality {where})"]
    return ["front ends:", *lines]


def _demo(config: AppConfig, replace: bool, seed: int) -> int:
    database = open_database(config)
    try:
        summary = load_demo_data(
            database, config.domain_municipalities(), datetime.now(UTC), replace=replace, seed=seed
        )
    finally:
        database.dispose()
    if summary.skipped:
        print("Demo data is already loaded (use --replace to load it afresh).")
        return 0
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(summary.by_status.items()))
    print(
        f"Loaded {summary.postings} postings ({statuses}), "
        f"{summary.organisations} organisations and {summary.people} people."
    )
    return 0


def _db(config: AppConfig, action: str) -> int:
    database = connect(config)
    try:
        if action == "upgrade":
            upgrade(database.engine)
        print(f"schema revision: {current_revision(database.engine)} (newest: {head_revision()})")
    finally:
        database.dispose()
    return 0


def _log_level(args: argparse.Namespace, config: AppConfig) -> int:
    """The level asked for, else INFO where the bot serves messengers (so it says that it
    does), else WARNING: a chat in the terminal is not interleaved with log lines."""
    chosen = args.log_level or os.environ.get("LOG_LEVEL")
    if chosen:
        return parse_level(chosen)
    serving = args.command == "run" and (config.telegram_enabled or config.matrix_enabled)
    return parse_level(DEFAULT_LEVEL) if serving else logging.WARNING


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(Path(args.config))
    except ConfigError as error:
        for problem in error.problems:
            print(f"{args.config}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    # every secret of the config is kept out of the logs before anything can log it
    guard_secrets(config.secrets())
    try:
        level = _log_level(args, config)
    except ValueError as error:
        print(f"error: --log-level / LOG_LEVEL: {error}", file=sys.stderr)
        return EXIT_USAGE
    with configured(level):
        return _command(args, config)


def _command(args: argparse.Namespace, config: AppConfig) -> int:
    try:
        if args.command == "check-config":
            print(f"{args.config}: ok")
            for line in _front_end_lines(config):
                print(line)
            return 0
        if args.command == "run":
            return _run(config)
        if args.command == "chat":
            return _chat(config, _console_user(args.user), args.lang)
        if args.command == "db":
            return _db(config, args.db_command)
        if args.command == "demo-data":
            return _demo(config, args.replace, args.seed)
    except ConfigError as error:
        for problem in error.problems:
            print(f"{args.config}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except (ValidationError, SchemaOutdated, DatabaseUnusable, ConnectionError) as error:
        # the database or a messenger refused or could not be reached: one line, no traceback
        print(f"error: {redact(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # Ctrl-C while waiting for a service at start
        return EXIT_INTERRUPTED
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    raise SystemExit(main())
