"""Edge cases of wall-clock parsing and of the slot engine's own checks.

Each refusal says what was wrong in words (a schedule editor shows it), and the slot
engine agrees with itself at the finest grid it allows.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from chalicelib.domain.availability import LocalRange, Schedule, available_ranges, parse_clock
from chalicelib.domain.slots import SlotQuery, SlotRules, free_slots, is_bookable
from chalicelib.domain.timerange import TimeRange


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(("text", "clock"), [("00:00", time(0)), ("23:59", time(23, 59)),
                                             ("23:00", time(23)), ("12:59", time(12, 59))])
def test_every_minute_of_the_day_parses(text: str, clock: time) -> None:
    assert parse_clock(text) == clock


@pytest.mark.parametrize("text", ["24:30", "25:00", "12:60", "99:99"])
def test_a_time_past_the_day_is_refused_in_words(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_clock(text)

    assert str(raised.value) == f"{text!r} is not a time of day"


def test_a_time_not_written_as_hh_mm_is_refused_in_words() -> None:
    with pytest.raises(ValueError) as raised:
        parse_clock("9:00")

    assert str(raised.value) == "expected a time as HH:MM, got '9:00'"


def test_a_range_may_not_start_at_the_end_of_the_day() -> None:
    with pytest.raises(ValueError) as raised:
        LocalRange.parse("24:00", "24:00")

    assert str(raised.value) == "a range cannot start at 24:00"


@pytest.mark.parametrize(("start", "end"), [(time(9, tzinfo=UTC), time(17)),
                                            (time(9), time(17, tzinfo=UTC)),
                                            (time(9, tzinfo=UTC), None)])
def test_a_local_range_takes_wall_clock_times_only(start: time, end: time | None) -> None:
    with pytest.raises(ValueError) as raised:
        LocalRange(start, end)

    assert str(raised.value) == "LocalRange times are wall-clock times and take no tzinfo"


def test_a_local_range_ending_before_it_starts_says_which_range() -> None:
    with pytest.raises(ValueError) as raised:
        LocalRange(time(17), time(9))

    assert str(raised.value) == "LocalRange ('17:00', '09:00') must end after it starts"


def test_a_slot_query_needs_an_aware_now() -> None:
    with pytest.raises(ValueError) as raised:
        SlotQuery(datetime(2026, 3, 2, 12), Schedule("UTC", {}, {}),
                  SlotRules(timedelta(minutes=30), timedelta(minutes=30)), "intro", (),
                  TimeRange(at("2026-03-02T00:00:00+00:00"), at("2026-03-03T00:00:00+00:00")),
                  "UTC")

    assert str(raised.value) == "SlotQuery.now must be timezone-aware"


def test_is_bookable_agrees_with_free_slots_on_a_one_second_grid() -> None:
    # GIVEN a one-minute meeting offered every second from 09:00 to 09:01:05 UTC
    query = SlotQuery(at("2026-03-01T00:00:00+00:00"),
                      Schedule("UTC", {0: (LocalRange(time(9), time(9, 1, 5)),)}, {}),
                      SlotRules(timedelta(minutes=1), timedelta(seconds=1)), "intro", (),
                      TimeRange(at("2026-03-02T00:00:00+00:00"), at("2026-03-03T00:00:00+00:00")),
                      "UTC")

    # THEN each of the six starts is bookable on its own, and 09:00:06 is not
    offered = [s for day in free_slots(query).values() for s in day]
    assert [s.second for s in offered] == [0, 1, 2, 3, 4, 5]
    assert all(is_bookable(query, s) for s in offered)
    assert not is_bookable(query, at("2026-03-02T09:00:06+00:00"))


def test_a_fractional_second_interval_is_rounded_up_never_down() -> None:
    # GIVEN one-second meetings every 1.5 s from 09:00:00 to 09:00:05 UTC
    query = SlotQuery(at("2026-03-01T00:00:00+00:00"),
                      Schedule("UTC", {0: (LocalRange(time(9), time(9, 0, 5)),)}, {}),
                      SlotRules(timedelta(seconds=1), timedelta(seconds=1.5)), "intro", (),
                      TimeRange(at("2026-03-02T00:00:00+00:00"), at("2026-03-03T00:00:00+00:00")),
                      "UTC")

    # THEN the engine steps by whole seconds, two of them
    assert [s.isoformat() for day in free_slots(query).values() for s in day] == [
        "2026-03-02T09:00:00+00:00", "2026-03-02T09:00:02+00:00", "2026-03-02T09:00:04+00:00"]


@pytest.mark.parametrize(("settings", "message"), [
    ({"duration": timedelta(0)}, "duration and interval must be positive"),
    ({"buffer_after": timedelta(minutes=-1)}, "buffers and minimum notice cannot be negative"),
    ({"daily_limit": -2}, "booking window and daily limit cannot be negative"),
])
def test_slot_rules_say_which_setting_is_wrong(settings: dict[str, object],
                                               message: str) -> None:
    values: dict[str, object] = {"duration": timedelta(minutes=30),
                                 "interval": timedelta(minutes=30), **settings}
    with pytest.raises(ValueError) as raised:
        SlotRules(**values)  # type: ignore[arg-type]

    assert str(raised.value) == message


def test_hours_keep_their_fraction_of_a_second() -> None:
    schedule = Schedule("UTC", {0: (LocalRange(time(9, 0, 0, 500000), time(10)),)}, {})

    assert available_ranges(schedule, TimeRange(at("2026-03-02T00:00:00+00:00"),
                                                at("2026-03-03T00:00:00+00:00"))) == [
        TimeRange(at("2026-03-02T09:00:00.500000+00:00"), at("2026-03-02T10:00:00+00:00"))]


def test_a_window_ending_just_into_the_hosts_next_date_gets_that_dates_hours() -> None:
    # 10:05Z on Monday 2 March is already Tuesday 00:05 in Kiritimati (UTC+14)
    schedule = Schedule("Pacific/Kiritimati", {1: (LocalRange.parse("00:00", "08:00"),)}, {})

    assert available_ranges(schedule, TimeRange(at("2026-03-02T00:00:00+00:00"),
                                                at("2026-03-02T10:05:00+00:00"))) == [
        TimeRange(at("2026-03-02T10:00:00+00:00"), at("2026-03-02T10:05:00+00:00"))]
