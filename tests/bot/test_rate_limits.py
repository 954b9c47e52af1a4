from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import DeliveryConfig
from bot.delivery import DeliveryLimiter, RateLimits, SlidingWindow


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def violations(times: list[float], limit: int, window_s: float) -> int:
    """How many times more than `limit` events fell into a half-open window of `window_s`."""
    ordered = sorted(times)
    return sum(
        1 for i in range(len(ordered) - limit) if ordered[i + limit] - ordered[i] < window_s - 1e-9
    )


def send_greedily(window: SlidingWindow, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        clock.now += window.wait_time()
        times.append(clock.now)
        window.record()
    return times


def test_a_window_allows_a_burst_then_paces() -> None:
    clock = FakeClock()
    window = SlidingWindow(3, 1.0, clock)
    times = send_greedily(window, clock, 7)
    assert [t - 100 for t in times] == [0, 0, 0, 1, 1, 1, 2]
    assert violations(times, 3, 1.0) == 0


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(1, 30),
    window_s=st.sampled_from([0.5, 1.0, 5.0, 60.0]),
    gaps=st.lists(st.floats(0, 2), min_size=1, max_size=120),
)
def test_never_more_than_n_in_any_window(limit: int, window_s: float, gaps: list[float]) -> None:
    clock = FakeClock()
    window = SlidingWindow(limit, window_s, clock)
    times = []
    for gap in gaps:
        clock.now += gap  # whenever someone happens to want to send
        clock.now += window.wait_time()
        assert window.wait_time() == 0
        times.append(clock.now)
        window.record()
    assert violations(times, limit, window_s) == 0


def test_a_pause_holds_everything_back() -> None:
    clock = FakeClock()
    window = SlidingWindow(5, 1.0, clock)
    window.record()
    window.pause(30)
    assert window.wait_time() == 30
    clock.now += 30
    assert window.wait_time() == 0
    assert window.idle()


def test_rates_become_windows_that_never_exceed_them() -> None:
    limits = RateLimits(messages_per_second=2.5, per_chat_per_second=0.2, per_group_per_minute=20)
    assert limits.overall_window == (2, 1.0)
    assert limits.chat_window == (1, 5.0)
    assert limits.group_window == (20, 60.0)
    with pytest.raises(ValueError, match="positive"):
        RateLimits(messages_per_second=0, per_chat_per_second=1, per_group_per_minute=1)


def test_limits_from_config() -> None:
    limits = RateLimits.from_config(DeliveryConfig().telegram)
    assert limits == RateLimits(25, 1, 20)


def test_group_and_private_chats_count_against_their_own_windows() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter(
        RateLimits(messages_per_second=30, per_chat_per_second=1, per_group_per_minute=20), clock
    )
    sent: dict[str, list[float]] = {"group": [], "anna": [], "ben": []}
    overall: list[float] = []
    rng = random.Random(7)
    # 3 chats competing for 10 simulated minutes, always sending whatever may go soonest
    while clock.now < 700:
        waits = {
            chat: limiter.wait_time(chat, group=chat == "group")
            for chat in sent
            if rng.random() < 0.9
        }
        if not waits:
            clock.now += 0.1
            continue
        chat = min(waits, key=lambda c: waits[c])
        clock.now += waits[chat]
        limiter.record(chat, group=chat == "group")
        sent[chat].append(clock.now)
        overall.append(clock.now)
    assert violations(sent["group"], 20, 60.0) == 0
    assert violations(sent["anna"], 1, 1.0) == 0
    assert violations(sent["ben"], 1, 1.0) == 0
    assert violations(overall, 30, 1.0) == 0
    # the group is held to 20/min, not to the private 1/s
    assert 20 * 10 <= len(sent["group"]) <= 20 * 11
    assert len(sent["anna"]) > 400  # ~1/s over 600 s, less the random pauses


def test_a_group_message_does_not_touch_a_private_chats_window() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter(RateLimits(100, 1, 2), clock)
    limiter.record("42", group=True)
    assert limiter.chat_wait("42", group=False) == 0
    limiter.record("42", group=True)
    assert limiter.chat_wait("42", group=True) == 60
    assert limiter.wait_time("43", group=False) == 0


def test_the_overall_limit_applies_across_chats() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter(RateLimits(3, 1, 20), clock)
    for chat in "abc":
        assert limiter.wait_time(chat, group=False) == 0
        limiter.record(chat, group=False)
    assert limiter.wait_time("d", group=False) == 1.0
    assert limiter.chat_wait("d", group=False) == 0


def test_idle_chats_are_forgotten() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter(RateLimits(1000, 1, 20), clock)
    for n in range(10_000):
        limiter.record(f"chat-{n}", group=n % 10 == 0)
    assert limiter.tracked_chats == 10_000
    clock.now += 61  # longer than the longest window (a group's minute)
    limiter.record("fresh", group=False)
    assert limiter.tracked_chats == 1


def test_a_paused_chat_is_not_forgotten_while_paused() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter(RateLimits(1000, 1, 20), clock)
    limiter.pause_chat("anna", group=False, seconds=300)
    clock.now += 120
    limiter.prune()
    assert limiter.chat_wait("anna", group=False) == pytest.approx(180)


@pytest.mark.parametrize("seed", range(5))
def test_sends_under_way_count_until_they_end(seed: int) -> None:
    """A send reaches the platform somewhere between its start and its end: with any latency,
    the arrivals never break the window."""
    rng = random.Random(seed)
    clock = FakeClock()
    window = SlidingWindow(5, 1.0, clock)
    under_way: list[tuple[float, int]] = []  # (ends at, id)
    sends = {}
    arrivals = []
    for n in range(300):
        while True:
            target = clock.now + window.wait_time()
            next_end = min(under_way, default=None)
            if next_end is not None and next_end[0] < target:
                clock.now = next_end[0]
                window.finish(sends.pop(next_end[1]))
                under_way.remove(next_end)
                continue
            clock.now = target
            if window.wait_time() == 0:
                break
        latency = rng.uniform(0, 0.6)
        sends[n] = window.begin()
        under_way.append((clock.now + latency, n))
        arrivals.append(clock.now + rng.uniform(0, latency))
    assert violations(arrivals, 5, 1.0) == 0
    # the wait for ends costs at most the latency per window
    assert clock.now - 100 < 300 / 5 * 1.6


def test_a_window_full_of_unfinished_sends_waits_at_least_its_length() -> None:
    clock = FakeClock()
    window = SlidingWindow(2, 1.0, clock)
    first, second = window.begin(), window.begin()
    clock.now += 5
    assert window.wait_time() == 1.0
    window.finish(first)
    window.finish(second)
    assert window.wait_time() == 1.0
    clock.now += 1
    assert window.wait_time() == 0
