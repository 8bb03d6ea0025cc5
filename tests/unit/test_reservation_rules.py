"""The pure rules of a booking write (chalicelib/domain/reservations.py, Booking.movable).

Which event type a link books, whether a booking may still change, which ledger days a
write relies on and how it rewrites them, and the booking a new request makes. Alice
works 09:00-17:00 New York time (UTC-5 in early March 2026); it is Monday 2026-03-02 12:00Z.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.availability import LocalRange, Schedule
from chalicelib.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    LedgerDay,
    LedgerEntry,
)
from chalicelib.domain.errors import (
    BookingStateError,
    NotFoundError,
    SlotTakenError,
    SlotUnavailableError,
)
from chalicelib.domain.event_types import EventType, LocationKind, Price
from chalicelib.domain.reservations import (
    Claim,
    NewBooking,
    bookable_event_type,
    event_type_of,
    ledger_changes,
)
from chalicelib.domain.timerange import TimeRange

NOW = "2026-03-02T12:00:00+00:00"
WEDNESDAY, THURSDAY, FRIDAY = date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 6)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def r(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


def intro(**fields: object) -> EventType:
    base: dict[str, object] = {"id": "alice-intro", "host_id": "host-alice", "slug": "intro",
                               "title": "Intro call", "duration_minutes": 30,
                               "location_kind": LocationKind.GOOGLE_MEET, **fields}
    return EventType(**base)  # type: ignore[arg-type]


def weekdays(zone: str = "America/New_York") -> Schedule:
    return Schedule(zone, {day: (LocalRange.parse("09:00", "17:00"),) for day in range(5)}, {})


def a_booking(start: str = "2026-03-04T15:00:00+00:00", uid: str = "b-1",
              status: BookingStatus = BookingStatus.CONFIRMED,
              hold_until: str | None = None, minutes: int = 30) -> Booking:
    begin = at(start)
    return Booking(
        uid=uid, host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=begin, end=begin + timedelta(minutes=minutes), buffer_before=timedelta(0),
        buffer_after=timedelta(0), attendee=Attendee("Bo Booker", "bo@example.com", "UTC"),
        answers={}, status=status, created_at=at(NOW), location_kind="google_meet",
        hold_until=None if hold_until is None else at(hold_until))


def claim(booking: Booking, zone: str = "America/New_York", **rules: object) -> Claim:
    return Claim(booking, weekdays(zone), intro(**rules).slot_rules())


def day_with(day: date, *entries: LedgerEntry, version: int = 1) -> LedgerDay:
    return LedgerDay(day, entries, version)


# --- which event type a link books ------------------------------------------------------------


def test_a_link_books_the_active_event_type_of_exactly_that_slug() -> None:
    types = [intro(id="alice-call", slug="intro-call"), intro()]

    assert bookable_event_type(types, "intro").id == "alice-intro"
    assert bookable_event_type(types, "intro-call").id == "alice-call"


def test_a_hidden_event_type_is_still_bookable_by_its_link() -> None:
    assert bookable_event_type([intro(hidden=True)], "intro").id == "alice-intro"


@pytest.mark.parametrize("types", [[], [intro(active=False)], [intro(slug="intro-call")]])
def test_no_active_event_type_of_that_slug_is_not_found(types: list[EventType]) -> None:
    with pytest.raises(NotFoundError) as refused:
        bookable_event_type(types, "intro")

    assert refused.value.message == "event type 'intro' not found"


def test_a_bookings_event_type_is_found_by_id_while_it_takes_bookings() -> None:
    booking = a_booking()
    same_slug_other_id = intro(id="alice-other")

    assert event_type_of(booking, [same_slug_other_id, intro()]) == intro()
    assert event_type_of(booking, [intro(active=False)]) is None
    assert event_type_of(booking, [same_slug_other_id]) is None


# --- whether a booking may still change -------------------------------------------------------


@pytest.mark.parametrize(("booking", "movable"), [
    (a_booking(), True),
    (a_booking(start=NOW), False),                                      # starting now
    (a_booking(start="2026-03-02T12:00:01+00:00"), True),               # a second away
    (a_booking(status=BookingStatus.CANCELLED), False),
    (a_booking(status=BookingStatus.PENDING_PAYMENT,
               hold_until="2026-03-02T12:15:00+00:00"), True),         # a live hold
    (a_booking(status=BookingStatus.PENDING_PAYMENT, hold_until=NOW), False),  # lapsed
])
def test_a_booking_may_change_while_active_and_not_yet_started(booking: Booking,
                                                                movable: bool) -> None:
    assert booking.movable(at(NOW)) is movable


def test_a_movable_booking_passes_the_check() -> None:
    a_booking().check_movable(at(NOW))


@pytest.mark.parametrize(("booking", "said"), [
    (a_booking(status=BookingStatus.CANCELLED), "this booking is cancelled"),
    (a_booking(status=BookingStatus.PENDING_PAYMENT, hold_until=NOW),
     "this booking is pending_payment"),
    (a_booking(start="2026-03-02T11:45:00+00:00"), "this booking has already started"),
    (a_booking(start=NOW), "this booking has already started"),
])
def test_a_booking_that_may_not_change_says_why(booking: Booking, said: str) -> None:
    with pytest.raises(BookingStateError) as refused:
        booking.check_movable(at(NOW))

    assert refused.value.message == said


# --- which ledger days a write relies on ------------------------------------------------------


@pytest.mark.parametrize(("zone", "days"), [
    ("UTC", [WEDNESDAY]),
    ("Asia/Tokyo", [WEDNESDAY, THURSDAY]),       # 16:00Z is 01:00 Thursday in Tokyo
    ("America/New_York", [WEDNESDAY, THURSDAY]),  # New York's Wednesday ends 05:00Z Thursday
])
def test_the_hosts_whole_local_day_is_read_for_the_daily_limit(zone: str,
                                                               days: list[date]) -> None:
    booking = a_booking("2026-03-04T16:00:00+00:00")

    assert claim(booking, zone, daily_limit=3).ledger_days() == days


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York"])
def test_without_a_daily_limit_only_the_days_the_booking_blocks_are_read(zone: str) -> None:
    booking = a_booking("2026-03-04T16:00:00+00:00")

    assert claim(booking, zone).ledger_days() == [WEDNESDAY]


def test_a_blocked_range_across_utc_midnight_reads_both_utc_days() -> None:
    booking = replace(a_booking("2026-03-04T23:45:00+00:00"), buffer_after=timedelta(hours=1))

    assert claim(booking, "UTC", buffer_after_minutes=60).ledger_days() == [WEDNESDAY, THURSDAY]


def test_a_move_also_reads_the_days_it_leaves_once_each_in_order() -> None:
    moved = a_booking("2026-03-04T16:00:00+00:00")

    leaving = Claim(moved, weekdays("UTC"), intro().slot_rules(),
                    releasing=r("2026-03-06T15:00:00+00:00", "2026-03-06T15:30:00+00:00"))
    same_day = Claim(moved, weekdays("UTC"), intro().slot_rules(),
                     releasing=r("2026-03-04T15:00:00+00:00", "2026-03-04T15:30:00+00:00"))

    assert leaving.ledger_days() == [WEDNESDAY, FRIDAY]
    assert same_day.ledger_days() == [WEDNESDAY]


# --- the slot check ---------------------------------------------------------------------------


def test_a_free_time_passes_the_check() -> None:
    claim(a_booking()).check([day_with(WEDNESDAY)], at(NOW), [])


def test_a_time_another_booking_holds_is_taken() -> None:
    other = LedgerEntry.of(a_booking(uid="b-2"))

    with pytest.raises(SlotTakenError):
        claim(a_booking()).check([day_with(WEDNESDAY, other)], at(NOW), [])


def test_the_bookings_own_old_time_does_not_stand_in_its_way() -> None:
    old = LedgerEntry.of(a_booking("2026-03-04T14:45:00+00:00"))

    claim(a_booking()).check([day_with(WEDNESDAY, old)], at(NOW), [])


def test_a_lapsed_hold_does_not_stand_in_the_way() -> None:
    lapsed = LedgerEntry.of(a_booking(uid="h-1", status=BookingStatus.PENDING_PAYMENT,
                                      hold_until=NOW))

    claim(a_booking()).check([day_with(WEDNESDAY, lapsed)], at(NOW), [])


def test_the_hosts_other_calendar_refuses_the_time_as_calendar_busy() -> None:
    elsewhere = [r("2026-03-04T15:15:00+00:00", "2026-03-04T16:00:00+00:00")]

    with pytest.raises(SlotUnavailableError) as refused:
        claim(a_booking()).check([day_with(WEDNESDAY)], at(NOW), elsewhere)

    assert (refused.value.reason, refused.value.field) == ("calendar_busy", "start")
    assert refused.value.message == "the host has another appointment at this time"


def test_the_rules_of_the_claim_are_the_ones_checked() -> None:
    # 15:00Z is 10:00 in New York; with a day's notice it is too soon on Monday at noon.
    near = a_booking("2026-03-02T15:00:00+00:00")

    claim(near).check([day_with(date(2026, 3, 2))], at(NOW), [])
    with pytest.raises(SlotUnavailableError) as refused:
        claim(near, minimum_notice_minutes=1440).check([day_with(date(2026, 3, 2))],
                                                       at(NOW), [])

    assert refused.value.reason == "too_soon"


# --- how a write rewrites the ledger ----------------------------------------------------------


def test_a_new_booking_is_entered_on_its_day_and_relies_on_the_rest() -> None:
    booking = a_booking()
    wednesday, thursday = day_with(WEDNESDAY), day_with(THURSDAY, version=3)

    changed, checked = ledger_changes([wednesday, thursday], booking, at(NOW))

    assert changed == [LedgerDay(WEDNESDAY, (LedgerEntry.of(booking),), 1)]
    assert checked == [thursday]


def test_a_moved_booking_leaves_its_old_day_and_enters_its_new_one() -> None:
    old = a_booking("2026-03-04T15:00:00+00:00")
    other = LedgerEntry.of(a_booking(uid="b-2", start="2026-03-04T18:00:00+00:00"))
    moved = old.moved_to(at("2026-03-05T15:00:00+00:00"), at(NOW))

    changed, checked = ledger_changes(
        [day_with(WEDNESDAY, LedgerEntry.of(old), other), day_with(THURSDAY),
         day_with(FRIDAY)], moved, at(NOW))

    assert changed == [day_with(WEDNESDAY, other), day_with(THURSDAY, LedgerEntry.of(moved))]
    assert checked == [day_with(FRIDAY)]


def test_a_booking_moved_within_its_day_is_entered_once_at_its_new_time() -> None:
    old = a_booking("2026-03-04T15:00:00+00:00")
    moved = old.moved_to(at("2026-03-04T16:00:00+00:00"), at(NOW))

    changed, checked = ledger_changes([day_with(WEDNESDAY, LedgerEntry.of(old))], moved,
                                      at(NOW))

    assert changed == [day_with(WEDNESDAY, LedgerEntry.of(moved))]
    assert checked == []


def test_a_cancelled_booking_leaves_every_day_and_enters_none() -> None:
    booking = replace(a_booking("2026-03-04T23:45:00+00:00"), buffer_after=timedelta(hours=1))
    cancelled = booking.cancelled(at(NOW), None, "host")
    entry = LedgerEntry.of(booking)

    changed, checked = ledger_changes(
        [day_with(WEDNESDAY, entry), day_with(THURSDAY, entry), day_with(FRIDAY)], cancelled,
        at(NOW))

    assert changed == [day_with(WEDNESDAY), day_with(THURSDAY)]
    assert checked == [day_with(FRIDAY)]


def test_a_rewritten_day_drops_lapsed_holds_an_untouched_one_keeps_them() -> None:
    lapsed = LedgerEntry.of(a_booking(uid="h-1", status=BookingStatus.PENDING_PAYMENT,
                                      start="2026-03-04T18:00:00+00:00", hold_until=NOW))
    booking = a_booking()

    changed, checked = ledger_changes([day_with(WEDNESDAY, lapsed), day_with(THURSDAY, lapsed)],
                                      booking, at(NOW))

    assert changed == [day_with(WEDNESDAY, LedgerEntry.of(booking))]
    assert checked == [day_with(THURSDAY, lapsed)]


def test_a_pending_booking_enters_the_ledger_with_its_hold() -> None:
    held = a_booking(status=BookingStatus.PENDING_PAYMENT, hold_until="2026-03-02T12:15:00+00:00")

    [day], _ = ledger_changes([day_with(WEDNESDAY)], held, at(NOW))

    assert day.entries[0].hold_until == at("2026-03-02T12:15:00+00:00")


# --- the booking a new request makes ----------------------------------------------------------


def a_request(start: str = "2026-03-04T10:00:00-05:00", **fields: object) -> NewBooking:
    return NewBooking("host-alice", weekdays(), intro(**fields), at(start),
                      Attendee("Bo Booker", "bo@example.com", "Europe/London"),
                      {"topic": "taxes"})


def test_a_new_booking_is_made_in_utc_with_the_event_types_rules() -> None:
    rules: dict[str, Any] = {"duration_minutes": 45, "buffer_before_minutes": 10,
                             "buffer_after_minutes": 5}
    made = a_request(location_kind=LocationKind.ZOOM, **rules).claim(
        "b-1", at(NOW), BookingStatus.CONFIRMED)

    booking = made.booking
    assert booking == Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=at("2026-03-04T15:00:00+00:00"), end=at("2026-03-04T15:45:00+00:00"),
        buffer_before=timedelta(minutes=10), buffer_after=timedelta(minutes=5),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"),
        answers={"topic": "taxes"}, status=BookingStatus.CONFIRMED, created_at=at(NOW),
        location_kind="zoom", location_details="")
    assert booking.start.utcoffset() == timedelta(0)
    assert (made.schedule, made.rules, made.releasing) == (
        weekdays(), intro(**rules).slot_rules(), None)


def test_a_new_booking_ends_its_duration_later_across_a_clock_change() -> None:
    # New York springs forward at 02:00 on 2026-03-08: 01:30 EST + 60 minutes is 03:30 EDT.
    booking = a_request("2026-03-08T01:30:00-05:00", duration_minutes=60).claim(
        "b-1", at(NOW), BookingStatus.CONFIRMED).booking

    assert booking.end - booking.start == timedelta(minutes=60)
    assert booking.end == at("2026-03-08T07:30:00+00:00")


def test_a_new_pending_booking_carries_its_status_and_hold() -> None:
    booking = a_request().claim("b-1", at(NOW), BookingStatus.PENDING_PAYMENT,
                                at("2026-03-02T12:15:00+00:00")).booking

    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert booking.hold_until == at("2026-03-02T12:15:00+00:00")


def test_a_new_booking_of_a_paid_event_carries_its_price() -> None:
    booking = a_request(price=Price(2500, "EUR")).claim(
        "b-1", at(NOW), BookingStatus.CONFIRMED).booking

    assert (booking.price_minor, booking.currency) == (2500, "EUR")
