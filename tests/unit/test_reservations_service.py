"""The one booking write path (chalicelib/services/reservations.py): what it writes and how
it retries, for a new booking (confirmed, or a pending-payment hold), a move and a cancel.

Alice works 09:00-17:00 New York time (UTC-5 in early March 2026) on weekdays; the clock
stands at Monday 2026-03-02 12:00Z. Wednesday 10:00 New York is 15:00Z.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus
from chalicelib.domain.errors import BookingContentionError, SlotTakenError
from chalicelib.domain.reservations import Claim, NewBooking
from chalicelib.services.ports import BookingWrite
from chalicelib.services.reservations import Idempotency, Reservations
from tests.unit.fakes import FakeBookings, FakeHosts, FixedClock, make_host, reservations

NOW = "2026-03-02T12:00:00+00:00"
WEDNESDAY, THURSDAY = date(2026, 3, 4), date(2026, 3, 5)
QUARTER = timedelta(minutes=15)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class RecordingBookings(FakeBookings):
    """The fake store, keeping every write offered to commit."""

    writes: list[BookingWrite] = field(default_factory=list)

    def commit(self, write: BookingWrite, now: datetime) -> None:
        self.writes.append(write)
        super().commit(write, now)


@dataclass
class World:
    hosts: FakeHosts
    bookings: RecordingBookings
    clock: FixedClock
    service: Reservations

    def new(self, start: str, email: str = "bo@example.com") -> NewBooking:
        config = self.hosts.config("host-alice")
        return NewBooking("host-alice", config.schedule, config.event_types[0], at(start),
                          Attendee("Bo Booker", email, "UTC"), {})

    def confirmed(self, start: str, email: str = "bo@example.com") -> Booking:
        return self.service.reserve(self.new(start, email), BookingStatus.CONFIRMED).booking

    def move(self, booking: Booking, start: str) -> Booking:
        config = self.hosts.config("host-alice")

        def moved(now: datetime) -> Claim:
            current = self.bookings.get(booking.uid)
            assert current is not None
            return Claim(current.moved_to(at(start), now), config.schedule,
                         config.event_types[0].slot_rules(), releasing=current.blocked)

        return self.service.move(moved)

    def cancel(self, booking: Booking) -> Booking:
        def released(now: datetime) -> Booking:
            current = self.bookings.get(booking.uid)
            assert current is not None
            return current.cancelled(now, None, "host")

        return self.service.release(released)

    def entries(self, day: date) -> list[str]:
        return [e.booking_uid for e in self.bookings.day("host-alice", day).entries]


@pytest.fixture
def world() -> World:
    hosts, bookings, clock = FakeHosts(), RecordingBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now())
    return World(hosts, bookings, clock, reservations(bookings, clock, per_attendee=1))


# --- the status it writes ---------------------------------------------------------------------


def test_a_confirmed_booking_holds_its_time_for_good(world: World) -> None:
    booking = world.confirmed("2026-03-04T10:00:00-05:00")

    assert (booking.status, booking.hold_until) == (BookingStatus.CONFIRMED, None)
    assert world.bookings.get(booking.uid) is not None
    assert world.entries(WEDNESDAY) == [booking.uid]


def test_a_pending_payment_holds_its_time_until_the_hold_lapses(world: World) -> None:
    new = world.new("2026-03-04T10:00:00-05:00")

    held = world.service.reserve(new, BookingStatus.PENDING_PAYMENT, hold_for=QUARTER).booking

    assert (held.status, held.hold_until) == (BookingStatus.PENDING_PAYMENT,
                                              at("2026-03-02T12:15:00+00:00"))
    [entry] = world.bookings.day("host-alice", WEDNESDAY).entries
    assert (entry.booking_uid, entry.hold_until) == (held.uid, at("2026-03-02T12:15:00+00:00"))
    rival = world.new("2026-03-04T10:00:00-05:00", email="cy@example.com")
    with pytest.raises(SlotTakenError):
        world.service.reserve(rival, BookingStatus.CONFIRMED)
    world.clock.advance(QUARTER)
    assert world.service.reserve(rival, BookingStatus.CONFIRMED).booking.uid != held.uid


# --- one write, retried from a fresh read -----------------------------------------------------


def test_each_write_is_one_read_and_one_commit(world: World) -> None:
    booking = world.confirmed("2026-03-04T10:00:00-05:00")
    world.move(booking, "2026-03-04T11:00:00-05:00")
    world.cancel(booking)

    assert (world.bookings.reads, world.bookings.commits) == (3, 3)


@pytest.mark.parametrize("attempts", [1, 3])
def test_every_write_gives_up_after_its_attempts_each_from_a_fresh_read(
        world: World, attempts: int) -> None:
    booking = world.confirmed("2026-03-04T10:00:00-05:00")
    service = reservations(world.bookings, world.clock, attempts=attempts)
    world.service = service
    writes: list[Callable[[], object]] = [
        lambda: world.confirmed("2026-03-04T12:00:00-05:00", email="cy@example.com"),
        lambda: world.move(booking, "2026-03-04T11:00:00-05:00"),
        lambda: world.cancel(booking)]

    for write in writes:
        world.bookings.fail_commits, reads = attempts, world.bookings.reads
        with pytest.raises(BookingContentionError) as refused:
            write()
        assert refused.value.message == "the host's calendar is busy right now; try again"
        assert world.bookings.reads - reads == attempts


# --- a move is a release and a reservation in one write ---------------------------------------


def test_a_move_releases_the_old_day_and_reserves_the_new_one_in_one_write(
        world: World) -> None:
    booking = world.confirmed("2026-03-04T10:00:00-05:00")

    moved = world.move(booking, "2026-03-05T10:00:00-05:00")

    assert (world.entries(WEDNESDAY), world.entries(THURSDAY)) == ([], [moved.uid])
    write = world.bookings.writes[-1]
    assert [d.day for d in write.changed_days] == [WEDNESDAY, THURSDAY]
    assert write.is_new is False


def test_neither_a_move_nor_a_cancel_counts_against_the_attendees_allowance(
        world: World) -> None:
    booking = world.confirmed("2026-03-04T10:00:00-05:00")  # the one booking allowed today

    world.move(booking, "2026-03-04T11:00:00-05:00")
    world.cancel(booking)

    assert [w.quota is not None for w in world.bookings.writes] == [True, False, False]
    assert list(world.bookings.quotas.values()) == [1]


def test_a_cancel_releases_its_time_and_writes_nothing_else(world: World) -> None:
    booking = world.confirmed("2026-03-04T10:00:00-05:00")

    cancelled = world.cancel(booking)

    assert cancelled.status is BookingStatus.CANCELLED
    assert world.entries(WEDNESDAY) == []
    write = world.bookings.writes[-1]
    assert (write.is_new, write.idempotency, write.quota) == (False, None, None)


def test_a_new_booking_writes_its_idempotency_key_and_fingerprint(world: World) -> None:
    new = world.new("2026-03-04T10:00:00-05:00")

    world.service.reserve(new, BookingStatus.CONFIRMED,
                          idempotency=Idempotency("host-alice#alice-intro#k-1", "print"))

    write = world.bookings.writes[-1]
    assert (write.is_new, write.idempotency) == (True, ("host-alice#alice-intro#k-1", "print"))
