"""A booking or a move is checked against the host's other calendars, asked afresh
(services/reservations.py with services/fresh_busy.py), and only when the
host counts some calendar for conflicts.

Alice works 09:00-17:00 New York time (UTC-5 in early March 2026) on weekdays and offers
a one-hour intro call every half hour; the clock stands at Monday 2026-03-02 12:00Z. Wednesday 10:00
New York is 15:00Z.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from chalicelib.domain.bookings import Attendee, Booking
from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, SyncState
from chalicelib.domain.errors import (
    CalendarUnavailableError,
    ProviderUnavailableError,
    SlotTakenError,
    SlotUnavailableError,
)
from chalicelib.domain.external_busy import ExternalEvent
from chalicelib.domain.providers.calendars import CalendarEvent
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.booking import BookingRequest, BookingService
from chalicelib.services.booking_changes import BookingChanges
from chalicelib.services.fresh_busy import FreshBusy
from chalicelib.services.links import BookingLinks, LinkPurpose
from tests.fakes.calendar_cache import FakeCalendarStore
from tests.fakes.providers import FakeAdapters, FakeCalendar
from tests.unit.fakes import (
    FakeBookings,
    FakeExternalBusy,
    FakeHosts,
    FixedClock,
    make_host,
    reservations,
)

NOW = "2026-03-02T12:00:00+00:00"
GOOGLE = CalendarRef("google", "primary")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class World:
    hosts: FakeHosts
    bookings: FakeBookings
    adapters: FakeAdapters
    store: FakeCalendarStore
    google: FakeCalendar
    booking: BookingService
    changes: BookingChanges
    links: BookingLinks

    def counting(self, state: SyncState | None = None) -> None:
        """Alice's Google calendar counts for conflicts from now on."""
        self.hosts.calendars["host-alice"] = CalendarSetup((state or SyncState(GOOGLE),),
                                                           GOOGLE)

    def book(self, start: str) -> Booking:
        attendee = Attendee("Bo Booker", "bo@example.com", "Europe/London")
        return self.booking.book("alice", "intro",
                                 BookingRequest(at(start), attendee, {})).booking

    def reschedule(self, booking: Booking, start: str) -> Booking:
        return self.changes.reschedule(
            booking.uid, self.links.token(booking.uid, LinkPurpose.RESCHEDULE), at(start))


@pytest.fixture
def world() -> World:
    hosts, bookings, clock = FakeHosts(), FakeBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now(), duration_minutes=60, slot_interval_minutes=30)
    adapters, store = FakeAdapters(), FakeCalendarStore(setups=hosts.calendars)
    google = adapters.connect_calendar("host-alice", "google")
    checked = reservations(bookings, clock, calendars=FreshBusy(adapters, store, clock))
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    return World(hosts, bookings, adapters, store, google,
                 BookingService(hosts, checked, links),
                 BookingChanges(hosts, bookings, clock, links, checked), links)


def test_a_host_who_counts_no_calendar_is_booked_without_asking_any(world: World) -> None:
    world.google.add("primary", "dentist", ExternalEvent(
        TimeRange(at("2026-03-04T15:00:00+00:00"), at("2026-03-04T16:00:00+00:00"))))

    world.book("2026-03-04T10:00:00-05:00")

    assert world.adapters.asked == [] and world.google.faults.calls == []


def test_time_busy_on_a_counted_calendar_is_refused_and_nothing_is_written(
        world: World) -> None:
    world.counting()
    world.google.add("primary", "dentist", ExternalEvent(
        TimeRange(at("2026-03-04T15:30:00+00:00"), at("2026-03-04T15:45:00+00:00"))))

    with pytest.raises(SlotUnavailableError) as refused:
        world.book("2026-03-04T10:00:00-05:00")

    assert refused.value.reason == "calendar_busy"
    assert world.bookings.commits == 0
    assert world.google.busy_asked == [("primary",)]


def test_a_counted_calendar_that_cannot_be_asked_and_has_no_recent_copy_refuses_the_booking(
        world: World) -> None:
    world.counting(SyncState(GOOGLE, synced_at=at("2026-03-02T11:00:00+00:00"),
                             covered_until=at("2026-06-01T00:00:00+00:00")))
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))

    with pytest.raises(CalendarUnavailableError):
        world.book("2026-03-04T10:00:00-05:00")

    assert world.bookings.commits == 0


def test_a_move_is_not_refused_by_the_bookings_own_event_in_the_calendar(
        world: World) -> None:
    world.counting()
    booking = world.book("2026-03-04T10:00:00-05:00")
    # The calendar job wrote the booking's event into the same calendar.
    world.google.create_event("primary", CalendarEvent(
        booking.uid, "Intro call with Bo Booker", booking.meeting, "Bo Booker",
        "bo@example.com"))

    moved = world.reschedule(booking, "2026-03-04T10:30:00-05:00")

    assert moved.start == at("2026-03-04T15:30:00+00:00")


