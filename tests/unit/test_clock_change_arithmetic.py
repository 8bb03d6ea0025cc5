"""Durations across a clock change are elapsed time, never wall-clock arithmetic.

An aware datetime plus a timedelta moves the wall clock in the datetime's own zone, so
in New York on 2027-11-07 (clocks go back at 02:00 EDT to 01:00 EST) 01:00 EST plus
30 minutes would be "01:30" read as EDT: before it started. Every sum is done in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import LocalRange
from chalicelib.domain.bookings import Attendee, Booking, BookingStatus
from chalicelib.domain.event_types import EventType, LocationKind
from chalicelib.domain.slots import blocked_range, is_bookable
from chalicelib.domain.timerange import TimeRange
from chalicelib.functions.views import slots_out
from tests.unit.test_slots import at, make_query, rules

NEW_YORK = ZoneInfo("America/New_York")
# 06:00Z on 2027-11-07 is the second 01:00 in New York (EST, fold=1).
SECOND_ONE_AM = datetime.fromtimestamp(at("2027-11-07T06:00:00+00:00").timestamp(), NEW_YORK)
ALL_DAY = {weekday: (LocalRange.parse("00:00", "24:00"),) for weekday in range(7)}


def an_event(minutes: int = 30) -> EventType:
    return EventType(id="e1", host_id="h1", slug="intro", title="Intro",
                     duration_minutes=minutes, location_kind=LocationKind.PHONE)


def a_booking(start: datetime, minutes: int = 30, buffer: int = 0) -> Booking:
    return Booking(uid="b1", host_id="h1", event_type_id="e1", event_title="Intro",
                   start=start, end=start.astimezone(UTC) + timedelta(minutes=minutes),
                   buffer_before=timedelta(minutes=buffer), buffer_after=timedelta(minutes=buffer),
                   attendee=Attendee("Ada", "ada@example.com", "America/New_York"), answers={},
                   status=BookingStatus.CONFIRMED, created_at=at("2027-11-01T00:00:00+00:00"),
                   location_kind="phone")


def test_a_slot_on_the_repeated_hour_ends_duration_after_it_starts() -> None:
    assert SECOND_ONE_AM.isoformat() == "2027-11-07T01:00:00-05:00"

    out = slots_out(an_event(30), "America/New_York",
                    {SECOND_ONE_AM.date(): [SECOND_ONE_AM]})

    slot = out.slots["2027-11-07"][0]
    assert (slot.start, slot.end) == ("2027-11-07T01:00:00-05:00", "2027-11-07T01:30:00-05:00")


def test_a_slot_across_the_change_ends_in_the_new_offset() -> None:
    first_one_thirty = at("2027-11-07T01:30:00-04:00").astimezone(NEW_YORK)

    out = slots_out(an_event(60), "America/New_York", {first_one_thirty.date(): [first_one_thirty]})

    assert out.slots["2027-11-07"][0].end == "2027-11-07T01:30:00-05:00"


def test_a_blocked_range_from_a_zoned_start_spans_the_real_duration_and_buffers() -> None:
    first_one_thirty = at("2027-11-07T01:30:00-04:00").astimezone(NEW_YORK)

    blocked = blocked_range(first_one_thirty, rules(60, buffer_before=15, buffer_after=15))

    assert blocked == TimeRange(at("2027-11-07T05:15:00+00:00"), at("2027-11-07T06:45:00+00:00"))


def test_a_bookings_blocked_range_is_elapsed_time_around_a_zoned_start() -> None:
    booking = a_booking(at("2027-11-07T01:45:00-04:00").astimezone(NEW_YORK), buffer=30)

    assert booking.blocked == TimeRange(at("2027-11-07T05:15:00+00:00"),
                                        at("2027-11-07T06:45:00+00:00"))


def test_moving_a_booking_to_a_zoned_start_keeps_its_real_length() -> None:
    booking = a_booking(at("2027-11-06T10:00:00-04:00"), minutes=60)

    moved = booking.moved_to(at("2027-11-07T01:30:00-04:00").astimezone(NEW_YORK),
                             at("2027-11-01T00:00:00+00:00"))

    assert moved.end - moved.start == timedelta(minutes=60)
    assert moved.end == at("2027-11-07T06:30:00+00:00")


def test_minimum_notice_from_a_zoned_now_counts_elapsed_time() -> None:
    # Now is 01:30 EDT (05:30Z); an hour's notice allows 06:30Z (01:30 EST), not 02:30 EST.
    query = make_query(now="2027-11-07T01:30:00-04:00", weekly=ALL_DAY,
                       window=("2027-11-07T00:00:00-04:00", "2027-11-08T00:00:00-05:00"),
                       slot_rules=rules(30, minimum_notice=60))

    assert is_bookable(query, at("2027-11-07T06:30:00+00:00"))
    assert not is_bookable(query, at("2027-11-07T06:00:00+00:00"))
