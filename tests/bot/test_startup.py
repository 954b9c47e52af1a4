"""Starting against services that may not be up yet: what is retried, how often, how it is
said, and how a failed connection is put in a few words."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from bot.config import ConfigError, parse_config
from bot.startup import Backoff, GaveUp, network_reason, retry, start_with_retry

QUICK = Backoff(attempts=3, first_delay_s=0.01, max_delay_s=0.02)


def test_the_pause_doubles_up_to_the_maximum() -> None:
    backoff = Backoff()
    assert [backoff.delay(failed) for failed in range(1, 6)] == [2.0, 4.0, 8.0, 15.0, 15.0]


def test_a_connection_error_is_tried_again_with_one_line_each_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[Exception | None] = [ConnectionError("db down"), ConnectionError("db down")]
    pauses: list[float] = []

    def connect() -> str:
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome
        return "connected"

    backoff = Backoff(attempts=5, first_delay_s=2, max_delay_s=15)
    with caplog.at_level(logging.WARNING, logger="bot.startup"):
        assert retry(connect, backoff, sleep=pauses.append) == "connected"
    assert pauses == [2.0, 4.0]
    assert caplog.messages == [
        "db down; trying again in 2 s (attempt 2 of 5)",
        "db down; trying again in 4 s (attempt 3 of 5)",
    ]


def test_it_gives_up_after_the_last_attempt() -> None:
    calls = 0

    def connect() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("database x is not reachable: connection refused")

    with pytest.raises(GaveUp) as caught:
        retry(connect, QUICK, sleep=lambda _: None)
    assert calls == 3
    assert str(caught.value) == ("database x is not reachable: connection refused (tried 3 times)")
    assert isinstance(caught.value, ConnectionError)


def test_a_refusal_is_not_tried_again() -> None:
    calls = 0

    def connect() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("Telegram rejected the bot token")

    with pytest.raises(ValueError, match="rejected"):
        retry(connect, QUICK, sleep=lambda _: None)
    assert calls == 1


def test_a_channel_is_stopped_after_each_failed_start_then_started_again() -> None:
    events: list[str] = []

    async def start() -> None:
        events.append("start")
        if events.count("start") < 3:
            raise ConnectionError("cannot reach the homeserver")

    async def undo() -> None:
        events.append("stop")

    started = asyncio.run(start_with_retry(start, undo, QUICK, asyncio.Event()))
    assert started
    assert events == ["start", "stop", "start", "stop", "start"]


def test_a_refused_start_is_stopped_and_raised_at_once() -> None:
    events: list[str] = []

    async def start() -> None:
        events.append("start")
        raise ValueError("the homeserver refused the login")

    async def undo() -> None:
        events.append("stop")

    with pytest.raises(ValueError, match="refused the login"):
        asyncio.run(start_with_retry(start, undo, QUICK, asyncio.Event()))
    assert events == ["start", "stop"]


def test_a_stop_while_waiting_ends_the_waiting() -> None:
    async def scenario() -> bool:
        stop = asyncio.Event()

        async def start() -> None:
            stop.set()  # SIGTERM arrives meanwhile
            raise ConnectionError("cannot reach the Bot API")

        async def undo() -> None:
            pass

        patient = Backoff(attempts=5, first_delay_s=60, max_delay_s=60)
        return await asyncio.wait_for(start_with_retry(start, undo, patient, stop), 5)

    assert asyncio.run(scenario()) is False


def _wrapped(inner: BaseException) -> Exception:
    """As HTTP libraries do: their error caused by theirs caused by the socket's."""
    try:
        try:
            raise inner
        except BaseException as error:
            raise OSError("All connection attempts failed") from error
    except OSError as error:
        outer = RuntimeError("httpx.ConnectError: All connection attempts failed")
        outer.__cause__ = error
        return outer


@pytest.mark.parametrize(
    ("inner", "reason"),
    [
        (ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 1)"), "connection refused"),
        (socket.gaierror(-2, "Name or service not known"), "host name not found"),
        (TimeoutError(), "timed out"),
    ],
)
def test_a_network_failure_is_said_in_a_few_words(inner: BaseException, reason: str) -> None:
    assert network_reason(_wrapped(inner)) == reason


def test_any_other_failure_is_its_first_line() -> None:
    assert network_reason(RuntimeError("Bad Gateway\n<html>…</html>")) == "Bad Gateway"


def test_the_startup_section_is_checked() -> None:
    base = {
        "municipalities": [{"key": "aachen", "name": "Aachen", "centre": {"lat": 50.7, "lon": 6}}]
    }
    config = parse_config({**base, "startup": {"attempts": 2, "first_delay_seconds": 0.5}}, {})
    assert Backoff.from_config(config.startup) == Backoff(2, 0.5, 15.0)
    with pytest.raises(ConfigError) as caught:
        parse_config({**base, "startup": {"attempts": 0, "max_delay_seconds": 1, "tries": 3}}, {})
    assert caught.value.problems == [
        "startup.attempts: must be between 1 and 100",
        "startup.tries: unknown key (allowed: attempts, first_delay_seconds, max_delay_seconds)",
    ]
    with pytest.raises(ConfigError) as caught:
        parse_config({**base, "startup": {"max_delay_seconds": 1}}, {})
    assert caught.value.problems == [
        "startup.max_delay_seconds: must not be less than first_delay_seconds"
    ]
