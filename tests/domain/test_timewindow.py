"""One-off, weekly and open-ended time windows; intervals, bounds and overlap."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.errors import ValidationError
from domain.timewindow import (
    WEEKDAYS,
    OneOff,
    OpenEnded,
    TimeWindowKind,
    Weekly,
    WeeklySlot,
    check_time_zone,
    overlap,
    to_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
SUN = 6
TUE = 1


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def sunday_morning(**kwargs: object) -> Weekly:
    return Weekly((WeeklySlot(SUN, time(10), time(12)),), **kwargs)  # type: ignore[arg-type]


# --- helpers -------------------------------------------------------------------------------------


def test_to_utc_converts_aware_datetimes() -> None:
    result = to_utc(berlin(2026, 7, 1, 12, 0), "x")
    assert result == utc(2026, 7, 1, 10, 0)
    assert result.tzinfo is UTC


def test_to_utc_refuses_naive() -> None:
    with pytest.raises(ValidationError) as info:
        to_utc(datetime(2026, 7, 1, 12, 0), "when")  # noqa: DTZ001
    assert info.value.field == "when"
    assert info.value.message == "must carry a time zone"


def test_check_time_zone() -> None:
    assert check_time_zone("Europe/Berlin") == BERLIN
    with pytest.raises(ValidationError) as info:
        check_time_zone("Mars/Olympus_Mons")
    assert info.value.field == "time_zone"
    assert info.value.message == "unknown time zone 'Mars/Olympus_Mons'"


@pytest.mark.parametrize("name", ["", "../etc/passwd", "Europe/Nowhere", "/etc/localtime"])
def test_check_time_zone_refuses_bad_names(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_time_zone(name, "tz")
    assert info.value.field == "tz"


def test_weekdays() -> None:
    assert WEEKDAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- OneOff --------------------------------------------------------------------------------------


def test_one_off_is_normalised_to_utc() -> None:
    window = OneOff(berlin(2026, 6, 13, 10, 0), berlin(2026, 6, 13, 12, 0))
    assert window.start == utc(2026, 6, 13, 8, 0)
    assert window.end == utc(2026, 6, 13, 10, 0)
    assert window.start.tzinfo is UTC
    assert window.end.tzinfo is UTC
    assert window.kind is TimeWindowKind.ONE_OFF
    assert window.bounds() == (utc(2026, 6, 13, 8, 0), utc(2026, 6, 13, 10, 0))


def test_one_off_accepts_fixed_offsets() -> None:
    plus_two = timezone(timedelta(hours=2))
    window = OneOff(datetime(2026, 6, 13, 10, tzinfo=plus_two), utc(2026, 6, 13, 9))
    assert window.start == utc(2026, 6, 13, 8)


def test_one_off_refuses_naive_start() -> None:
    with pytest.raises(ValidationError) as info:
        OneOff(datetime(2026, 6, 13, 10), utc(2026, 6, 13, 12))  # noqa: DTZ001
    assert info.value.field == "time.start"
    assert info.value.message == "must carry a time zone"


def test_one_off_refuses_naive_end() -> None:
    with pytest.raises(ValidationError) as info:
        OneOff(utc(2026, 6, 13, 10), datetime(2026, 6, 13, 12))  # noqa: DTZ001
    assert info.value.field == "time.end"
    assert info.value.message == "must carry a time zone"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (utc(2026, 6, 13, 12), utc(2026, 6, 13, 12)),
        (utc(2026, 6, 13, 12), utc(2026, 6, 13, 11, 59)),
        # 12:00 in Berlin (10:00 UTC) is before 11:00 UTC, yet 12:00 > 11:00 on the wall clock
        (utc(2026, 6, 13, 11), berlin(2026, 6, 13, 12)),
    ],
)
def test_one_off_end_must_be_after_start(start: datetime, end: datetime) -> None:
    with pytest.raises(ValidationError) as info:
        OneOff(start, end)
    assert info.value.field == "time.end"
    assert info.value.message == "must be after the start"


def test_one_off_intervals_are_clipped() -> None:
    window = OneOff(utc(2026, 6, 13, 10), utc(2026, 6, 13, 12))
    assert window.intervals(utc(2026, 6, 13, 0), utc(2026, 6, 14, 0)) == [
        (utc(2026, 6, 13, 10), utc(2026, 6, 13, 12))
    ]
    assert window.intervals(utc(2026, 6, 13, 11), utc(2026, 6, 13, 11, 30)) == [
        (utc(2026, 6, 13, 11), utc(2026, 6, 13, 11, 30))
    ]
    # touching is not overlapping
    assert window.intervals(utc(2026, 6, 13, 12), utc(2026, 6, 13, 13)) == []
    assert window.intervals(utc(2026, 6, 13, 8), utc(2026, 6, 13, 10)) == []


def test_one_off_intervals_accept_other_zones_for_the_range() -> None:
    window = OneOff(utc(2026, 6, 13, 10), utc(2026, 6, 13, 12))
    assert window.intervals(berlin(2026, 6, 13, 13), berlin(2026, 6, 13, 18)) == [
        (utc(2026, 6, 13, 11), utc(2026, 6, 13, 12))
    ]


# --- WeeklySlot ----------------------------------------------------------------------------------


@pytest.mark.parametrize("weekday", [0, 3, 6])
def test_slot_weekdays(weekday: int) -> None:
    assert WeeklySlot(weekday, time(9), time(10)).weekday == weekday


@pytest.mark.parametrize("weekday", [-1, 7, 100])
def test_slot_refuses_bad_weekday(weekday: int) -> None:
    with pytest.raises(ValidationError) as info:
        WeeklySlot(weekday, time(9), time(10))
    assert info.value.field == "time.slots.weekday"
    assert info.value.message == "must be between 0 (Monday) and 6 (Sunday)"


@pytest.mark.parametrize(("start", "end"), [(time(10), time(10)), (time(18), time(9))])
def test_slot_end_must_be_after_start(start: time, end: time) -> None:
    with pytest.raises(ValidationError) as info:
        WeeklySlot(TUE, start, end)
    assert info.value.field == "time.slots.end"
    assert info.value.message == "must be after the start"


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(10, tzinfo=UTC), time(12)), (time(10), time(12, tzinfo=UTC))],
)
def test_slot_refuses_zoned_times(start: time, end: time) -> None:
    with pytest.raises(ValidationError) as info:
        WeeklySlot(TUE, start, end)
    assert info.value.field == "time.slots"
    assert info.value.message == "slot times are wall-clock times without a zone"


# --- Weekly --------------------------------------------------------------------------------------


def test_weekly_defaults() -> None:
    window = sunday_morning()
    assert window.kind is TimeWindowKind.WEEKLY
    assert window.time_zone == "Europe/Berlin"
    assert window.bounds() == (None, None)


def test_weekly_needs_a_slot() -> None:
    with pytest.raises(ValidationError) as info:
        Weekly(())
    assert info.value.field == "time.slots"
    assert info.value.message == "needs at least one weekly slot"


def test_weekly_at_most_21_slots() -> None:
    slots = tuple(WeeklySlot(d, time(h), time(h + 1)) for d in range(7) for h in (8, 12, 16))
    assert len(Weekly(slots).slots) == 21
    with pytest.raises(ValidationError) as info:
        Weekly((*slots, WeeklySlot(0, time(20), time(21))))
    assert info.value.field == "time.slots"
    assert info.value.message == "at most 21 weekly slots"


def test_weekly_slots_are_sorted_and_deduplicated() -> None:
    tue = WeeklySlot(TUE, time(18), time(20))
    mon = WeeklySlot(0, time(9), time(10))
    window = Weekly((tue, mon, tue))
    assert window.slots == (mon, tue)


def test_weekly_refuses_unknown_zone() -> None:
    with pytest.raises(ValidationError) as info:
        sunday_morning(time_zone="Europe/Atlantis")
    assert info.value.field == "time.time_zone"
    assert info.value.message == "unknown time zone 'Europe/Atlantis'"


def test_weekly_valid_until_before_valid_from_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        sunday_morning(valid_from=date(2026, 5, 1), valid_until=date(2026, 4, 30))
    assert info.value.field == "time.valid_until"
    assert info.value.message == "must not be before valid_from"


def test_weekly_single_day_validity_is_allowed() -> None:
    window = sunday_morning(valid_from=date(2026, 3, 29), valid_until=date(2026, 3, 29))
    assert window.intervals(utc(2026, 3, 1), utc(2026, 5, 1)) == [
        (utc(2026, 3, 29, 8), utc(2026, 3, 29, 10))
    ]


def test_weekly_intervals_across_spring_dst_change() -> None:
    window = sunday_morning()
    assert window.intervals(utc(2026, 3, 20), utc(2026, 4, 1)) == [
        (utc(2026, 3, 22, 9), utc(2026, 3, 22, 11)),  # CET, UTC+1
        (utc(2026, 3, 29, 8), utc(2026, 3, 29, 10)),  # CEST, UTC+2
    ]


def test_weekly_intervals_across_autumn_dst_change() -> None:
    window = sunday_morning()
    assert window.intervals(utc(2026, 10, 17), utc(2026, 10, 26)) == [
        (utc(2026, 10, 18, 8), utc(2026, 10, 18, 10)),
        (utc(2026, 10, 25, 9), utc(2026, 10, 25, 11)),
    ]


def test_weekly_intervals_in_another_zone() -> None:
    window = sunday_morning(time_zone="America/New_York")
    # 2026-03-22 is after the US change (2026-03-08): EDT, UTC-4
    assert window.intervals(utc(2026, 3, 22), utc(2026, 3, 23)) == [
        (utc(2026, 3, 22, 14), utc(2026, 3, 22, 16))
    ]


def test_weekly_intervals_are_clipped_to_the_range() -> None:
    window = sunday_morning()
    assert window.intervals(utc(2026, 3, 22, 10), utc(2026, 3, 22, 10, 30)) == [
        (utc(2026, 3, 22, 10), utc(2026, 3, 22, 10, 30))
    ]
    assert window.intervals(utc(2026, 3, 22, 11), utc(2026, 3, 28)) == []
    assert window.intervals(utc(2026, 3, 23), utc(2026, 3, 28)) == []


def test_weekly_intervals_with_several_slots_are_chronological() -> None:
    window = Weekly(
        (
            WeeklySlot(SUN, time(10), time(12)),
            WeeklySlot(TUE, time(18), time(20)),
            WeeklySlot(TUE, time(8), time(9)),
        )
    )
    assert window.intervals(utc(2026, 6, 1), utc(2026, 6, 8)) == [
        (utc(2026, 6, 2, 6), utc(2026, 6, 2, 7)),
        (utc(2026, 6, 2, 16), utc(2026, 6, 2, 18)),
        (utc(2026, 6, 7, 8), utc(2026, 6, 7, 10)),
    ]


def test_weekly_intervals_refuse_naive_range() -> None:
    with pytest.raises(ValidationError) as info:
        sunday_morning().intervals(datetime(2026, 3, 20), utc(2026, 4, 1))  # noqa: DTZ001
    assert info.value.field == "start"
    assert info.value.message == "must carry a time zone"


def test_weekly_valid_from_and_until_are_respected() -> None:
    window = sunday_morning(valid_from=date(2026, 3, 23), valid_until=date(2026, 4, 5))
    assert window.intervals(utc(2026, 3, 1), utc(2026, 5, 1)) == [
        (utc(2026, 3, 29, 8), utc(2026, 3, 29, 10)),
        (utc(2026, 4, 5, 8), utc(2026, 4, 5, 10)),
    ]


def test_weekly_valid_until_is_inclusive() -> None:
    window = sunday_morning(valid_until=date(2026, 3, 22))
    assert window.intervals(utc(2026, 3, 20), utc(2026, 4, 1)) == [
        (utc(2026, 3, 22, 9), utc(2026, 3, 22, 11))
    ]


def test_weekly_bounds_are_local_midnights_in_utc() -> None:
    window = sunday_morning(valid_from=date(2026, 3, 1), valid_until=date(2026, 6, 30))
    # 2026-03-01 00:00 CET = 2026-02-28 23:00 UTC; until is inclusive: 2026-07-01 00:00 CEST
    assert window.bounds() == (utc(2026, 2, 28, 23), utc(2026, 6, 30, 22))


def test_weekly_open_bounds() -> None:
    assert sunday_morning(valid_from=date(2026, 3, 1)).bounds() == (utc(2026, 2, 28, 23), None)
    assert sunday_morning(valid_until=date(2026, 1, 31)).bounds() == (None, utc(2026, 1, 31, 23))


def test_weekly_intervals_lie_within_bounds() -> None:
    window = sunday_morning(valid_from=date(2026, 3, 1), valid_until=date(2026, 6, 30))
    low, high = window.bounds()
    assert low is not None
    assert high is not None
    found = window.intervals(utc(2025, 1, 1), utc(2027, 1, 1))
    assert len(found) == 18  # Sundays from 1 March to 28 June 2026
    assert all(low <= a < b <= high for a, b in found)


# --- OpenEnded -----------------------------------------------------------------------------------


def test_open_ended_unbounded() -> None:
    window = OpenEnded()
    assert window.kind is TimeWindowKind.OPEN
    assert window.bounds() == (None, None)
    assert window.intervals(utc(2026, 1, 1), utc(2026, 1, 2)) == [
        (utc(2026, 1, 1), utc(2026, 1, 2))
    ]


def test_open_ended_is_normalised_to_utc() -> None:
    window = OpenEnded(berlin(2026, 1, 1, 1), berlin(2026, 7, 1, 2))
    assert window.bounds() == (utc(2026, 1, 1, 0), utc(2026, 7, 1, 0))
    assert window.valid_from is not None
    assert window.valid_from.tzinfo is UTC


def test_open_ended_refuses_naive() -> None:
    with pytest.raises(ValidationError) as info:
        OpenEnded(valid_from=datetime(2026, 1, 1))  # noqa: DTZ001
    assert info.value.field == "time.valid_from"
    assert info.value.message == "must carry a time zone"
    with pytest.raises(ValidationError) as info:
        OpenEnded(valid_until=datetime(2026, 1, 1))  # noqa: DTZ001
    assert info.value.field == "time.valid_until"


@pytest.mark.parametrize("until", [utc(2026, 1, 1), utc(2025, 12, 31)])
def test_open_ended_until_must_be_after_from(until: datetime) -> None:
    with pytest.raises(ValidationError) as info:
        OpenEnded(utc(2026, 1, 1), until)
    assert info.value.field == "time.valid_until"
    assert info.value.message == "must be after valid_from"


def test_open_ended_intervals_respect_validity() -> None:
    window = OpenEnded(utc(2026, 1, 10), utc(2026, 1, 20))
    assert window.intervals(utc(2026, 1, 1), utc(2026, 2, 1)) == [
        (utc(2026, 1, 10), utc(2026, 1, 20))
    ]
    assert window.intervals(utc(2026, 1, 15), utc(2026, 1, 16)) == [
        (utc(2026, 1, 15), utc(2026, 1, 16))
    ]
    assert window.intervals(utc(2026, 1, 20), utc(2026, 2, 1)) == []
    assert window.intervals(utc(2025, 12, 1), utc(2026, 1, 10)) == []


def test_open_ended_half_open() -> None:
    since = OpenEnded(valid_from=utc(2026, 1, 10))
    assert since.intervals(utc(2026, 1, 1), utc(2026, 1, 11)) == [
        (utc(2026, 1, 10), utc(2026, 1, 11))
    ]
    assert since.intervals(utc(2026, 1, 1), utc(2026, 1, 5)) == []
    until = OpenEnded(valid_until=utc(2026, 1, 10))
    assert until.intervals(utc(2026, 1, 9), utc(2026, 2, 1)) == [
        (utc(2026, 1, 9), utc(2026, 1, 10))
    ]
    assert until.intervals(utc(2026, 1, 11), utc(2026, 2, 1)) == []


# --- overlap -------------------------------------------------------------------------------------


def test_overlap_one_off() -> None:
    window = OneOff(utc(2026, 6, 13, 10), utc(2026, 6, 13, 12))
    result = overlap(window, utc(2026, 6, 13, 11), utc(2026, 6, 13, 15))
    assert isinstance(result, timedelta)
    assert result == timedelta(hours=1)
    assert overlap(window, utc(2026, 6, 14), utc(2026, 6, 15)) == timedelta(0)


def test_overlap_weekly_sums_the_slots() -> None:
    window = Weekly((WeeklySlot(SUN, time(10), time(12)), WeeklySlot(TUE, time(18), time(20))))
    # four weeks in June 2026 (Mon 1 June .. Mon 29 June): 4 Tuesdays + 4 Sundays, 2 h each
    assert overlap(window, utc(2026, 6, 1), utc(2026, 6, 29)) == timedelta(hours=16)


def test_overlap_weekly_across_dst_keeps_wall_clock_length() -> None:
    assert overlap(sunday_morning(), utc(2026, 3, 20), utc(2026, 4, 1)) == timedelta(hours=4)


def test_overlap_open_ended() -> None:
    window = OpenEnded(valid_until=utc(2026, 1, 1, 6))
    assert overlap(window, utc(2026, 1, 1), utc(2026, 1, 2)) == timedelta(hours=6)
    assert overlap(OpenEnded(), utc(2026, 1, 1), utc(2026, 1, 2)) == timedelta(days=1)


def test_overlap_empty_range() -> None:
    window = OneOff(utc(2026, 6, 13, 10), utc(2026, 6, 13, 12))
    assert overlap(window, utc(2026, 6, 13, 11), utc(2026, 6, 13, 11)) == timedelta(0)
