"""An event Penny made for a booking, deleted by the host in their calendar
(chalicelib/services/calendar_event_owners.py): the calendar job keeps an owner record
beside each Google event it makes, the calendar's incremental sync flags the booking
whose event it lists deleted, and the job makes the event again when asked. Penny's own
deletions flag nothing. Fakes throughout; Alice's world is test_calendar_sync.py's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.bookings import Booking
from chalicelib.domain.calendar_cache import CalendarSetup, SyncState
from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.events import EventKind
from chalicelib.domain.external_busy import ExternalEvent
from chalicelib.services.calendar_cache import CalendarCache
from tests.fakes.calendar_cache import FakeCalendarStore
from tests.fakes.event_owners import FakeEventOwners
from tests.unit.fakes import FixedClock
from tests.unit.test_calendar_sync import (
    AT_2,
    AT_3,
    CANCELLED,
    GOOGLE,
    HOST,
    MEET,
    NOW,
    OUTLOOK,
    World,
    a_booking,
)


class Owned(World):
    """Alice's world with the owner records kept, as deployed."""

    def keeping_owners(self) -> FakeEventOwners:
        self.owners = FakeEventOwners(self.bookings)
        store = FakeCalendarStore(setups=self.hosts.calendars)
        self.cache = CalendarCache(self.adapters, store, FixedClock(NOW),
                                   lambda provider: f"https://penny.test/hooks/{provider}",
                                   owners=self.owners)
        return self.owners

    def state(self) -> SyncState:
        assert self.cache is not None
        found = self.cache.store.setup(HOST).state(GOOGLE)
        assert found is not None
        return found

    def sync_google(self) -> None:
        """A sync of Alice's Google calendar, as her channel's notification makes."""
        assert self.cache is not None
        self.cache.sync(HOST, self.state(), noticed=NOW)

    def confirmed(self, booking: Booking | None = None) -> str:
        """Bo's booking confirmed, its event made (and the calendar synced after it); the
        event's id."""
        self.now(booking or a_booking(location=MEET))
        self.run(EventKind.BOOKING_CONFIRMED)
        (made,) = self.google.written["primary"]
        return made


@pytest.fixture
def owned() -> Owned:
    world = Owned()
    world.keeping_owners()
    return world


def test_each_google_event_made_has_an_owner_record_naming_the_host_and_booking(
        owned: Owned) -> None:
    made = owned.confirmed()

    assert owned.owners.owners == {("google", made): EventOwner(
        "google", made, HOST, "b-1", GOOGLE.key, AT_2.end, AT_2.end + timedelta(days=30))}


def test_a_google_event_the_host_deletes_flags_its_booking_on_the_next_sync(
        owned: Owned) -> None:
    made = owned.confirmed()
    owned.google.deleted_by_host("primary", made)

    owned.sync_google()

    assert owned.stored().calendar_event_removed_at == NOW
    assert (owned.owners.reads, owned.owners.flag_writes) == (1, 1)


def test_a_booking_already_flagged_is_not_written_again_by_another_sync(owned: Owned) -> None:
    made = owned.confirmed()
    owned.google.deleted_by_host("primary", made)
    owned.sync_google()
    stored = owned.stored()

    owned.cache.sync(HOST, replace(owned.state(), cursor=None), noticed=NOW)  # a full listing

    assert owned.stored() == stored and owned.owners.flag_writes == 1


def test_penny_deleting_its_own_event_for_a_cancel_flags_nothing(owned: Owned) -> None:
    owned.confirmed()
    owned.now(a_booking(status=CANCELLED, location=MEET))
    owned.run(EventKind.BOOKING_CANCELLED)
    assert owned.google.written["primary"] == {}

    owned.sync_google()

    assert owned.stored().calendar_event_removed_at is None
    assert owned.owners.owners == {} and owned.owners.flag_writes == 0


def test_penny_moving_the_event_to_another_calendar_or_time_flags_nothing(
        owned: Owned) -> None:
    owned.confirmed()
    owned.now(a_booking(when=AT_3, sequence=1, location=MEET))
    owned.run(EventKind.BOOKING_RESCHEDULED)     # moved in place
    # The host writes bookings to Outlook now; Google still counts, synced as before.
    owned.hosts.calendars[HOST] = CalendarSetup((owned.state(),), OUTLOOK)
    owned.run(EventKind.CALENDAR_REQUESTED)
    assert owned.google.written["primary"] == {}

    owned.sync_google()

    assert owned.stored().calendar_event_removed_at is None
    assert owned.owners.flag_writes == 0


def test_a_deleted_event_penny_does_not_own_costs_one_read_and_changes_nothing(
        owned: Owned) -> None:
    owned.confirmed()
    owned.google.add("primary", "dentist", ExternalEvent(AT_3))
    owned.sync_google()
    owned.owners.reads = 0
    owned.google.remove("primary", "dentist")

    owned.sync_google()

    assert (owned.owners.reads, owned.owners.flag_writes) == (1, 0)
    assert owned.stored().calendar_event_removed_at is None


def test_an_unchanged_event_costs_no_read(owned: Owned) -> None:
    owned.confirmed()
    owned.google.add("primary", "dentist", ExternalEvent(AT_3))

    owned.sync_google()

    assert owned.owners.reads == 0


