"""A booking's own event in the host's calendar (chalicelib/domain/own_event.py): left out
of a move's check, and nothing beside it.

The booking is 15:00-16:00Z in Alice's Google calendar; a doctor's appointment sits at
15:00-15:30Z.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.calendar_refs import CalendarRef
from chalicelib.domain.own_event import OwnEvent
from chalicelib.domain.timerange import TimeRange

GOOGLE = CalendarRef("google", "primary")
OTHER = CalendarRef("google", "team")


def span(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(f"2026-03-04T{start}:00+00:00"),
                     datetime.fromisoformat(f"2026-03-04T{end}:00+00:00"))


BOOKING, DOCTOR = span("15:00", "16:00"), span("15:00", "15:30")
OWN = OwnEvent(GOOGLE, BOOKING)


def test_the_event_is_only_where_bookings_are_written_and_that_calendar_counts() -> None:
    assert OwnEvent.where(GOOGLE, [GOOGLE, OTHER], BOOKING) == OWN
    assert OwnEvent.where(GOOGLE, [OTHER], BOOKING) is None     # written to an uncounted one
    assert OwnEvent.where(None, [GOOGLE], BOOKING) is None       # written to none


def test_only_a_range_exactly_the_events_time_is_left_out() -> None:
    lunch = span("17:00", "18:00")

    assert OWN.less_from_ranges(GOOGLE, [BOOKING, lunch], span("14:00", "18:00")) == [lunch]
    assert OWN.less_from_ranges(GOOGLE, [DOCTOR], span("14:00", "18:00")) == [DOCTOR]
    assert OWN.less_from_ranges(GOOGLE, [span("15:00", "16:30")], span("14:00", "18:00")) \
        == [span("15:00", "16:30")]                   # merged with a neighbour: kept whole
    assert OWN.less_from_ranges(OTHER, [BOOKING], span("14:00", "18:00")) == [BOOKING]


def test_a_read_is_widened_to_hold_the_whole_event() -> None:
    # A read over 14:30-15:30 would clip the event to 15:00-15:30: the doctor's time.
    assert OWN.read_window(span("14:30", "15:30")) == span("14:30", "16:00")


def test_from_cached_days_one_event_at_its_time_is_left_out_and_nothing_inside() -> None:
    days = [{"penny": BOOKING, "doctor": DOCTOR}, {"penny": BOOKING}]

    assert OWN.less_from_days(GOOGLE, days) == [{"doctor": DOCTOR}, {}]
    assert OWN.shares_time_in(days)
    assert not OWN.shares_time_in([{"penny": BOOKING, "lunch": span("17:00", "18:00")}])
