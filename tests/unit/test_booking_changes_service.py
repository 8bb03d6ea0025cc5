"""Cancelling and rescheduling a booking, by the attendee's secret links or by the host.

Alice works 09:00-17:00 New York time (UTC-5 in early March 2026) on weekdays; the clock
stands at Monday 2026-03-02 12:00Z.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.bookings import (
    MAX_MOVES,
    Attendee,
    Booking,
    BookingStatus,
    HistoryEntry,
)
from chalicelib.domain.errors import (
    BookingLinkError,
    BookingStateError,
    NotFoundError,
    SlotTakenError,
    SlotUnavailableError,
    TooManyMovesError,
    ValidationError,
)
from chalicelib.domain.event_types import LONGEST_MEETING
from chalicelib.domain.notes import NotesDestination
from chalicelib.services.booking import BookingRequest, BookingService
from chalicelib.services.booking_changes import BookingChanges
from chalicelib.services.links import BookingLinks, LinkPurpose
from tests.unit.fakes import FakeBookings, FakeHosts, FixedClock, make_host, reservations

NOW = "2026-03-02T12:00:00+00:00"
WEDNESDAY = date(2026, 3, 4)
FRIDAY = date(2026, 3, 6)

NOTION = NotesDestination("notion", "db-1", "ds-1", "Client notes")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class World:
    booking: BookingService
    changes: BookingChanges
    bookings: FakeBookings
    links: BookingLinks
    clock: FixedClock
    hosts: FakeHosts

    def book(self, start: str, host: str = "alice", name: str = "Bo Booker",
             email: str = "bo@example.com") -> Booking:
        attendee = Attendee(name, email, "Europe/London")
        return self.booking.book(host, "intro", BookingRequest(at(start), attendee, {})).booking

    def token(self, booking: Booking, purpose: LinkPurpose) -> str:
        return self.links.token(booking.uid, purpose)

    def entries(self, day: date, host_id: str = "host-alice") -> list[str]:
        return [e.booking_uid for e in self.bookings.day(host_id, day).entries]

    def edit_intro(self, **changes: Any) -> None:
        """The host edits Alice's "intro" event type (after bookings were made)."""
        (et,) = self.hosts.config("host-alice").event_types
        self.hosts.save_event_type(replace(et, **changes), "alice", et)

    def stored(self, booking: Booking) -> Booking:
        found = self.bookings.get(booking.uid)
        assert found is not None
        return found


@pytest.fixture
def world() -> World:
    hosts, bookings, clock = FakeHosts(), FakeBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now(), slug="alice")
    make_host(hosts, clock.now(), slug="bob")
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    return World(BookingService(hosts, reservations(bookings, clock), links),
                 BookingChanges(hosts, bookings, clock, links, reservations(bookings, clock)),
                 bookings, links, clock, hosts)


# --- cancel ---------------------------------------------------------------------------------


