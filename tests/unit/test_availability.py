"""Weekly hours and overrides expand, one local date at a time, into UTC ranges."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfoNotFoundError

import pytest

from chalicelib.domain.availability import (
    LocalRange,
    Schedule,
    available_ranges,
    format_clock,
    hours_for_date,
    parse_clock,
)
from chalicelib.domain.timerange import TimeRange

NINE_TO_FIVE = (LocalRange.parse("09:00", "17:00"),)
EVERY_DAY = {weekday: NINE_TO_FIVE for weekday in range(7)}


def r(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


def test_parse_reads_hh_mm_and_24_00_as_end_of_day() -> None:
    assert LocalRange.parse("09:00", "17:30") == LocalRange(time(9), time(17, 30))
    assert LocalRange.parse("00:00", "24:00") == LocalRange(time(0), None)


def test_format_round_trips_to_hh_mm() -> None:
    assert LocalRange.parse("00:00", "24:00").format() == ("00:00", "24:00")
    assert LocalRange(time(9, 5), time(17)).format() == ("09:05", "17:00")
    assert format_clock(None) == "24:00"


@pytest.mark.parametrize("text", ["9:00", "24:01", "12:60", "25:00", "noon", "09:00:00"])
def test_parse_clock_rejects_malformed_times(text: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(text)


@pytest.mark.parametrize(("start", "end"), [("17:00", "09:00"), ("09:00", "09:00"),
                                            ("24:00", "24:00")])
def test_local_range_must_end_after_it_starts(start: str, end: str) -> None:
    with pytest.raises(ValueError):
        LocalRange.parse(start, end)


def test_override_replaces_weekly_hours_and_empty_override_is_a_day_off() -> None:
    extra = (LocalRange.parse("18:00", "20:00"),)
    schedule = Schedule("UTC", EVERY_DAY, {date(2026, 3, 3): extra, date(2026, 3, 4): ()})
    assert hours_for_date(schedule, date(2026, 3, 2)) == NINE_TO_FIVE
    assert hours_for_date(schedule, date(2026, 3, 3)) == extra
    assert hours_for_date(schedule, date(2026, 3, 4)) == ()


def test_weekday_missing_from_weekly_has_no_hours() -> None:
    schedule = Schedule("UTC", {0: NINE_TO_FIVE}, {})
    assert hours_for_date(schedule, date(2026, 3, 3)) == ()


def test_new_york_hours_keep_wall_clock_across_spring_forward() -> None:
    # GIVEN 09:00-17:00 every day in New York; clocks jump 02:00 -> 03:00 on 2026-03-08
    schedule = Schedule("America/New_York", EVERY_DAY, {})
    window = r("2026-03-07T00:00:00+00:00", "2026-03-09T00:00:00+00:00")
    # THEN both days are 09:00-17:00 local: 14:00 UTC before the change, 13:00 UTC after it
    assert available_ranges(schedule, window) == [
        r("2026-03-07T14:00:00+00:00", "2026-03-07T22:00:00+00:00"),
        r("2026-03-08T13:00:00+00:00", "2026-03-08T21:00:00+00:00"),
    ]


def test_new_york_hours_keep_wall_clock_across_fall_back() -> None:
    schedule = Schedule("America/New_York", EVERY_DAY, {})
    window = r("2026-10-31T00:00:00+00:00", "2026-11-02T00:00:00+00:00")
    assert available_ranges(schedule, window) == [
        r("2026-10-31T13:00:00+00:00", "2026-10-31T21:00:00+00:00"),
        r("2026-11-01T14:00:00+00:00", "2026-11-01T22:00:00+00:00"),
    ]


def test_whole_day_on_change_days_has_the_real_length() -> None:
    schedule = Schedule("America/New_York", {6: (LocalRange.parse("00:00", "24:00"),)}, {})
    spring = available_ranges(schedule, r("2026-03-08T00:00:00+00:00",
                                          "2026-03-10T00:00:00+00:00"))
    autumn = available_ranges(schedule, r("2026-11-01T00:00:00+00:00",
                                          "2026-11-03T00:00:00+00:00"))
    assert [span.duration.total_seconds() / 3600 for span in spring + autumn] == [23, 25]


def test_hours_ending_inside_the_spring_forward_gap_end_at_the_jump() -> None:
    # GIVEN New York hours ending at 02:30 on 2026-03-08, a time the clock skips (02:00 ->
    # 03:00 EDT): every Sunday, or that date alone
    weekly = Schedule("America/New_York", {6: (LocalRange.parse("00:00", "02:30"),)}, {})
    override = Schedule("America/New_York", {}, {date(2026, 3, 8): (
        LocalRange.parse("00:00", "02:30"),)})
    window = r("2026-03-08T00:00:00+00:00", "2026-03-09T00:00:00+00:00")
    # THEN they end when the clock passes 02:30: at the jump, 07:00 UTC (03:00 EDT), not
    # at 03:30 EDT
    for schedule in (weekly, override):
        assert available_ranges(schedule, window) == [
            r("2026-03-08T05:00:00+00:00", "2026-03-08T07:00:00+00:00")]


def test_hours_starting_inside_the_spring_forward_gap_start_at_the_jump() -> None:
    # GIVEN New York hours starting at 02:30 on 2026-03-08, and hours wholly in the gap
    schedule = Schedule("America/New_York", {}, {date(2026, 3, 8): (
        LocalRange.parse("02:30", "05:00"), LocalRange.parse("02:15", "03:00"))})
    window = r("2026-03-08T00:00:00+00:00", "2026-03-09T00:00:00+00:00")
    # THEN the first start at 03:00 EDT (07:00 UTC), when the clock has passed 02:30; and
    # 02:15-03:00 starts and ends at the jump, so it offers nothing
    assert available_ranges(schedule, window) == [
        r("2026-03-08T07:00:00+00:00", "2026-03-08T09:00:00+00:00"),
    ]


def test_ambiguous_time_on_fall_back_is_its_first_occurrence() -> None:
    # 01:00-02:00 on 2026-11-01 in New York starts at 01:00 EDT and ends at 02:00 EST: two hours.
    schedule = Schedule("America/New_York", {}, {date(2026, 11, 1): (
        LocalRange.parse("01:00", "02:00"),)})
    window = r("2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00")
    assert available_ranges(schedule, window) == [
        r("2026-11-01T05:00:00+00:00", "2026-11-01T07:00:00+00:00"),
    ]


def test_london_hours_keep_wall_clock_across_spring_forward() -> None:
    schedule = Schedule("Europe/London", EVERY_DAY, {})
    window = r("2026-03-28T00:00:00+00:00", "2026-03-30T00:00:00+00:00")
    assert available_ranges(schedule, window) == [
        r("2026-03-28T09:00:00+00:00", "2026-03-28T17:00:00+00:00"),
        r("2026-03-29T08:00:00+00:00", "2026-03-29T16:00:00+00:00"),
    ]


def test_ranges_are_clipped_to_the_window() -> None:
    schedule = Schedule("UTC", EVERY_DAY, {})
    window = r("2026-03-02T10:30:00+00:00", "2026-03-03T12:00:00+00:00")
    assert available_ranges(schedule, window) == [
        r("2026-03-02T10:30:00+00:00", "2026-03-02T17:00:00+00:00"),
        r("2026-03-03T09:00:00+00:00", "2026-03-03T12:00:00+00:00"),
    ]


def test_overlapping_ranges_in_a_day_and_ranges_touching_across_midnight_merge() -> None:
    schedule = Schedule("Asia/Kolkata", {
        0: (LocalRange.parse("09:00", "12:00"), LocalRange.parse("11:00", "13:00"),
            LocalRange.parse("22:00", "24:00")),
        1: (LocalRange.parse("00:00", "02:00"),),
    }, {})
    window = r("2026-03-01T00:00:00+00:00", "2026-03-04T00:00:00+00:00")
    assert available_ranges(schedule, window) == [
        r("2026-03-02T09:00:00+05:30", "2026-03-02T13:00:00+05:30"),
        r("2026-03-02T22:00:00+05:30", "2026-03-03T02:00:00+05:30"),
    ]


def test_schedule_is_read_in_its_own_zone_whatever_zone_the_window_uses() -> None:
    schedule = Schedule("Asia/Kathmandu", {0: NINE_TO_FIVE}, {})
    window = r("2026-03-01T12:00:00-05:00", "2026-03-03T12:00:00-05:00")
    assert available_ranges(schedule, window) == [
        r("2026-03-02T09:00:00+05:45", "2026-03-02T17:00:00+05:45"),
    ]


def test_unknown_zone_propagates() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        available_ranges(Schedule("Mars/Olympus", EVERY_DAY, {}),
                         r("2026-03-02T00:00:00+00:00", "2026-03-03T00:00:00+00:00"))
