"""`ehrenamt run` with messengers: the configured channels, the push scheduler and the outbox
workers in one asyncio process, until SIGINT or SIGTERM.

A channel is one front end on one platform: the shared bot (channels.telegram, channels.matrix)
and each municipality's own bot or account (municipalities[].telegram / .matrix), all on one
engine and one database. Each has its own intake, outbox worker and rate limits.

Starting waits a little for a Bot API or homeserver that does not answer yet (bot/startup.py).
Starting takes messages as early as it can: the NLU (model, town table, dateparser) loads in the
background only once every channel polls or listens (bot.app, nlu.loading), and a message that
needs it sooner waits for it.

Stopping is orderly: intake stops first, messages already recorded are handled (or left in the
inbox for the next start), deliveries in flight finish, the scheduler stops last."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.app import App
from bot.channels.telegram.channel import TelegramChannel, TelegramOptions, WebhookOptions
from bot.config import AppConfig
from bot.delivery import DeliveryOptions, RateLimits
from bot.scheduler import PushScheduler
from bot.startup import Backoff, phase, start_with_retry

if TYPE_CHECKING:
    from bot.channels.matrix.channel import MatrixOptions

log = logging.getLogger(__name__)
T = TypeVar("T")


class Channel(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def _where(platform: str, front_end: str) -> str:
    """The config key of a front end's bot, for error messages."""
    return f"municipalities[{front_end}].{platform}" if front_end else f"channels.{platform}"


def _own(front_ends: Mapping[str, T], front_end: str, where: str) -> T:
    if front_end not in front_ends:
        raise ValueError(f"{where} is not configured or not enabled")
    return front_ends[front_end]


def telegram_options(config: AppConfig, front_end: str = "") -> TelegramOptions:
    """The Telegram bot of a front end: "" the shared one, else a municipality's own."""
    where = _where("telegram", front_end)
    telegram = config.channels.telegram
    if front_end:
        telegram = _own(config.telegram_front_ends(), front_end, where)
    if telegram.token is None:
        raise ValueError(f"{where}.token is not configured")
    webhook = None
    if telegram.mode == "webhook":
        hook = telegram.webhook
        if hook is None or hook.secret_token is None:
            raise ValueError(f"webhook mode needs {where}.webhook with a secret_token")
        webhook = WebhookOptions(
            public_url=hook.public_url,
            secret_token=hook.secret_token.resolve(),
            listen=hook.listen,
            port=hook.port,
            path=hook.path,
        )
    return TelegramOptions(
        token=telegram.token.resolve(),
        front_end=front_end,
        webhook=webhook,
        base_url=f"{telegram.api_url}/bot",
        base_file_url=f"{telegram.api_url}/file/bot",
    )


def matrix_options(config: AppConfig, front_end: str = "") -> MatrixOptions:
    """The Matrix account of a front end: "" the shared one, else a municipality's own."""
    # imported here: matrix-nio and its crypto take half a second to load, which every other
    # command (chat, db, check-config) would pay for nothing
    from bot.channels.matrix.channel import MatrixOptions

    matrix = config.channels.matrix
    if front_end:
        matrix = _own(config.matrix_front_ends(), front_end, _where("matrix", front_end))
    if matrix.homeserver is None or matrix.user_id is None:
        raise ValueError(f"{_where('matrix', front_end)} needs a homeserver and a user_id")
    return MatrixOptions(
        homeserver=matrix.homeserver,
        user_id=matrix.user_id,
        front_end=front_end,
        access_token=matrix.access_token.resolve() if matrix.access_token else None,
        password=matrix.password.resolve() if matrix.password else None,
        device_id=matrix.device_id,
        encryption=matrix.encryption,
        store_path=matrix.store_path,
        allowed_homeservers=tuple(matrix.allowed_homeservers),
    )


def delivery_options(config: AppConfig, platform: str) -> DeliveryOptions:
    limits = config.delivery.telegram if platform == "telegram" else config.delivery.matrix
    return DeliveryOptions(
        limits=RateLimits.from_config(limits),
        max_attempts=config.delivery.max_attempts,
        lease_seconds=config.delivery.lease_seconds,
    )


def channels_of(app: App) -> list[Channel]:
    """One channel per front end and platform: the shared bots first, then the
    municipalities' own; each delivers with limits of its own (they are per bot)."""
    config = app.config
    channels: list[Channel] = []
    for front_end in config.telegram_front_ends():
        channels.append(
            TelegramChannel(
                app.engine,
                telegram_options(config, front_end),
                delivery_options(config, "telegram"),
            )
        )
    matrix_front_ends = config.matrix_front_ends()
    if matrix_front_ends:
        from bot.channels.matrix.channel import MatrixChannel  # see matrix_options

        for front_end in matrix_front_ends:
            channels.append(
                MatrixChannel(
                    app.engine,
                    matrix_options(config, front_end),
                    delivery_options(config, "matrix"),
                )
            )
    return channels


async def serve(app: App, channels: list[Channel], stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (by SIGINT/SIGTERM when not given)."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
    scheduler = PushScheduler(app.database, app.engine.settings.pushes)
    backoff = Backoff.from_config(app.config.startup)
    started: list[Channel] = []
    try:
        with phase("channels started"):
            for channel in channels:
                # a Bot API or homeserver not reachable yet is asked again, a refusal is not
                if not await start_with_retry(channel.start, channel.stop, backoff, stop):
                    break  # asked to stop while waiting
                started.append(channel)
        scheduler.start()
        log.info("serving %d channel(s); stop with Ctrl-C", len(started))
        # only now, not to delay taking messages; one that needs the NLU sooner waits for it
        app.start_loading()
        await stop.wait()
    finally:
        if started:
            log.info("stopping")
        for channel in reversed(started):
            try:
                await channel.stop()
            except Exception:
                log.exception("stopping a channel failed")
        scheduler.shutdown()
