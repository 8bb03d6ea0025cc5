"""What the attendee and the host are told when a change is refused, and how lists sort.

Alice works 09:00-17:00 New York time (UTC-5 in early March 2026) on weekdays; the clock
stands at Monday 2026-03-02 12:00Z.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus
from chalicelib.domain.errors import (
    BookingContentionError,
    BookingLinkError,
    BookingStateError,
    NotFoundError,
    SlotTakenError,
    SlotUnavailableError,
)
from chalicelib.services.booking import BookingService
from chalicelib.services.booking_changes import BookingChanges
from chalicelib.services.links import BookingLinks, LinkPurpose
from tests.unit.fakes import FakeBookings, FakeHosts, FixedClock, make_host, reservations
from tests.unit.test_booking_changes_service import NOW, WEDNESDAY, World, at

BUSY = "the host's calendar is busy right now; try again"


@pytest.fixture
def world() -> World:
    hosts, bookings, clock = FakeHosts(), FakeBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now(), slug="alice")
    make_host(hosts, clock.now(), slug="bob")
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    return World(BookingService(hosts, reservations(bookings, clock), links),
                 BookingChanges(hosts, bookings, clock, links, reservations(bookings, clock)),
                 bookings, links, clock, hosts)


def a_hold(uid: str, start: str, hold_until: str) -> Booking:
    """A pending-payment hold of Alice's intro call, as the payments flow would store it."""
    begin = at(start)
    return Booking(
        uid=uid, host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=begin, end=begin + timedelta(minutes=30), buffer_before=timedelta(0),
        buffer_after=timedelta(0), attendee=Attendee("Ed Hold", "ed@example.com", "UTC"),
        answers={}, status=BookingStatus.PENDING_PAYMENT, created_at=at(NOW),
        location_kind="zoom", hold_until=at(hold_until), version=1)


# --- refusals, in words ---------------------------------------------------------------------


