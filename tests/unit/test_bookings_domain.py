"""Bookings, pending-payment holds and the per-day ledger (chalicelib/domain/bookings.py).

The payments work stands on these rules: a pending booking holds its slot until
``hold_until`` and not one instant longer, a confirmed or cancelled booking ignores any
hold, and the ledger drops a lapsed hold whenever it rewrites a day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from chalicelib.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    HistoryEntry,
    LedgerDay,
    LedgerEntry,
    busy_from_ledger,
    utc_days,
)
from chalicelib.domain.slots import Busy
from chalicelib.domain.timerange import TimeRange

NOW = "2026-03-02T12:00:00+00:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def r(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


def a_booking(status: BookingStatus = BookingStatus.CONFIRMED, hold_until: str | None = None,
              uid: str = "b-1") -> Booking:
    return Booking(
        uid=uid, host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=at("2026-03-04T15:00:00+00:00"), end=at("2026-03-04T15:30:00+00:00"),
        buffer_before=timedelta(minutes=10), buffer_after=timedelta(minutes=5),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"), answers={},
        status=status, created_at=at(NOW), location_kind="google_meet",
        hold_until=None if hold_until is None else at(hold_until))


def entry(uid: str, start: str, end: str, hold_until: str | None = None,
          event_type_id: str = "alice-intro") -> LedgerEntry:
    return LedgerEntry(uid, event_type_id, r(start, end), r(start, end),
                       None if hold_until is None else at(hold_until))


# --- a pending-payment hold ------------------------------------------------------------------


@pytest.mark.parametrize(("hold_until", "active"), [
    ("2026-03-02T12:15:00+00:00", True),    # hold still live
    ("2026-03-02T12:00:00.000001+00:00", True),
    ("2026-03-02T12:00:00+00:00", False),   # expiring exactly now: already gone
    ("2026-03-02T11:45:00+00:00", False),   # expired, whether or not TTL removed it yet
])
def test_a_pending_booking_is_active_only_while_its_hold_lasts(hold_until: str,
                                                               active: bool) -> None:
    booking = a_booking(BookingStatus.PENDING_PAYMENT, hold_until)

    assert booking.is_active(at(NOW)) is active


def test_a_pending_booking_without_a_hold_time_stays_active() -> None:
    assert a_booking(BookingStatus.PENDING_PAYMENT).is_active(at(NOW)) is True


def test_a_confirmed_booking_is_active_whatever_hold_it_once_had() -> None:
    booking = a_booking(BookingStatus.CONFIRMED, hold_until="2026-03-01T00:00:00+00:00")

    assert booking.is_active(at(NOW)) is True


def test_a_cancelled_booking_is_never_active() -> None:
    assert a_booking(BookingStatus.CANCELLED).is_active(at(NOW)) is False
    assert a_booking(BookingStatus.CANCELLED,
                     hold_until="2026-03-09T00:00:00+00:00").is_active(at(NOW)) is False


def test_the_ledger_entry_of_a_pending_booking_carries_its_hold() -> None:
    booking = a_booking(BookingStatus.PENDING_PAYMENT, "2026-03-02T12:15:00+00:00")

    held = LedgerEntry.of(booking)

    assert held == LedgerEntry("b-1", "alice-intro", r("2026-03-04T15:00:00+00:00",
                                                       "2026-03-04T15:30:00+00:00"),
                               r("2026-03-04T14:50:00+00:00", "2026-03-04T15:35:00+00:00"),
                               at("2026-03-02T12:15:00+00:00"))
    assert held.live(at("2026-03-02T12:14:59+00:00")) is True
    assert held.live(at("2026-03-02T12:15:00+00:00")) is False  # expiring exactly now
    assert held.live(at("2026-03-02T12:30:00+00:00")) is False


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.CANCELLED])
def test_the_ledger_entry_of_a_booking_that_is_not_pending_holds_forever(
        status: BookingStatus) -> None:
    held = LedgerEntry.of(a_booking(status, hold_until="2026-03-02T11:00:00+00:00"))

    assert held.hold_until is None
    assert held.live(at("2030-01-01T00:00:00+00:00")) is True


def test_a_ledger_entry_is_busy_time_of_its_event_type() -> None:
    held = LedgerEntry.of(a_booking())

    assert held.as_busy() == Busy(meeting=r("2026-03-04T15:00:00+00:00",
                                            "2026-03-04T15:30:00+00:00"),
                                  blocked=r("2026-03-04T14:50:00+00:00",
                                            "2026-03-04T15:35:00+00:00"),
                                  event_type_id="alice-intro")


# --- a booking's own ranges and changes ------------------------------------------------------


def test_a_booking_blocks_its_meeting_plus_its_buffers() -> None:
    booking = a_booking()

    assert booking.meeting == r("2026-03-04T15:00:00+00:00", "2026-03-04T15:30:00+00:00")
    assert booking.blocked == r("2026-03-04T14:50:00+00:00", "2026-03-04T15:35:00+00:00")


def test_cancelling_records_when_why_and_by_whom_and_keeps_the_rest() -> None:
    booking = a_booking()

    cancelled = booking.cancelled(at("2026-03-03T09:00:00+00:00"), "ill", "attendee")

    assert cancelled.status is BookingStatus.CANCELLED
    assert (cancelled.cancelled_at, cancelled.cancel_reason, cancelled.cancelled_by) == (
        at("2026-03-03T09:00:00+00:00"), "ill", "attendee")
    assert replace(cancelled, status=booking.status, cancelled_at=None, cancel_reason=None,
                   cancelled_by=None) == booking


def test_moving_keeps_the_length_bumps_the_sequence_and_remembers_the_old_time() -> None:
    booking = replace(a_booking(), sequence=2, history=(HistoryEntry(
        at("2026-03-03T15:00:00+00:00"), at("2026-03-03T15:30:00+00:00"),
        at("2026-03-02T08:00:00+00:00")),))

    moved = booking.moved_to(at("2026-03-05T16:00:00+00:00"), at(NOW))

    assert (moved.start, moved.end) == (at("2026-03-05T16:00:00+00:00"),
                                        at("2026-03-05T16:30:00+00:00"))
    assert moved.sequence == 3
    assert moved.history == (*booking.history, HistoryEntry(
        at("2026-03-04T15:00:00+00:00"), at("2026-03-04T15:30:00+00:00"), at(NOW)))
    assert moved.status is BookingStatus.CONFIRMED and moved.uid == booking.uid


def test_a_moved_booking_is_stored_in_utc_whatever_offset_the_new_start_came_in() -> None:
    moved = a_booking().moved_to(at("2026-03-05T11:00:00-05:00"), at(NOW))

    assert (moved.start.utcoffset(), moved.end.utcoffset()) == (timedelta(0), timedelta(0))
    assert (moved.start, moved.end) == (at("2026-03-05T16:00:00+00:00"),
                                        at("2026-03-05T16:30:00+00:00"))


# --- a ledger day ----------------------------------------------------------------------------


def test_removing_a_booking_from_a_day_also_prunes_lapsed_holds_and_keeps_the_version() -> None:
    day = LedgerDay(date(2026, 3, 4), (
        entry("gone", "2026-03-04T09:00:00+00:00", "2026-03-04T09:30:00+00:00"),
        entry("lapsed", "2026-03-04T10:00:00+00:00", "2026-03-04T10:30:00+00:00",
              hold_until=NOW),
        entry("pending", "2026-03-04T11:00:00+00:00", "2026-03-04T11:30:00+00:00",
              hold_until="2026-03-02T12:10:00+00:00"),
        entry("kept", "2026-03-04T12:00:00+00:00", "2026-03-04T12:30:00+00:00"),
    ), version=7)

    after = day.without("gone", at(NOW))

    assert [e.booking_uid for e in after.entries] == ["pending", "kept"]
    assert (after.day, after.version) == (date(2026, 3, 4), 7)


def test_entering_a_booking_again_replaces_its_old_entry() -> None:
    old = entry("b-1", "2026-03-04T09:00:00+00:00", "2026-03-04T09:30:00+00:00")
    other = entry("b-2", "2026-03-04T10:00:00+00:00", "2026-03-04T10:30:00+00:00")
    moved = entry("b-1", "2026-03-04T14:00:00+00:00", "2026-03-04T14:30:00+00:00")

    day = LedgerDay(date(2026, 3, 4), (old, other), version=3).with_entry(moved, at(NOW))

    assert day.entries == (other, moved)
    assert day.version == 3


# --- which UTC days a range touches ----------------------------------------------------------


def test_a_range_ending_exactly_at_utc_midnight_touches_only_its_own_day() -> None:
    assert utc_days([r("2026-03-04T23:00:00+00:00", "2026-03-05T00:00:00+00:00")]) == [
        date(2026, 3, 4)]


def test_a_range_one_microsecond_past_utc_midnight_touches_the_next_day() -> None:
    assert utc_days([r("2026-03-04T23:00:00+00:00", "2026-03-05T00:00:00.000001+00:00")]) == [
        date(2026, 3, 4), date(2026, 3, 5)]


def test_utc_days_reads_other_offsets_in_utc_and_lists_each_day_once_in_order() -> None:
    ranges = [
        r("2026-03-06T20:00:00-05:00", "2026-03-06T21:00:00-05:00"),  # 7 March in UTC
        r("2026-03-04T23:30:00+00:00", "2026-03-06T00:30:00+00:00"),  # three UTC days
        r("2026-03-05T10:00:00+00:00", "2026-03-05T11:00:00+00:00"),
    ]

    assert utc_days(ranges) == [date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 6),
                                date(2026, 3, 7)]


def test_utc_days_of_nothing_is_empty() -> None:
    assert utc_days([]) == []


# --- busy time from the ledger ---------------------------------------------------------------


def test_busy_from_the_ledger_lists_each_live_booking_once_across_days() -> None:
    # GIVEN one booking across UTC midnight (entered on both days), a lapsed hold, a live one
    spanning = entry("night", "2026-03-04T23:30:00+00:00", "2026-03-05T00:30:00+00:00")
    lapsed = entry("lapsed", "2026-03-05T10:00:00+00:00", "2026-03-05T10:30:00+00:00",
                   hold_until="2026-03-02T11:59:59+00:00")
    pending = entry("pending", "2026-03-05T11:00:00+00:00", "2026-03-05T11:30:00+00:00",
                    hold_until="2026-03-02T12:00:01+00:00", event_type_id="demo")
    days = [LedgerDay(date(2026, 3, 4), (spanning,)),
            LedgerDay(date(2026, 3, 5), (spanning, lapsed, pending))]

    busy = busy_from_ledger(days, at(NOW))

    assert busy == [spanning.as_busy(), pending.as_busy()]
    assert busy[1].event_type_id == "demo"


def test_busy_from_the_ledger_can_leave_out_the_booking_being_moved() -> None:
    mine = entry("mine", "2026-03-05T09:00:00+00:00", "2026-03-05T09:30:00+00:00")
    theirs = entry("theirs", "2026-03-05T10:00:00+00:00", "2026-03-05T10:30:00+00:00")
    days = [LedgerDay(date(2026, 3, 5), (mine, theirs))]

    assert busy_from_ledger(days, at(NOW), ignore_uid="mine") == [theirs.as_busy()]
    assert busy_from_ledger(days, at(NOW)) == [mine.as_busy(), theirs.as_busy()]
