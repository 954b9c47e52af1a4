"""When the quiet hours a moment falls into end: what a held-back message waits for."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from domain.actors import QuietHours
from matching.targeting import quiet_hours_end

NIGHT = QuietHours(time(22), time(7))
NOON = QuietHours(time(12), time(14))


@pytest.mark.parametrize(
    ("quiet", "now", "end"),
    [
        # 23:30 in Berlin (UTC+1 in winter): the night ends tomorrow at 07:00, 06:00 UTC
        (
            NIGHT,
            datetime(2026, 11, 21, 22, 30, tzinfo=UTC),
            datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
        ),
        # 03:00 in Berlin: the same night, ending this morning
        (NIGHT, datetime(2026, 11, 21, 2, 0, tzinfo=UTC), datetime(2026, 11, 21, 6, 0, tzinfo=UTC)),
        # quiet hours within a day
        (
            NOON,
            datetime(2026, 11, 21, 11, 30, tzinfo=UTC),
            datetime(2026, 11, 21, 13, 0, tzinfo=UTC),
        ),
        # summer time: 07:00 in Berlin is 05:00 UTC
        (NIGHT, datetime(2026, 7, 1, 23, 0, tzinfo=UTC), datetime(2026, 7, 2, 5, 0, tzinfo=UTC)),
    ],
)
def test_the_end_of_the_quiet_hours_now_falls_into(
    quiet: QuietHours, now: datetime, end: datetime
) -> None:
    assert quiet_hours_end(quiet, "Europe/Berlin", now) == end


def test_outside_quiet_hours_or_without_them_nothing_waits() -> None:
    afternoon = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    assert quiet_hours_end(NIGHT, "Europe/Berlin", afternoon) is None
    assert quiet_hours_end(None, "Europe/Berlin", afternoon) is None
    # the end itself is no longer quiet
    assert quiet_hours_end(NOON, "Europe/Berlin", datetime(2026, 11, 21, 13, 0, tzinfo=UTC)) is None