def test_cancelling_by_link_marks_the_booking_cancelled_and_frees_the_ledger(
        world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    cancelled = world.changes.cancel_by_attendee(
        booking.uid, world.token(booking, LinkPurpose.CANCEL), "  something came up ")

    assert cancelled.status is BookingStatus.CANCELLED
    assert (cancelled.cancelled_at, cancelled.cancelled_by) == (at(NOW), "attendee")
    assert cancelled.cancel_reason == "something came up"
    assert world.stored(booking).status is BookingStatus.CANCELLED
    assert world.entries(WEDNESDAY) == []


def test_a_cancelled_slot_can_be_booked_again(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.changes.cancel_by_host("host-alice", booking.uid, None)

    again = world.book("2026-03-04T10:00:00-05:00", name="Cy Next")

    assert world.entries(WEDNESDAY) == [again.uid]


def test_the_host_cancels_from_their_session(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    cancelled = world.changes.cancel_by_host("host-alice", booking.uid, "   ")

    assert cancelled.cancelled_by == "host"
    assert cancelled.cancel_reason is None
    assert world.entries(WEDNESDAY) == []


def test_a_cancelled_booking_cannot_be_cancelled_again(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    token = world.token(booking, LinkPurpose.CANCEL)
    world.changes.cancel_by_attendee(booking.uid, token, None)

    with pytest.raises(BookingStateError):
        world.changes.cancel_by_attendee(booking.uid, token, None)
    with pytest.raises(BookingStateError):
        world.changes.cancel_by_host("host-alice", booking.uid, None)


def test_a_booking_that_has_started_cannot_be_cancelled(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.clock.advance(timedelta(days=2, hours=3))  # 2026-03-04T15:00Z, its start

    with pytest.raises(BookingStateError):
        world.changes.cancel_by_host("host-alice", booking.uid, None)


def test_a_cancel_that_meets_a_concurrent_write_is_retried(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.bookings.fail_commits = 1

    world.changes.cancel_by_host("host-alice", booking.uid, None)

    assert world.stored(booking).status is BookingStatus.CANCELLED
    assert world.entries(WEDNESDAY) == []


def test_a_cancel_keeps_other_bookings_on_the_same_day(world: World) -> None:
    first = world.book("2026-03-04T10:00:00-05:00")
    second = world.book("2026-03-04T11:00:00-05:00", name="Cy Second")

    world.changes.cancel_by_host("host-alice", first.uid, None)

    assert world.entries(WEDNESDAY) == [second.uid]


# --- reschedule -----------------------------------------------------------------------------


def test_rescheduling_moves_the_ledger_entry_and_keeps_the_uid(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    moved = world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                     at("2026-03-06T11:00:00-05:00"))

    assert moved.uid == booking.uid
    assert (moved.start, moved.end) == (at("2026-03-06T16:00:00+00:00"),
                                        at("2026-03-06T16:30:00+00:00"))
    assert world.entries(WEDNESDAY) == []
    assert world.entries(FRIDAY) == [booking.uid]
    assert world.stored(booking).start == moved.start


def test_rescheduling_appends_the_old_time_to_history_and_bumps_the_sequence(
        world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    token = world.token(booking, LinkPurpose.RESCHEDULE)

    world.changes.reschedule(booking.uid, token, at("2026-03-06T11:00:00-05:00"))
    world.clock.advance(timedelta(hours=1))
    moved = world.changes.reschedule(booking.uid, token, at("2026-03-05T09:00:00-05:00"))

    assert moved.sequence == 2
    assert moved.history == (
        HistoryEntry(at("2026-03-04T15:00:00+00:00"), at("2026-03-04T15:30:00+00:00"),
                     at("2026-03-02T12:00:00+00:00")),
        HistoryEntry(at("2026-03-06T16:00:00+00:00"), at("2026-03-06T16:30:00+00:00"),
                     at("2026-03-02T13:00:00+00:00")),
    )
    assert world.stored(booking).sequence == 2


def test_rescheduling_takes_the_hosts_premium_plan_as_it_is_now(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.hosts.premium.add("host-alice")  # the operator's switch, after the booking

    moved = world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                     at("2026-03-06T11:00:00-05:00"))

    assert (booking.premium, moved.premium, world.stored(booking).premium) == (
        False, True, True)


def test_a_rescheduled_booking_reaches_the_notes_worker_once_its_host_keeps_notes(
        world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.hosts.save_notes("host-alice", NOTION)  # after the booking
    token = world.token(booking, LinkPurpose.RESCHEDULE)

    moved = world.changes.reschedule(booking.uid, token, at("2026-03-06T11:00:00-05:00"))
    world.hosts.save_notes("host-alice", None)  # and stopped again: its page goes on
    again = world.changes.reschedule(booking.uid, token, at("2026-03-06T13:00:00-05:00"))

    assert (booking.keeps_notes, moved.keeps_notes, again.keeps_notes) == (False, True, True)


def test_rescheduling_may_overlap_the_bookings_own_old_time(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    moved = world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                     at("2026-03-04T10:30:00-05:00"))

    assert world.entries(WEDNESDAY) == [booking.uid]
    (entry,) = world.bookings.day("host-alice", WEDNESDAY).entries
    assert entry.meeting == moved.meeting


def test_rescheduling_onto_another_booking_is_refused_and_changes_nothing(
        world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    other = world.book("2026-03-06T11:00:00-05:00", name="Cy Other")

    with pytest.raises(SlotTakenError):
        world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                 at("2026-03-06T11:00:00-05:00"))

    assert world.stored(booking).start == booking.start
    assert world.entries(WEDNESDAY) == [booking.uid]
    assert world.entries(FRIDAY) == [other.uid]


def test_a_move_after_the_host_shortened_the_event_is_checked_at_the_bookings_own_length(
        world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")          # 30 minutes
    other = world.book("2026-03-06T11:30:00-05:00", name="Cy Other")
    world.edit_intro(duration_minutes=15)                       # after both were made

    with pytest.raises(SlotTakenError):                         # 11:15-11:45 meets 11:30
        world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                 at("2026-03-06T11:15:00-05:00"))

    assert world.stored(booking).start == booking.start
    assert world.entries(FRIDAY) == [other.uid]


def test_a_moved_booking_keeps_the_length_and_buffers_it_was_booked_with(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.edit_intro(duration_minutes=60, buffer_after_minutes=30)

    moved = world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                     at("2026-03-06T11:00:00-05:00"))

    assert (moved.end - moved.start, moved.buffer_after) == (
        timedelta(minutes=30), timedelta(0))
    (entry,) = world.bookings.day("host-alice", FRIDAY).entries
    assert entry.blocked == moved.meeting


def test_a_move_after_the_host_added_a_buffer_is_checked_with_the_bookings_own_buffers(
        world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    other = world.book("2026-03-06T11:30:00-05:00", name="Cy Other")
    world.edit_intro(buffer_after_minutes=15)                    # the move keeps none

    moved = world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                     at("2026-03-06T11:00:00-05:00"))

    assert moved.blocked == moved.meeting
    assert world.entries(FRIDAY) == [other.uid, booking.uid]


def test_rescheduling_to_the_time_it_already_has_changes_nothing(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    token = world.token(booking, LinkPurpose.RESCHEDULE)
    moved = world.changes.reschedule(booking.uid, token, at("2026-03-06T11:00:00-05:00"))

    again = world.changes.reschedule(booking.uid, token, at("2026-03-06T16:00:00+00:00"))

    stored = world.stored(booking)
    assert (again.start, again.sequence, again.history) == (
        moved.start, 1, moved.history) == (stored.start, stored.sequence, stored.history)


def test_a_booking_is_moved_at_most_max_moves_times_and_can_still_be_cancelled(
        world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    token = world.token(booking, LinkPurpose.RESCHEDULE)
    times = ["2026-03-06T11:00:00-05:00", "2026-03-06T13:00:00-05:00"]
    for n in range(MAX_MOVES):
        world.changes.reschedule(booking.uid, token, at(times[n % 2]))

    with pytest.raises(TooManyMovesError) as raised:
        world.changes.reschedule(booking.uid, token, at("2026-03-05T09:00:00-05:00"))

    assert raised.value.code == "too_many_moves"
    stored = world.stored(booking)
    assert (stored.sequence, len(stored.history)) == (MAX_MOVES, MAX_MOVES)
    assert world.changes.cancel_by_host("host-alice", booking.uid, None).status is \
        BookingStatus.CANCELLED


def test_rescheduling_outside_working_hours_is_unavailable(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(SlotUnavailableError):
        world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                 at("2026-03-07T10:00:00-05:00"))


def test_a_cancelled_booking_cannot_be_rescheduled(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.changes.cancel_by_host("host-alice", booking.uid, None)

    with pytest.raises(BookingStateError):
        world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                 at("2026-03-06T11:00:00-05:00"))


# --- who may act ----------------------------------------------------------------------------


def test_a_wrong_link_token_is_reported_as_not_found(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(BookingLinkError) as raised:
        world.changes.cancel_by_attendee(booking.uid, "not-the-token", None)

    assert isinstance(raised.value, NotFoundError)
    assert world.stored(booking).status is BookingStatus.CONFIRMED


def test_each_link_token_only_serves_its_own_purpose(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(BookingLinkError):
        world.changes.cancel_by_attendee(
            booking.uid, world.token(booking, LinkPurpose.RESCHEDULE), None)
    with pytest.raises(BookingLinkError):
        world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.CANCEL),
                                 at("2026-03-06T11:00:00-05:00"))


def test_a_token_for_one_booking_does_not_open_another(world: World) -> None:
    mine = world.book("2026-03-04T10:00:00-05:00")
    theirs = world.book("2026-03-04T11:00:00-05:00", name="Cy Other")

    with pytest.raises(BookingLinkError):
        world.changes.view(theirs.uid, world.token(mine, LinkPurpose.CANCEL))


def test_either_link_token_may_view_the_booking(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")

    for purpose in LinkPurpose:
        assert world.changes.view(booking.uid, world.token(booking, purpose)).uid == booking.uid


def test_an_unknown_booking_is_not_found_even_with_a_well_formed_token(world: World) -> None:
    with pytest.raises(BookingLinkError):
        world.changes.view("no-such-uid", world.links.token("no-such-uid", LinkPurpose.CANCEL))


def test_a_host_cannot_see_or_cancel_another_hosts_booking(world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00", host="alice")

    with pytest.raises(NotFoundError):
        world.changes.host_view("host-bob", booking.uid)
    with pytest.raises(NotFoundError):
        world.changes.cancel_by_host("host-bob", booking.uid, None)

    assert world.stored(booking).status is BookingStatus.CONFIRMED
    assert world.entries(WEDNESDAY) == [booking.uid]


# --- listing --------------------------------------------------------------------------------


def test_a_host_lists_upcoming_past_and_cancelled_bookings_apart(world: World) -> None:
    soon = world.book("2026-03-03T10:00:00-05:00")
    later = world.book("2026-03-04T10:00:00-05:00", name="Cy Later")
    dropped = world.book("2026-03-05T10:00:00-05:00", name="Di Dropped")
    world.changes.cancel_by_host("host-alice", dropped.uid, None)
    world.clock.advance(timedelta(days=1, hours=4))  # 2026-03-03T16:00Z: `soon` is past

    def uids(status: str) -> list[str]:
        return [b.uid for b in world.changes.list_for_host("host-alice", status, 10)[0]]

    assert uids("upcoming") == [later.uid]
    assert uids("past") == [soon.uid]
    assert uids("cancelled") == [dropped.uid]
    assert world.changes.list_for_host("host-bob", "upcoming", 10) == ([], None)


def test_a_meeting_in_progress_is_upcoming_first_until_it_ends_then_past(world: World) -> None:
    ended = world.book("2026-03-03T10:00:00-05:00")                  # 15:00Z to 15:30Z
    under_way = world.book("2026-03-03T10:30:00-05:00", name="Cy Now")  # 15:30Z to 16:00Z
    later = world.book("2026-03-03T11:00:00-05:00", name="Di Later")

    def uids(status: str) -> list[str]:
        return [b.uid for b in world.changes.list_for_host("host-alice", status, 10)[0]]

    world.clock.at = at("2026-03-03T15:35:00+00:00")  # five minutes into Cy's meeting
    assert uids("upcoming") == [under_way.uid, later.uid]
    assert uids("past") == [ended.uid]

    world.clock.at = at("2026-03-03T16:00:00+00:00")  # the moment it ends
    assert uids("upcoming") == [later.uid]
    assert uids("past") == [under_way.uid, ended.uid]


def test_the_longest_meeting_an_event_type_allows_is_upcoming_to_its_last_minute(
        world: World) -> None:
    made = world.book("2026-03-03T10:00:00-05:00")
    longest = replace(made, start=at("2026-03-03T00:00:00+00:00"),
                      end=at("2026-03-03T00:00:00+00:00") + LONGEST_MEETING)
    world.bookings.bookings[made.uid] = longest
    world.clock.at = longest.end - timedelta(minutes=1)

    assert [b.uid for b in world.changes.list_for_host("host-alice", "upcoming", 10)[0]] == [
        made.uid]
    assert world.changes.list_for_host("host-alice", "past", 10)[0] == []


def five_on_wednesday(world: World) -> list[Booking]:
    """10:00 to 12:00 New York time, half-hourly, each by another client."""
    return [world.book(f"2026-03-04T{10 + n // 2:02}:{30 * (n % 2):02}:00-05:00",
                       name=f"Client {n}") for n in range(5)]


def pages(world: World, status: str, limit: int,
          attendee: str | None = None) -> list[list[str]]:
    """The host's list page by page, each following the cursor of the one before."""
    found, cursor = world.changes.list_for_host("host-alice", status, limit,
                                                attendee=attendee)
    seen = [[b.uid for b in found]]
    while cursor is not None:
        found, cursor = world.changes.list_for_host("host-alice", status, limit, cursor,
                                                    attendee=attendee)
        seen.append([b.uid for b in found])
    return seen


def test_a_hosts_list_comes_a_page_at_a_time_following_its_cursor(world: World) -> None:
    a, b, c, d, e = (x.uid for x in five_on_wednesday(world))

    assert pages(world, "upcoming", 2) == [[a, b], [c, d], [e]]


def test_cancelled_bookings_never_crowd_upcoming_ones_out_of_a_page(world: World) -> None:
    made = five_on_wednesday(world)
    for booking in made[:3]:
        world.changes.cancel_by_host("host-alice", booking.uid, None)

    assert pages(world, "upcoming", 2) == [[made[3].uid, made[4].uid], []]
    assert pages(world, "cancelled", 2) == [[made[2].uid, made[1].uid], [made[0].uid]]


def test_a_page_that_reads_its_limit_of_times_goes_on_from_where_it_stopped(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    made = five_on_wednesday(world)
    for booking in made[:4]:
        world.changes.cancel_by_host("host-alice", booking.uid, None)
    monkeypatch.setattr("chalicelib.services.booking_changes.LIST_READS", 1)

    # A full page may be the last: its cursor then gives an empty one.
    assert pages(world, "upcoming", 1) == [[], [], [made[4].uid], []]


def test_a_hosts_list_finds_one_clients_bookings_by_any_part_of_name_or_e_mail(
        world: World) -> None:
    ada = world.book("2026-03-04T10:00:00-05:00", name="Ada Lovelace", email="ada@math.org")
    bo = world.book("2026-03-04T10:30:00-05:00", name="Bo Booker", email="bo@example.com")
    grace = world.book("2026-03-04T11:00:00-05:00", name="Grace", email="grace@ADA.dev")

    def found(status: str, attendee: str) -> list[str]:
        listed, _ = world.changes.list_for_host("host-alice", status, 10, attendee=attendee)
        return [b.uid for b in listed]

    assert found("upcoming", "ada") == [ada.uid, grace.uid]  # Grace's e-mail, in any case
    assert found("upcoming", "LOVELACE") == [ada.uid]
    assert found("upcoming", "bo@example.com") == [bo.uid]
    assert found("upcoming", "nobody") == []
    world.changes.cancel_by_host("host-alice", ada.uid, None)
    assert found("upcoming", "ada") == [grace.uid]
    assert found("cancelled", "ada") == [ada.uid]
    assert found("cancelled", "grace") == []


def test_one_clients_bookings_come_a_page_at_a_time_past_the_others(world: World) -> None:
    made = [world.book(f"2026-03-04T{10 + n // 2:02}:{30 * (n % 2):02}:00-05:00",
                       name="Ada Lovelace" if n % 2 else f"Client {n}",
                       email=f"client{n}@example.com") for n in range(6)]
    ada = [b.uid for b in made[1::2]]

    assert pages(world, "upcoming", 2, attendee="lovelace") == [ada[:2], ada[2:]]


def test_a_cursor_the_list_did_not_give_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        world.changes.list_for_host("host-alice", "upcoming", 10, "BOOKING#x' OR 1=1")

    assert raised.value.field == "cursor"


def test_a_reschedule_that_loses_a_race_with_a_cancel_leaves_it_cancelled(
        world: World) -> None:
    booking = world.book("2026-03-04T10:00:00-05:00")
    world.bookings.before_commit.append(
        lambda: world.changes.cancel_by_host("host-alice", booking.uid, None))

    with pytest.raises(BookingStateError):
        world.changes.reschedule(booking.uid, world.token(booking, LinkPurpose.RESCHEDULE),
                                 at("2026-03-06T11:00:00-05:00"))

    assert world.stored(booking).status is BookingStatus.CANCELLED
    assert world.entries(WEDNESDAY) == [] and world.entries(FRIDAY) == []