def test_an_event_deleted_after_its_meeting_ended_flags_nothing(owned: Owned) -> None:
    made = owned.confirmed()
    owned.google.deleted_by_host("primary", made)
    assert owned.cache is not None
    later = replace(owned.cache, clock=FixedClock(AT_2.end + timedelta(minutes=1)))

    later.sync(HOST, owned.state())

    assert owned.stored().calendar_event_removed_at is None


def test_the_attendees_copy_of_the_invitation_in_another_hosts_calendar_flags_nothing(
        owned: Owned) -> None:
    made = owned.confirmed()
    owner = owned.owners.owners[("google", made)]
    owned.owners.owners[("google", made)] = replace(owner, host_id="host-bo")
    owned.google.deleted_by_host("primary", made)

    owned.sync_google()

    assert owned.stored().calendar_event_removed_at is None


def test_the_event_asked_for_again_is_made_under_a_new_id_and_the_flag_cleared(
        owned: Owned) -> None:
    gone = owned.confirmed()
    owned.google.deleted_by_host("primary", gone)
    owned.sync_google()

    owned.bookings.now(replace(owned.stored(), calendar_requested_at=NOW))  # "Put it back"
    owned.run(EventKind.CALENDAR_REQUESTED)

    (made,) = owned.google.written["primary"]
    assert made != gone and owned.google.written["primary"][made].when == AT_2
    assert owned.stored().calendar_event_removed_at is None
    assert owned.stored().video_url == f"https://meet.test/{made}"
    assert set(owned.owners.owners) == {("google", made)}


def test_a_sync_that_read_the_owner_record_just_before_the_put_back_flags_nothing(
        owned: Owned) -> None:
    gone = owned.confirmed()
    owned.google.deleted_by_host("primary", gone)
    owned.sync_google()
    owned.bookings.now(replace(owned.stored(), calendar_requested_at=NOW))  # "Put it back"
    read = owned.owners.owner("google", gone)       # a second sync's read

    owned.run(EventKind.CALENDAR_REQUESTED)         # the record forgotten, the flag cleared

    assert read is not None and not owned.owners.flag_removed(read, NOW)
    assert owned.stored().calendar_event_removed_at is None


def test_a_flagged_booking_whose_event_goes_for_want_of_a_calendar_is_no_longer_flagged(
        owned: Owned) -> None:
    # The host writes bookings to no calendar now: the booking expects no event, so its
    # row stops saying the event was removed, and offering to put it back.
    gone = owned.confirmed()
    owned.google.deleted_by_host("primary", gone)
    owned.sync_google()
    owned.destination(None)

    owned.run(EventKind.BOOKING_RESCHEDULED)

    assert owned.stored().calendar_event_removed_at is None
    assert owned.google.written["primary"] == {} and owned.refs.refs == {}
    owned.sync_google()   # the deletion listed again: its owner record is gone
    assert owned.stored().calendar_event_removed_at is None and owned.owners.owners == {}


def test_a_flagged_booking_whose_event_could_not_be_taken_away_stays_flagged(
        owned: Owned) -> None:
    gone = owned.confirmed()
    owned.google.deleted_by_host("primary", gone)
    owned.sync_google()
    owned.destination(None)
    owned.google.faults.fail_next("delete_event", ProviderUnavailableError("google", "503"))

    with pytest.raises(ProviderUnavailableError):
        owned.run(EventKind.BOOKING_RESCHEDULED)

    assert owned.stored().calendar_event_removed_at == NOW   # the retry clears it


def test_a_flag_whose_event_is_still_there_is_cleared_by_putting_it_back_with_no_new_event(
        owned: Owned) -> None:
    # An unrecorded event Penny deleted (a run made it and died before recording) keeps
    # its owner record, so its deletion flags the booking: putting back finds the
    # recorded event there.
    made = owned.confirmed()
    owned.bookings.now(replace(owned.stored(), calendar_event_removed_at=NOW,
                               calendar_requested_at=NOW))

    owned.run(EventKind.CALENDAR_REQUESTED)

    assert list(owned.google.written["primary"]) == [made]
    assert owned.stored().calendar_event_removed_at is None


def test_an_event_moved_later_and_deleted_after_its_first_time_ended_still_flags(
        owned: Owned) -> None:
    # Moved in place, the event keeps its id: its owner record takes the meeting's new
    # end (what a deletion is judged by, and the record's TTL), or a deletion between
    # the first end and the new one would pass for the host tidying up.
    made = owned.confirmed()
    owned.now(a_booking(when=AT_3, sequence=1, location=MEET))
    owned.run(EventKind.BOOKING_RESCHEDULED)
    owner = owned.owners.owners[("google", made)]
    assert (owner.ends_at, owner.keep_until) == (AT_3.end, AT_3.end + timedelta(days=30))
    owned.google.deleted_by_host("primary", made)
    assert owned.cache is not None
    between = replace(owned.cache, clock=FixedClock(AT_2.end + timedelta(minutes=10)))

    between.sync(HOST, owned.state())

    assert owned.stored().calendar_event_removed_at == AT_2.end + timedelta(minutes=10)
