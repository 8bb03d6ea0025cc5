"""The calendar job reconciles the host's calendar with the booking as it is now, whatever
event arrived and in whatever order. Fakes throughout (tests/fakes/)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus
from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_sync import CalendarSync
from tests.fakes.jobs import FakeCurrentBookings, FakeProviderRefs
from tests.fakes.providers import FakeCalendar, FakeCalendars

NOW = datetime.fromisoformat("2026-11-23T12:00:00+00:00")
AT_2 = TimeRange(datetime.fromisoformat("2026-11-24T14:00:00+00:00"),
                 datetime.fromisoformat("2026-11-24T14:30:00+00:00"))
AT_3 = TimeRange(datetime.fromisoformat("2026-11-24T15:00:00+00:00"),
                 datetime.fromisoformat("2026-11-24T15:30:00+00:00"))
CONFIRMED, CANCELLED = BookingStatus.CONFIRMED, BookingStatus.CANCELLED


def a_booking(status: BookingStatus = CONFIRMED, when: TimeRange = AT_2,
              sequence: int = 0) -> Booking:
    return Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=when.start, end=when.end, buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"), answers={},
        status=status, created_at=NOW, location_kind="google_meet", sequence=sequence)


def an_event(kind: EventKind) -> Event:
    return Event(kind, f"e-{kind.value}", NOW, "host-alice", {"uid": "b-1"})


@dataclass
class World:
    bookings: FakeCurrentBookings = field(default_factory=FakeCurrentBookings)
    calendars: FakeCalendars = field(default_factory=FakeCalendars)
    refs: FakeProviderRefs = field(default_factory=FakeProviderRefs)

    def __post_init__(self) -> None:
        self.calendar: FakeCalendar = self.calendars.connect("host-alice")

    @property
    def job(self) -> CalendarSync:
        return CalendarSync(self.bookings, self.calendars, self.refs)

    def now(self, booking: Booking) -> None:
        self.bookings.bookings[booking.uid] = booking

    def times(self) -> list[TimeRange]:
        return [event.when for event in self.calendar.events.values()]


@pytest.fixture
def world() -> World:
    return World()


def test_a_confirmed_booking_gets_one_event_in_the_hosts_calendar(world: World) -> None:
    world.now(a_booking())

    world.job.run(an_event(EventKind.BOOKING_CONFIRMED))

    (event,) = world.calendar.events.values()
    assert (event.key, event.title, event.when) == ("b-1", "Intro call with Bo Booker", AT_2)
    assert (event.attendee_name, event.attendee_email) == ("Bo Booker", "bo@example.com")
    ref = world.refs.get("calendar", "b-1")
    assert ref is not None and (ref.external_id, ref.sequence) == ("evt-1", 0)
    assert ref.keep_until == AT_2.end + timedelta(days=30)


def test_a_reschedule_moves_the_event_and_a_cancel_deletes_it(world: World) -> None:
    world.now(a_booking())
    world.job.run(an_event(EventKind.BOOKING_CONFIRMED))

    world.now(a_booking(when=AT_3, sequence=1))
    world.job.run(an_event(EventKind.BOOKING_RESCHEDULED))
    assert world.times() == [AT_3] and list(world.calendar.events) == ["evt-1"]

    world.now(a_booking(CANCELLED, when=AT_3, sequence=1))
    world.job.run(an_event(EventKind.BOOKING_CANCELLED))
    assert world.calendar.events == {} and world.refs.refs == {}


def test_a_late_confirmation_of_a_cancelled_booking_creates_nothing(world: World) -> None:
    world.now(a_booking(CANCELLED))

    world.job.run(an_event(EventKind.BOOKING_CANCELLED))
    world.job.run(an_event(EventKind.BOOKING_CONFIRMED))

    assert world.calendar.faults.calls == [] and world.refs.refs == {}


def test_a_reschedule_that_overtook_its_confirmation_ends_at_the_new_time(
        world: World) -> None:
    world.now(a_booking(when=AT_3, sequence=1))

    world.job.run(an_event(EventKind.BOOKING_RESCHEDULED))
    world.job.run(an_event(EventKind.BOOKING_CONFIRMED))

    assert world.times() == [AT_3]
    assert world.calendar.faults.calls == ["create_event"]


def test_a_booking_awaiting_payment_has_no_event_yet(world: World) -> None:
    world.now(a_booking(BookingStatus.PENDING_PAYMENT))

    world.job.run(an_event(EventKind.BOOKING_CONFIRMED))

    assert world.calendar.events == {}


def test_a_host_without_a_calendar_is_left_alone(world: World) -> None:
    world.now(replace(a_booking(), host_id="host-bob"))

    world.job.run(Event(EventKind.BOOKING_CONFIRMED, "e-1", NOW, "host-bob", {"uid": "b-1"}))

    assert world.bookings.reads == 0 and world.refs.refs == {}


def test_a_create_that_timed_out_after_the_work_is_not_made_twice_by_the_retry(
        world: World) -> None:
    world.now(a_booking())
    world.calendar.faults.fail_next("create_event", ProviderUnavailableError("fake", "timeout"),
                                    after_work=True)

    with pytest.raises(ProviderUnavailableError):
        world.job.run(an_event(EventKind.BOOKING_CONFIRMED))
    world.job.run(an_event(EventKind.BOOKING_CONFIRMED))

    assert list(world.calendar.events) == ["evt-1"]
    assert world.refs.get("calendar", "b-1") is not None


def test_a_booking_changed_while_the_job_wrote_is_reconciled_again(world: World) -> None:
    # The first read sees it confirmed at 14:00; by the check after the create it has
    # been cancelled (another run, for the cancellation, saw no event yet to delete).
    world.now(a_booking())
    world.bookings.after_reads[2] = a_booking(CANCELLED)

    world.job.run(an_event(EventKind.BOOKING_CONFIRMED))

    assert world.calendar.events == {} and world.refs.refs == {}
    assert world.calendar.faults.calls == ["create_event", "delete_event"]
