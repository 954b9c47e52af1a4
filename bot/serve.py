"""`ehrenamt run` with messengers: the configured channels, the push scheduler and the outbox
workers in one asyncio process, until SIGINT or SIGTERM.

Stopping is orderly: intake stops first, messages already recorded are handled (or left in the
inbox for the next start), deliveries in flight finish, the scheduler stops last."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING, Protocol

from bot.app import App
from bot.channels.telegram.channel import TelegramChannel, TelegramOptions, WebhookOptions
from bot.config import AppConfig
from bot.delivery import DeliveryOptions, RateLimits
from bot.scheduler import PushScheduler

if TYPE_CHECKING:
    from bot.channels.matrix.channel import MatrixOptions

log = logging.getLogger(__name__)


class Channel(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def telegram_options(config: AppConfig) -> TelegramOptions:
    telegram = config.channels.telegram
    if telegram.token is None:
        raise ValueError("channels.telegram.token is not configured")
    webhook = None
    if telegram.mode == "webhook":
        hook = telegram.webhook
        if hook is None or hook.secret_token is None:
            raise ValueError("webhook mode needs channels.telegram.webhook with a secret_token")
        webhook = WebhookOptions(
            public_url=hook.public_url,
            secret_token=hook.secret_token.resolve(),
            listen=hook.listen,
            port=hook.port,
            path=hook.path,
        )
    return TelegramOptions(
        token=telegram.token.resolve(),
        webhook=webhook,
        base_url=f"{telegram.api_url}/bot",
        base_file_url=f"{telegram.api_url}/file/bot",
    )


def matrix_options(config: AppConfig) -> MatrixOptions:
    # imported here: matrix-nio and its crypto take half a second to load, which every other
    # command (chat, db, check-config) would pay for nothing
    from bot.channels.matrix.channel import MatrixOptions

    matrix = config.channels.matrix
    if matrix.homeserver is None or matrix.user_id is None:
        raise ValueError("channels.matrix needs a homeserver and a user_id")
    return MatrixOptions(
        homeserver=matrix.homeserver,
        user_id=matrix.user_id,
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
    channels: list[Channel] = []
    if app.config.telegram_enabled:
        channels.append(
            TelegramChannel(
                app.engine, telegram_options(app.config), delivery_options(app.config, "telegram")
            )
        )
    if app.config.matrix_enabled:
        from bot.channels.matrix.channel import MatrixChannel  # see matrix_options

        channels.append(
            MatrixChannel(
                app.engine, matrix_options(app.config), delivery_options(app.config, "matrix")
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
    started: list[Channel] = []
    try:
        for channel in channels:
            await channel.start()
            started.append(channel)
        scheduler.start()
        log.info("serving %d channel(s); stop with Ctrl-C", len(started))
        await stop.wait()
    finally:
        log.info("stopping")
        for channel in reversed(started):
            try:
                await channel.stop()
            except Exception:
                log.exception("stopping a channel failed")
        scheduler.shutdown()
