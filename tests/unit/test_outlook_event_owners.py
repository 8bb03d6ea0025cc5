"""An event Penny made for a booking in Outlook, deleted there by the host
(chalicelib/services/calendar_event_owners.py): the calendar job keeps an owner record
beside each Outlook event too, and Graph's `deleted` change notification, genuine by its
clientState, flags the booking whose event it names (services/calendar_pushes.py
`notified`). Penny's own deletions flag nothing. Fakes throughout; Alice's world is
test_calendar_sync.py's, her owner records test_calendar_event_owners.py's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.calendar_cache import CalendarSetup, SyncState
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.events import EventKind
from tests.fakes.calendar_cache import FakeCalendarStore
from tests.unit.test_calendar_event_owners import Owned
from tests.unit.test_calendar_sync import AT_2, GOOGLE, HOST, NOW, OUTLOOK, TEAMS, a_booking

TOKEN = "client-state-of-sub-1"


class Outlooked(Owned):
    """Alice writes bookings to Outlook, whose calendar counts and is watched by a Graph
    subscription (`sub-1`, made with clientState TOKEN)."""

    def subscribed(self) -> None:
        assert self.cache is not None
        store = self.cache.store
        assert isinstance(store, FakeCalendarStore)
        store.setups[HOST] = CalendarSetup((SyncState(GOOGLE), SyncState(OUTLOOK)), OUTLOOK)
        store.save_watch("microsoft", "sub-1", HOST, OUTLOOK, TOKEN, NOW + timedelta(days=2))
        self.outlook.whole = True  # a deleted event is simply absent from its listing

    def made(self) -> str:
        """Bo's Teams booking confirmed and its Outlook event made; the event's id."""
        self.now(a_booking(location=TEAMS))
        self.run(EventKind.BOOKING_CONFIRMED)
        (made,) = self.outlook.written["primary"]
        return made

    def deleted(self, *event_ids: str, token: str = TOKEN) -> bool:
        """Graph's notification that these events were deleted, on `sub-1`."""
        assert self.cache is not None
        return self.cache.notified("microsoft", "sub-1", token, list(event_ids))


@pytest.fixture
def outlooked() -> Outlooked:
    world = Outlooked()
    world.keeping_owners()
    world.subscribed()
    return world


def test_each_outlook_event_made_has_an_owner_record_naming_the_host_and_booking(
        outlooked: Outlooked) -> None:
    made = outlooked.made()

    assert outlooked.owners.owners == {("microsoft", made): EventOwner(
        "microsoft", made, HOST, "b-1", OUTLOOK.key, AT_2.end, AT_2.end + timedelta(days=30))}


def test_graphs_deleted_notification_of_a_penny_event_flags_its_booking(
        outlooked: Outlooked) -> None:
    made = outlooked.made()
    outlooked.outlook.deleted_by_host("primary", made)

    assert outlooked.deleted(made) is True

    assert outlooked.stored().calendar_event_removed_at == NOW
    assert (outlooked.owners.reads, outlooked.owners.flag_writes) == (1, 1)


def test_a_deleted_event_penny_does_not_own_costs_one_read_and_changes_nothing(
        outlooked: Outlooked) -> None:
    outlooked.made()
    before = outlooked.stored()

    assert outlooked.deleted("the-hosts-dentist") is True

    assert (outlooked.owners.reads, outlooked.owners.flag_writes) == (1, 0)
    assert outlooked.stored() == before


def test_a_notification_of_changes_but_no_deletion_reads_no_owner(
        outlooked: Outlooked) -> None:
    outlooked.made()

    assert outlooked.deleted() is True  # `created` or `updated`: nothing deleted

    assert outlooked.owners.reads == 0


def test_a_deleted_notification_with_another_client_state_changes_nothing(
        outlooked: Outlooked) -> None:
    made = outlooked.made()
    outlooked.outlook.deleted_by_host("primary", made)

    assert outlooked.deleted(made, token="guessed") is False

    assert outlooked.stored().calendar_event_removed_at is None
    assert outlooked.owners.reads == 0


def test_penny_deleting_its_own_outlook_event_while_the_booking_stands_flags_nothing(
        outlooked: Outlooked) -> None:
    made = outlooked.made()
    # The host writes bookings to Google now: Penny deletes the Outlook event itself.
    outlooked.hosts.calendars[HOST] = CalendarSetup(
        (SyncState(GOOGLE), SyncState(OUTLOOK)), GOOGLE)
    outlooked.run(EventKind.CALENDAR_REQUESTED)
    assert outlooked.outlook.written["primary"] == {}

    outlooked.deleted(made)

    assert outlooked.stored().calendar_event_removed_at is None
    assert outlooked.owners.flag_writes == 0
    assert {provider for provider, _ in outlooked.owners.owners} == {"google"}


def test_the_outlook_event_put_back_is_made_under_a_new_id_and_the_flag_cleared(
        outlooked: Outlooked) -> None:
    gone = outlooked.made()
    outlooked.outlook.deleted_by_host("primary", gone)
    outlooked.deleted(gone)

    outlooked.bookings.now(replace(outlooked.stored(), calendar_requested_at=NOW))
    outlooked.run(EventKind.CALENDAR_REQUESTED)

    ((made, event),) = outlooked.outlook.written["primary"].items()
    assert made != gone and event.when == AT_2 and event.booking_uid == "b-1"
    assert outlooked.stored().calendar_event_removed_at is None
    assert outlooked.stored().video_url == f"https://teams.test/{made}"
    assert set(outlooked.owners.owners) == {("microsoft", made)}
