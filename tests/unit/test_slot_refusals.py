"""Why a booking is refused: one machine-readable reason per rule, the first that applies.

Alice is in New York, open 09:00-17:00 on weekdays; it is Monday 2026-03-02 07:00 there.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib.domain.errors import SlotTakenError, SlotUnavailableError
from chalicelib.domain.slots import BookingDates
from tests.unit.test_booking_service import given_alice


def refused(start: str, *, before: tuple[str, ...] = (), **event: Any) -> SlotUnavailableError:
    world = given_alice(**event)
    for earlier in before:
        world.book(earlier, name="Earlier Booker")
    with pytest.raises(SlotUnavailableError) as caught:
        world.book(start)
    assert caught.value.field == "start"
    return caught.value


def test_a_start_in_the_past_is_refused_as_in_the_past() -> None:
    error = refused("2026-03-02T06:30:00-05:00")
    assert error.reason == "in_the_past"
    assert error.message == "this time is in the past"


def test_a_start_inside_the_minimum_notice_is_refused_as_too_soon() -> None:
    # Monday 10:00 is three hours away; the event asks for a day's notice.
    error = refused("2026-03-02T10:00:00-05:00", minimum_notice_minutes=1440)
    assert error.reason == "too_soon"
    assert error.message == ("this time is too soon: this event must be booked at "
                             "least 1 day ahead")


def test_a_start_just_at_the_minimum_notice_is_accepted() -> None:
    world = given_alice(minimum_notice_minutes=180)
    assert world.book("2026-03-02T10:00:00-05:00").booking.start.isoformat() == \
        "2026-03-02T15:00:00+00:00"


def test_a_start_past_the_booking_window_is_refused_as_beyond_the_window() -> None:
    # A 2-day window from Monday ends with Wednesday, the host's local date.
    error = refused("2026-03-05T10:00:00-05:00", booking_window_days=2)
    assert error.reason == "beyond_booking_window"
    assert "2 days in advance" in error.message


def test_a_start_before_the_booking_dates_is_refused_as_before_the_window() -> None:
    dates = {"booking_window_dates": BookingDates(date(2026, 3, 4), date(2026, 3, 6))}
    error = refused("2026-03-03T10:00:00-05:00", **dates)
    assert error.reason == "before_booking_window"
    assert error.message == ("this time is too early: this event can be booked for "
                             "dates from 2026-03-04 to 2026-03-06 (the host's)")


def test_a_start_after_the_booking_dates_is_refused_as_beyond_the_window() -> None:
    dates = {"booking_window_dates": BookingDates(date(2026, 3, 4), date(2026, 3, 6))}
    error = refused("2026-03-09T10:00:00-04:00", **dates)
    assert error.reason == "beyond_booking_window"
    assert error.message == ("this time is too far ahead: this event can be booked for "
                             "dates from 2026-03-04 to 2026-03-06 (the host's)")


def test_the_first_and_last_booking_dates_are_bookable() -> None:
    world = given_alice(booking_window_dates=BookingDates(date(2026, 3, 4), date(2026, 3, 6)))
    assert world.book("2026-03-04T09:00:00-05:00").booking.uid
    assert world.book("2026-03-06T16:30:00-05:00", name="Late Booker").booking.uid


def test_the_last_day_of_the_booking_window_is_bookable() -> None:
    world = given_alice(booking_window_days=2)
    assert world.book("2026-03-04T16:30:00-05:00").booking.uid


@pytest.mark.parametrize("start", [
    "2026-03-04T08:30:00-05:00",   # before opening
    "2026-03-04T16:45:00-05:00",   # would end after closing
    "2026-03-07T10:00:00-05:00",   # a Saturday
])
def test_a_start_outside_the_hosts_hours_is_refused_as_outside_hours(start: str) -> None:
    assert refused(start).reason == "outside_hours"


def test_a_start_between_grid_steps_is_refused_as_off_the_slot_grid() -> None:
    error = refused("2026-03-04T10:10:00-05:00")
    assert error.reason == "not_on_slot_grid"
    assert "every 30 minutes" in error.message


def test_a_start_with_seconds_is_refused_as_off_the_slot_grid() -> None:
    assert refused("2026-03-04T10:00:30-05:00").reason == "not_on_slot_grid"


def test_a_free_time_on_a_full_day_is_refused_as_daily_limit_reached() -> None:
    error = refused("2026-03-04T14:00:00-05:00", daily_limit=1,
                    before=("2026-03-04T10:00:00-05:00",))
    assert error.reason == "daily_limit_reached"


def test_a_time_another_booking_holds_is_taken_not_unavailable() -> None:
    world = given_alice(daily_limit=5)
    world.book("2026-03-04T10:00:00-05:00")
    with pytest.raises(SlotTakenError) as caught:
        world.book("2026-03-04T10:00:00-05:00", name="Second Booker")
    assert caught.value.code == "slot_taken" and caught.value.field == "start"


def test_the_booked_time_on_a_full_day_is_refused_as_daily_limit_reached_not_taken() -> None:
    # The first rule that refuses it is the day's limit; another booking alone is `taken`.
    error = refused("2026-03-04T10:00:00-05:00", daily_limit=1,
                    before=("2026-03-04T10:00:00-05:00",))
    assert error.reason == "daily_limit_reached"


def test_a_past_start_with_seconds_is_in_the_past_first() -> None:
    assert refused("2026-03-02T06:30:30-05:00").reason == "in_the_past"


def test_a_start_with_seconds_outside_the_hours_is_outside_hours_first() -> None:
    assert refused("2026-03-04T08:30:30-05:00").reason == "outside_hours"
