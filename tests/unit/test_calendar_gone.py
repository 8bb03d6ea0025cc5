"""A calendar the provider says the host can no longer read (deleted, or no longer
shared) is gone: a booking skips it, a sync takes it out of the host's calendars, and the
setup keeps it among the removed with the reason; a calendar failing for now stays
unknown (services/calendar_gone.py, services/fresh_busy.py, domain/calendar_cache.py).
The world of test_calendar_cache_service.py: Alice, Google's primary and Outlook's work
and team calendars, Monday 2026-03-02 12:00Z.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, SyncState
from chalicelib.domain.errors import CalendarGoneError, CalendarUnavailableError
from chalicelib.domain.external_busy import ExternalEvent
from chalicelib.domain.providers.calendars import CalendarInfo
from chalicelib.store.calendar_setup_codec import setup_from_json, setup_to_json
from tests.fakes.calendar_cache import FakeCalendarStore
from tests.fakes.providers import PRIMARY, FakeAdapters
from tests.unit.fakes import FixedClock
from tests.unit.test_calendar_cache_service import (
    DENTIST,
    GOOGLE,
    HOST,
    NOW,
    OUTLOOK,
    SHARED,
    STANDUP,
    TUESDAY_HOURS,
    WORK,
    World,
    synced,
)

FAMILY = CalendarRef("google", "family")
TEAM = CalendarRef("microsoft", "team")
DELETED = "Google Calendar no longer has this calendar for you (notFound)"


@pytest.fixture
def world() -> World:
    adapters, store = FakeAdapters(), FakeCalendarStore()
    google = adapters.connect_calendar(HOST, "google")
    outlook = adapters.connect_calendar(HOST, "microsoft", WORK, SHARED)
    store.add_host(HOST)
    return World(adapters, store, FixedClock(NOW), google, outlook)


def family_counted(world: World, state: SyncState) -> CalendarSetup:
    world.google.listed = [PRIMARY, CalendarInfo("family", "Family", False, True)]
    world.google.add("primary", "standup", ExternalEvent(STANDUP))
    setup = CalendarSetup((SyncState(GOOGLE), state), FAMILY)
    world.store.setups[HOST] = setup
    return setup


def test_a_calendar_gone_at_booking_holds_nothing_and_is_taken_out(world: World) -> None:
    # Its copy is an hour old: were it unknown, every booking would be refused.
    setup = family_counted(world, synced(FAMILY, timedelta(hours=1)))
    world.store.write(HOST, FAMILY, {TUESDAY_HOURS.start.date(): {"school": DENTIST}})
    world.google.gone = {"family": DELETED}

    assert world.fresh.busy(HOST, setup, TUESDAY_HOURS) == [STANDUP]

    now = world.store.setup(HOST)
    assert now.refs == (GOOGLE,) and now.destination is None
    (removed,) = now.removed
    assert (removed.ref, removed.reason, removed.removed_at, removed.was_destination) == \
        (FAMILY, DELETED, NOW, True)
    assert world.adapters.broken_reasons == {}
    assert world.store.told == [(HOST, removed)]     # live, once
    world.clock.advance(timedelta(minutes=1))
    world.fresh.busy(HOST, setup, TUESDAY_HOURS)     # a booking that read the old setup
    assert world.store.told == [(HOST, removed)] and world.store.setup(HOST) == now


def test_a_calendar_failing_for_now_at_booking_still_refuses_it(world: World) -> None:
    setup = family_counted(world, synced(FAMILY, timedelta(hours=1)))
    world.google.unknown = {"family"}

    with pytest.raises(CalendarUnavailableError):
        world.fresh.busy(HOST, setup, TUESDAY_HOURS)
    assert world.store.setup(HOST).refs == (GOOGLE, FAMILY)
    assert world.store.setup(HOST).removed == ()


def test_a_sync_of_a_calendar_no_longer_shared_takes_it_out_not_the_connection(
        world: World) -> None:
    world.counting(OUTLOOK, TEAM)
    world.sync(TEAM)
    world.outlook.gone = {"team": "Outlook no longer lets you read this calendar"}

    with pytest.raises(CalendarGoneError):
        world.sync(TEAM)

    setup = world.store.setup(HOST)
    assert setup.refs == (OUTLOOK,) and setup.destination == OUTLOOK
    assert [r.ref for r in setup.removed] == [TEAM]
    assert world.adapters.broken_reasons == {}
    assert world.sync(OUTLOOK).failure is None      # the other calendar keeps syncing


def test_a_gone_calendar_chosen_again_is_no_longer_shown_removed() -> None:
    setup = CalendarSetup((SyncState(GOOGLE), SyncState(FAMILY)), GOOGLE)
    gone = setup.without_gone(FAMILY, DELETED, NOW)

    assert gone.without_gone(FAMILY, "again", NOW + timedelta(hours=1)) == gone
    assert gone.chosen(gone.conflicts, GOOGLE).removed == gone.removed
    assert gone.chosen((*gone.conflicts, SyncState(FAMILY)), GOOGLE).removed == ()
    assert gone.without_provider("google").removed == ()


def test_the_removed_calendars_ride_with_the_setup_and_an_older_setup_reads_as_none(
        ) -> None:
    setup = CalendarSetup((SyncState(GOOGLE), SyncState(FAMILY)), FAMILY).without_gone(
        FAMILY, DELETED, datetime.fromisoformat("2026-03-02T12:00:00+00:00"))

    assert setup_from_json(setup_to_json(setup)) == setup
    assert "removed" not in setup_to_json(CalendarSetup((SyncState(GOOGLE),), GOOGLE))
