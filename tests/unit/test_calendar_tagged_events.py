"""A calendar whose provider chooses event ids (Graph) finds a booking's events by the
tag Penny puts on each (services/calendar_event_deletes.py): a cancel deletes them all,
and a move that makes the event again deletes all but the one it made. Fakes throughout;
tests/functional/test_outlook_booking_events.py runs the same through Graph's client.

Alice's bookings land in her Outlook calendar; Bo's call is on 2026-11-24 at 14:00Z.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.event_types import LocationKind
from chalicelib.domain.events import EventKind
from chalicelib.domain.providers.calendars import CalendarEvent
from tests.unit.test_calendar_sync import AT_2, AT_3, CANCELLED, OUTLOOK, World, a_booking

PHONE = LocationKind.PHONE


@pytest.fixture
def world() -> World:
    made = World()
    made.destination(OUTLOOK)
    made.outlook.tagged = True
    return made


def stray(world: World, key: str) -> str:
    """An event of Bo's booking that Penny made and never recorded (its create's answer
    lost, and the key forgotten by the provider when it was retried)."""
    return world.outlook.create_event("primary", CalendarEvent(
        key=key, title="Intro call with Bo Booker", when=AT_2, attendee_name="Bo Booker",
        attendee_email="bo@example.com", booking_uid="b-1")).id


def test_a_cancel_whose_listing_fails_keeps_the_record_and_its_retry_deletes_them_all(
        world: World) -> None:
    world.now(a_booking(location=PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)
    stray(world, "b-1-lost")
    world.now(a_booking(CANCELLED, location=PHONE))
    world.outlook.faults.fail_next("booking_events", ProviderUnavailableError("fake", "503"))

    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_CANCELLED)
    assert world.refs.get("calendar", "b-1") is not None
    world.run(EventKind.BOOKING_CANCELLED)   # the retry

    assert world.written(world.outlook) == [] and world.refs.refs == {}


def test_a_move_that_makes_the_event_again_keeps_it_and_deletes_the_bookings_others(
        world: World) -> None:
    world.now(a_booking(location=PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)
    stray(world, "b-1-lost")
    world.outlook.deleted_by_host("primary", "evt-1")
    world.now(a_booking(when=AT_3, sequence=1, location=PHONE))
    world.outlook.now += timedelta(hours=1)   # the stray's run died long before

    world.run(EventKind.BOOKING_RESCHEDULED)

    (event,) = world.written(world.outlook)
    assert event.when == AT_3 and event.booking == "b-1"
    assert world.outlook.faults.calls[-4:] == ["update_event", "create_event", "booking_events",
                                               "delete_event"]


def test_a_move_that_makes_the_event_again_keeps_another_runs_just_made(
        world: World) -> None:
    # GIVEN two runs of Bo's booking making its event again at once (the host deleted
    # it), Graph's transactionId making two events of one key: the other run's is made
    # while this one's create is on its way, and is recorded only after this run lists
    world.now(a_booking(location=PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.outlook.deleted_by_host("primary", "evt-1")
    world.now(a_booking(when=AT_3, sequence=1, location=PHONE))
    theirs: list[str] = []
    world.outlook.faults.meanwhile("create_event", lambda: theirs.append(
        stray(world, "b-1-other-run")))
    world.outlook.now += timedelta(seconds=20)

    # WHEN this run makes its event and lists the booking's
    world.run(EventKind.BOOKING_RESCHEDULED)

    # THEN the other run's event is still there, for it to record (or a cancel to delete)
    recorded = world.refs.get("calendar", "b-1")
    assert recorded is not None
    mine = recorded.external_id.split("\n")[1]
    assert sorted(world.outlook.written["primary"]) == sorted([*theirs, mine])
    assert mine not in theirs


def test_a_move_that_moves_the_event_lists_nothing(world: World) -> None:
    world.now(a_booking(location=PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)

    world.now(replace(world.stored(), start=AT_3.start, end=AT_3.end, sequence=1))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert world.outlook.faults.calls == ["create_event", "update_event"]


def test_a_teams_event_made_again_reaches_the_booking_though_graph_fails_the_listing_after(
        world: World) -> None:
    # Alice deleted Bo's event (its Teams meeting with it); the move makes it again, with
    # a new Teams meeting, then Graph fails the listing that looks for the booking's other
    # events. The new link must not be lost: no retry reads it again (the new event is
    # recorded for the booking's sequence), and the booking would keep the dead one.
    world.now(a_booking(location=LocationKind.TEAMS))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.outlook.deleted_by_host("primary", "evt-1")
    world.outlook.faults.fail_next("booking_events", ProviderUnavailableError("fake", "503"))

    world.now(a_booking(when=AT_3, sequence=1, location=LocationKind.TEAMS))
    world.run(EventKind.BOOKING_RESCHEDULED)

    ((made, event),) = world.outlook.written["primary"].items()
    assert made != "evt-1" and event.when == AT_3 and event.online_meeting
    assert world.stored().video_url == f"https://teams.test/{made}"