def test_cancelling_a_cancelled_booking_says_it_is_cancelled(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.changes.cancel_by_host("host-alice", booking.uid, None)

    with pytest.raises(BookingStateError) as refused:
        world.changes.cancel_by_host("host-alice", booking.uid, None)

    assert refused.value.message == "this booking is cancelled"


def test_cancelling_a_started_booking_says_it_has_started(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.clock.at = at("2026-03-04T15:10:00+00:00")

    with pytest.raises(BookingStateError) as refused:
        world.changes.cancel_by_attendee(booking.uid,
                                         world.token(booking, LinkPurpose.CANCEL), None)

    assert refused.value.message == "this booking has already started"


def test_an_expired_payment_hold_cannot_be_cancelled(world: World) -> None:
    hold = a_hold("h-1", "2026-03-04T15:00:00+00:00", "2026-03-02T11:30:00+00:00")
    world.bookings.bookings[hold.uid] = hold

    with pytest.raises(BookingStateError) as refused:
        world.changes.cancel_by_host("host-alice", hold.uid, None)

    assert refused.value.message == "this booking is pending_payment"


def test_a_wrong_link_is_refused_in_one_vague_message(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(BookingLinkError) as refused:
        world.changes.view(booking.uid, "not-the-token")

    assert refused.value.message == "booking not found or link not valid"


def test_either_link_opens_the_view_when_no_purpose_is_named(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    for purpose in LinkPurpose:
        assert world.changes.view(booking.uid, world.token(booking, purpose)).uid == booking.uid


def test_another_hosts_booking_is_simply_not_found(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(NotFoundError) as refused:
        world.changes.host_view("host-bob", booking.uid)

    assert refused.value.message == "booking not found"


def test_a_cancel_that_keeps_losing_races_gives_up_with_busy(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.bookings.fail_commits = 6

    with pytest.raises(BookingContentionError) as refused:
        world.changes.cancel_by_host("host-alice", booking.uid, None)

    assert refused.value.message == BUSY


def test_a_reschedule_that_keeps_losing_races_gives_up_with_busy(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.bookings.fail_commits = 6

    with pytest.raises(BookingContentionError) as refused:
        world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                 at("2026-03-04T11:00:00-05:00"))

    assert refused.value.message == BUSY


def test_a_booking_that_keeps_losing_races_gives_up_with_busy(world: World) -> None:
    world.bookings.fail_commits = 6

    with pytest.raises(BookingContentionError) as refused:
        world.book("2026-03-04T10:00:00-05:00")

    assert refused.value.message == BUSY


def test_a_taken_time_is_refused_as_just_booked(world: World) -> None:
    world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(SlotTakenError) as refused:
        world.book("2026-03-04T10:00:00-05:00", name="Cy Late")

    assert (refused.value.message, refused.value.field) == (
        "this time was just booked; pick another slot", "start")


def test_a_booking_of_a_retired_event_type_cannot_be_moved(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    hosts = world.changes.hosts
    [intro] = hosts.config("host-alice").event_types
    hosts.save_event_type(replace(intro, active=False), "alice", intro)

    with pytest.raises(BookingStateError) as refused:
        world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                 at("2026-03-04T11:00:00-05:00"))

    assert refused.value.message == "this event type no longer takes bookings"
    assert world.changes.bookable_event_type(hosts.config("host-alice"), booking) is None


def test_the_attendee_may_cancel_without_giving_a_reason(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    cancelled = world.changes.cancel_by_attendee(
        booking.uid, world.token(booking, LinkPurpose.CANCEL), None)

    assert (cancelled.cancel_reason, cancelled.cancelled_by) == (None, "attendee")


def test_the_hosts_reason_is_kept_trimmed(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    cancelled = world.changes.cancel_by_host("host-alice", booking.uid, "  Out sick \n")

    assert cancelled.cancel_reason == "Out sick"
    assert world.stored(booking).cancel_reason == "Out sick"


def test_the_host_config_is_the_bookings_hosts(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    assert world.changes.host_config(booking).profile.slug == "alice"


# --- lists ----------------------------------------------------------------------------------


def test_past_and_cancelled_bookings_are_listed_latest_first(world: World) -> None:
    monday = world.book("2026-03-02T10:00:00-05:00")
    tuesday = world.book("2026-03-03T10:00:00-05:00", name="Cy")
    wednesday = world.book("2026-03-04T10:00:00-05:00", name="Di")
    thursday = world.book("2026-03-05T10:00:00-05:00", name="Eve")
    world.changes.cancel_by_host("host-alice", wednesday.uid, None)
    world.changes.cancel_by_host("host-alice", thursday.uid, None)
    world.clock.at = at("2026-03-06T12:00:00+00:00")

    def uids(status: str) -> list[str]:
        return [b.uid for b in world.changes.list_for_host("host-alice", status, 10)[0]]

    assert uids("past") == [tuesday.uid, monday.uid]
    assert uids("cancelled") == [thursday.uid, wednesday.uid]


def test_an_expired_payment_hold_is_listed_with_the_cancelled_ones(world: World) -> None:
    expired = a_hold("h-1", "2026-03-04T15:00:00+00:00", "2026-03-02T11:30:00+00:00")
    live = a_hold("h-2", "2026-03-04T16:00:00+00:00", "2026-03-02T12:30:00+00:00")
    gone = a_hold("h-3", "2026-02-27T16:00:00+00:00", "2026-02-26T12:30:00+00:00")
    for hold in (expired, live, gone):
        world.bookings.bookings[hold.uid] = hold

    def uids(status: str) -> list[str]:
        return [b.uid for b in world.changes.list_for_host("host-alice", status, 10)[0]]

    assert uids("upcoming") == ["h-2"]
    assert uids("past") == []
    assert uids("cancelled") == ["h-1", "h-3"]


# --- moving onto part of its own old time -------------------------------------------------


def test_an_hour_long_booking_may_move_half_an_hour_onto_its_own_old_time() -> None:
    hosts, bookings, clock = FakeHosts(), FakeBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now(), slug="alice", duration_minutes=60,
              slot_interval_minutes=30)
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    world = World(BookingService(hosts, reservations(bookings, clock), links),
                  BookingChanges(hosts, bookings, clock, links, reservations(bookings, clock)),
                  bookings, links, clock, hosts)
    booking = world.book("2026-03-04T10:00:00-05:00")

    moved = world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                     at("2026-03-04T10:30:00-05:00"))

    assert (moved.start, moved.end) == (at("2026-03-04T15:30:00+00:00"),
                                        at("2026-03-04T16:30:00+00:00"))
    [entry] = world.bookings.day("host-alice", WEDNESDAY).entries
    assert entry.meeting == moved.meeting


def test_moving_onto_a_day_whose_limit_is_reached_is_refused() -> None:
    hosts, bookings, clock = FakeHosts(), FakeBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now(), slug="alice", daily_limit=1)
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    world = World(BookingService(hosts, reservations(bookings, clock), links),
                  BookingChanges(hosts, bookings, clock, links, reservations(bookings, clock)),
                  bookings, links, clock, hosts)
    world.book("2026-03-04T10:00:00-05:00")
    thursday = world.book("2026-03-05T10:00:00-05:00", name="Cy")

    with pytest.raises(SlotUnavailableError) as refused:
        world.changes.reschedule(thursday.uid, world.token(thursday, LinkPurpose.RESCHEDULE),
                                 at("2026-03-04T11:00:00-05:00"))

    assert refused.value.reason == "daily_limit_reached"
