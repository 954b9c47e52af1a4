"""`python -m tools.bench.echo_bot --api URL --token TOKEN`: the floor for the channel benchmark.

A bare python-telegram-bot echo bot as its documentation builds one (Application, long polling
by its own Updater, one MessageHandler that answers with the same text), run as a process of
its own against the same Bot API stand-in as ours. It keeps nothing and answers at once, so
its times are what the library, the loopback and the stand-in cost by themselves."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Sequence

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


async def serve(api: str, token: str) -> None:
    application = (
        Application.builder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
    ).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=10)
        print("echo bot: polling", flush=True)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.echo_bot")
    parser.add_argument("--api", required=True, help="the Bot API root, e.g. http://127.0.0.1:8081")
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(args.api, args.token))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
