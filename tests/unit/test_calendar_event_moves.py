"""An event Penny made for a booking, moved by the host to another of their calendars
(chalicelib/services/calendar_event_moves.py): the calendar it left lists it deleted,
and Penny finds it in the host's other calendars and follows it there rather than flag
the booking; a reschedule patches it and a cancel deletes it where it is now. Not found
there (deleted, or moved to a calendar Penny may not write): flagged, as before. Fakes
throughout; Alice's world is test_calendar_sync.py's.
"""

from __future__ import annotations

import pytest

from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.events import EventKind
from chalicelib.domain.providers.calendars import CalendarInfo
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.services.calendar_cache import CalendarCache
from tests.fakes.calendar_cache import FakeCalendarStore
from tests.fakes.event_owners import FakeEventOwners
from tests.unit.fakes import FixedClock
from tests.unit.test_calendar_event_owners import Owned
from tests.unit.test_calendar_sync import AT_2, AT_3, CANCELLED, GOOGLE, MEET, NOW, a_booking

SIDE = CalendarInfo("side", "Side projects", primary=False, writable=True)
THIRD = CalendarInfo("third", "Clients", primary=False, writable=True)
SHARED = CalendarInfo("bob@example.com", "Bob", primary=False, writable=False)


class Followed(Owned):
    """Alice's world with owner records and the bookings' event records both at hand to
    the sync, as deployed."""

    def following(self) -> FakeEventOwners:
        self.owners = FakeEventOwners(self.bookings, self.refs)
        store = FakeCalendarStore(setups=self.hosts.calendars)
        self.cache = CalendarCache(self.adapters, store, FixedClock(NOW),
                                   lambda provider: f"https://penny.test/hooks/{provider}",
                                   owners=self.owners, refs=self.refs)
        self.google.listed += [SIDE, SHARED]
        return self.owners

    def recorded(self) -> str:
        ref = self.refs.get("calendar", "b-1")
        assert ref is not None
        return ref.external_id


@pytest.fixture
def world() -> Followed:
    world = Followed()
    world.following()
    return world


def test_an_event_the_host_moves_to_another_of_their_calendars_is_followed_not_flagged(
        world: Followed) -> None:
    made = world.confirmed()
    world.google.moved_by_host("primary", made, "side")

    world.sync_google()

    assert world.stored().calendar_event_removed_at is None
    assert world.owners.flag_writes == 0
    assert world.google.moves_asked == [("primary", made)]
    assert world.recorded() == f"google:side\n{made}\n\ngoogle:primary"
    assert world.owners.owners[("google", made)].calendar == "google:side"


def test_a_reschedule_after_the_move_patches_the_event_where_the_host_put_it(
        world: Followed) -> None:
    made = world.confirmed()
    world.google.moved_by_host("primary", made, "side")
    world.sync_google()

    world.now(a_booking(when=AT_3, sequence=1, location=MEET))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert [(i, e.when) for i, e in world.google.written["side"].items()] == [(made, AT_3)]
    assert world.google.written.get("primary", {}) == {}
    assert world.recorded() == f"google:side\n{made}\n\ngoogle:primary"
    assert world.owners.owners[("google", made)].calendar == "google:side"
    assert world.stored().calendar_event_removed_at is None


def test_a_cancel_after_the_move_deletes_the_event_where_the_host_put_it(
        world: Followed) -> None:
    made = world.confirmed()
    world.google.moved_by_host("primary", made, "side")
    world.sync_google()

    world.now(a_booking(status=CANCELLED, location=MEET))
    world.run(EventKind.BOOKING_CANCELLED)

    assert world.google.written.get("side") == {}
    assert world.refs.get("calendar", "b-1") is None
    assert ("google", made) not in world.owners.owners


def test_choosing_the_calendar_the_event_was_moved_to_keeps_it_there(
        world: Followed) -> None:
    made = world.confirmed()
    world.google.moved_by_host("primary", made, "side")
    world.sync_google()
    world.destination(CalendarRef("google", "side"))

    world.now(a_booking(when=AT_3, sequence=1, location=MEET))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert [(i, e.when) for i, e in world.google.written["side"].items()] == [(made, AT_3)]
    assert world.recorded() == f"google:side\n{made}"


def test_choosing_a_third_calendar_after_a_move_makes_the_event_there_and_deletes_the_moved_one(
        world: Followed) -> None:
    world.google.listed.append(THIRD)
    made = world.confirmed()
    world.google.moved_by_host("primary", made, "side")
    world.sync_google()
    world.destination(CalendarRef("google", THIRD.id))

    world.now(a_booking(when=AT_3, sequence=1, location=MEET))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert world.google.written["side"] == {}
    (again,) = world.google.written[THIRD.id]
    assert world.recorded() == f"google:{THIRD.id}\n{again}"
    assert ("google", made) not in world.owners.owners


def test_an_event_the_host_really_deletes_is_still_flagged_after_the_look(
        world: Followed) -> None:
    made = world.confirmed()
    world.google.deleted_by_host("primary", made)

    world.sync_google()

    assert world.stored().calendar_event_removed_at == NOW
    assert world.google.moves_asked == [("primary", made)]
    assert world.recorded() == f"google:primary\n{made}"


def test_an_event_moved_to_a_calendar_penny_may_not_write_is_flagged(
        world: Followed) -> None:
    made = world.confirmed()
    world.google.moved_by_host("primary", made, SHARED.id)

    world.sync_google()

    assert world.stored().calendar_event_removed_at == NOW
    assert world.recorded() == f"google:primary\n{made}"
    assert world.owners.owners[("google", made)].calendar == GOOGLE.key


def test_an_event_found_moved_whose_booking_records_another_event_is_not_followed(
        world: Followed) -> None:
    made = world.confirmed()
    world.refs.put(ProviderRef("calendar", "b-1", "google:primary\nevt-other", 0, AT_2.end))
    world.google.moved_by_host("primary", made, "side")

    world.sync_google()

    assert world.recorded() == "google:primary\nevt-other"
    assert world.owners.owners[("google", made)].calendar == GOOGLE.key


def test_a_sync_that_lists_no_event_of_pennys_deleted_asks_nowhere_else(
        world: Followed) -> None:
    world.confirmed()
    world.google.remove("primary", "hosts-own")   # the host's own event, deleted

    world.sync_google()

    assert world.google.moves_asked == []
    assert world.stored().calendar_event_removed_at is None


def test_a_look_that_fails_flags_nothing_and_leaves_the_cursor_for_the_next_sync(
        world: Followed) -> None:
    made = world.confirmed()
    cursor = world.state().cursor
    world.google.moved_by_host("primary", made, "side")
    world.google.faults.fail_next("moved_to", ProviderUnavailableError("google", "503"))

    with pytest.raises(ProviderUnavailableError):
        world.sync_google()

    assert world.stored().calendar_event_removed_at is None
    assert world.state().cursor == cursor
    world.sync_google()
    assert world.recorded() == f"google:side\n{made}\n\ngoogle:primary"
