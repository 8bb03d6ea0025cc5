"""One attendee e-mail may make a few bookings a day with one host, not hoard the week."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.bookings import Attendee
from chalicelib.domain.errors import SlotTakenError, TooManyBookingsError
from chalicelib.services.booking import BookingRequest
from tests.unit.test_booking_service import World, given_alice, request

STARTS = [f"2026-03-04T{hour:02d}:00:00-05:00" for hour in range(9, 17)]


def as_attendee(start: str, name: str, email: str) -> BookingRequest:
    return BookingRequest(request(start).start, Attendee(name, email, "UTC"), {})


def with_cap(world: World, cap: int) -> World:
    s = world.service
    world.service = replace(s, reservations=replace(s.reservations,
                                                    bookings_per_attendee_per_day=cap))
    return world


def test_the_attendee_books_up_to_the_cap_then_gets_told_when_to_come_back() -> None:
    world = with_cap(given_alice(), 3)
    for start in STARTS[:3]:
        world.book(start)

    with pytest.raises(TooManyBookingsError) as refused:
        world.book(STARTS[3])

    assert refused.value.code == "too_many_bookings"
    # Now is 2026-03-02T12:00Z: the allowance comes back at the next UTC midnight.
    assert refused.value.retry_after == 12 * 3600
    assert len(world.bookings.bookings) == 3


def test_the_cap_counts_the_address_whatever_its_case() -> None:
    world = with_cap(given_alice(), 1)
    world.service.book("alice", "intro", request(STARTS[0]), None)
    shouty = as_attendee(STARTS[1], "Bo", " BO@Example.com ")

    with pytest.raises(TooManyBookingsError):
        world.service.book("alice", "intro", shouty, None)


def test_another_attendee_is_not_held_back_by_the_first() -> None:
    world = with_cap(given_alice(), 1)
    world.book(STARTS[0])
    other = as_attendee(STARTS[1], "Cy", "cy@example.com")

    assert world.service.book("alice", "intro", other, None).booking.uid


def test_a_refused_booking_does_not_use_up_the_allowance() -> None:
    world = with_cap(given_alice(), 2)
    world.book(STARTS[0])
    with pytest.raises(SlotTakenError):
        world.service.book("alice", "intro", as_attendee(STARTS[0], "Cy", "cy@example.com"),
                           None)

    # Cy's refused attempt counted nothing: two real bookings still fit.
    for start in STARTS[1:3]:
        world.service.book("alice", "intro", as_attendee(start, "Cy", "cy@example.com"), None)


def test_the_allowance_is_per_utc_day_of_booking() -> None:
    world = with_cap(given_alice(), 1)
    world.book(STARTS[0])
    world.clock.advance(timedelta(days=1))

    assert world.book(STARTS[1]).booking.uid