def test_a_time_just_booked_is_taken_though_its_event_is_in_the_calendar(
        world: World) -> None:
    # GIVEN a booking whose event the calendar job has written into the counted calendar
    world.counting()
    first = world.book("2026-03-04T10:00:00-05:00")
    world.google.create_event("primary", CalendarEvent(
        first.uid, "Intro call with Bo Booker", first.meeting, "Bo Booker",
        "bo@example.com"))

    # WHEN a second booker asks for the same time
    with pytest.raises(SlotTakenError) as refused:
        world.book("2026-03-04T10:00:00-05:00")

    # THEN it was just taken (409: pick another), not "the host has another appointment"
    assert refused.value.code == "slot_taken"


def test_a_move_onto_other_busy_time_in_the_calendar_is_refused(world: World) -> None:
    world.counting()
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.google.add("primary", "lunch", ExternalEvent(
        TimeRange(at("2026-03-04T17:00:00+00:00"), at("2026-03-04T18:00:00+00:00"))))

    with pytest.raises(SlotUnavailableError) as refused:
        world.reschedule(booking, "2026-03-04T11:30:00-05:00")

    assert refused.value.reason == "calendar_busy"
    stored = world.bookings.get(booking.uid)
    assert stored is not None and stored.start == booking.start
    assert stored.sequence == 0


def test_the_calendars_are_asked_about_the_blocked_time_buffers_included() -> None:
    hosts, bookings, clock = FakeHosts(), FakeBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now(), buffer_before_minutes=15, buffer_after_minutes=10)
    setup = CalendarSetup((SyncState(GOOGLE),), GOOGLE)
    hosts.calendars["host-alice"] = setup
    external = FakeExternalBusy()
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    service = BookingService(hosts, reservations(bookings, clock, calendars=external), links)

    service.book("alice", "intro", BookingRequest(
        at("2026-03-04T10:00:00-05:00"), Attendee("Bo Booker", "bo@example.com", "UTC"), {}))

    assert external.asked == [("host-alice", setup, TimeRange(
        at("2026-03-04T14:45:00+00:00"), at("2026-03-04T15:40:00+00:00")))]


# ---- a move and the booking's own event ------------------------------------------------
# The booking is Wednesday 10:00-11:00 New York (15:00-16:00Z); the host later puts a
# doctor's appointment 10:00-10:30 (15:00-15:30Z) inside it, which is why they ask the
# client to move.

DOCTOR = TimeRange(at("2026-03-04T15:00:00+00:00"), at("2026-03-04T15:30:00+00:00"))


def test_a_move_onto_a_host_event_inside_its_old_time_is_refused(world: World) -> None:
    world.counting()
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.google.add("primary", "doctor", ExternalEvent(DOCTOR))

    with pytest.raises(SlotUnavailableError) as refused:
        world.reschedule(booking, "2026-03-04T09:30:00-05:00")   # 09:30-10:30: the doctor

    assert refused.value.reason == "calendar_busy"
    stored = world.bookings.get(booking.uid)
    assert stored is not None and stored.start == booking.start


def test_a_move_from_the_copy_leaves_out_only_the_bookings_own_event(world: World) -> None:
    # GIVEN Google cannot be asked, and a copy synced just now holds both the booking's
    # own event and the doctor's appointment inside it, each by its id
    world.counting(SyncState(GOOGLE, synced_at=at(NOW),
                             covered_until=at("2026-06-01T00:00:00+00:00")))
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.store.write("host-alice", GOOGLE, {booking.start.date(): {
        "penny-event": booking.meeting, "doctor": DOCTOR}})
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))

    # WHEN the client moves onto the doctor, THEN it is refused
    with pytest.raises(SlotUnavailableError) as refused:
        world.reschedule(booking, "2026-03-04T09:30:00-05:00")
    assert refused.value.reason == "calendar_busy"

    # AND a move onto the rest of its own event's time is not
    moved = world.reschedule(booking, "2026-03-04T10:30:00-05:00")
    assert moved.start == at("2026-03-04T15:30:00+00:00")



def test_a_move_onto_a_host_event_wholly_inside_its_own_event_is_refused(world: World) -> None:
    # GIVEN the booking's own event and the doctor inside it in the counted calendar: the
    # fresh read gives one merged range, exactly the booking's time; the copy, synced by
    # the push that told of the doctor, keeps both events by id
    world.counting()
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.google.add("primary", "penny-event", ExternalEvent(booking.meeting))
    world.google.add("primary", "doctor", ExternalEvent(DOCTOR))
    world.store.write("host-alice", GOOGLE, {booking.start.date(): {
        "penny-event": booking.meeting, "doctor": DOCTOR}})

    # WHEN the client moves onto the doctor, THEN it is refused
    with pytest.raises(SlotUnavailableError) as refused:
        world.reschedule(booking, "2026-03-04T09:30:00-05:00")
    assert refused.value.reason == "calendar_busy"
