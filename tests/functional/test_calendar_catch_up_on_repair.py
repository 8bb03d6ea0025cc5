"""A connection that works again without a reconnect (a late accepted refresh saved over
the mark a refused one made) brings the bookings it left behind up to date, as a
reconnect does (services/calendar_catch_up.py): the table's stream, the fan-out and the
filtered subscriptions the local stack provisions (tests/functional/realtime_wiring.py)
carry `connection.repaired` to the calendar worker's Lambda. Zoom's real client and the
provider sandbox, on moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.domain.connections import REFRESH_LEASE
from chalicelib.domain.events import EventKind
from chalicelib.services.connection_ports import RefreshLease
from chalicelib.store.bookings import BookingRepository
from sandbox.server import ProviderSandbox
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.realtime_wiring import Wiring, deliver_stream, invoke, sns_event
from tests.functional.test_calendar_out_of_date import (
    as_host_sees,
    reschedule,
    run_catch_up,
    zoom_time,
)
from tests.functional.test_calendars import at, broken, run_calendar_job, zoom_booking
from tests.functional.test_connections import connect, expire_in_penny


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    """Asked for before `wiring`: setting the sandbox's providers up installs the API's
    services anew, and the realtime wiring after them."""
    return make_sandbox_host(api, sandbox, clock)


def refresh_outlives_its_lease(api: Api, host: str, owner: str,
                               clock: FixedClock) -> Callable[[], None]:
    """A refresh of the host's Zoom whose exchange Zoom accepts (rotating the refresh
    token) but whose answer comes back after its lease ran out: the next use refreshes
    with the spent token, is refused, and marks Zoom broken. Returns the late answer's
    save, which clears that mark."""
    expire_in_penny(api, host, clock)
    service = bootstrap.services().connections
    found = service.connections.get(owner, "zoom")
    assert found is not None
    lease = service.connections.take_refresh_lease(found[0], clock.now())
    assert isinstance(lease, RefreshLease)
    late = service.clients.get("zoom").refresh(lease.tokens)
    clock.advance(seconds=(REFRESH_LEASE + timedelta(seconds=1)).total_seconds())

    def saved() -> None:
        assert service.connections.finish_refresh(lease, late)

    return saved


def repaired_message(api: Api, wiring: Wiring) -> str:
    """The table's changes since the last read through the stream function; the one
    `connection.repaired` SNS delivered to the calendar worker."""
    deliver_stream(api, wiring)
    sqs = boto3.client("sqs", region_name="us-east-1")
    got = sqs.receive_message(QueueUrl=wiring.queues["calendar"], MaxNumberOfMessages=10)
    messages = [json.loads(m["Body"])["Message"] for m in got.get("Messages", [])]
    (repaired,) = [m for m in messages if json.loads(m)["type"] == "connection.repaired"]
    return str(repaired)


def test_a_zoom_meeting_moved_while_a_refused_refresh_broke_zoom_moves_once_it_is_repaired(
        api: Api, host: str, wiring: Wiring, sandbox: ProviderSandbox,
        clock: FixedClock) -> None:
    # GIVEN a Zoom booking with its meeting, and a refresh of Zoom out too long
    booked, owner, day = zoom_booking(api, host, clock, 11)
    (meeting,) = sandbox.meetings()
    save_late_answer = refresh_outlives_its_lease(api, host, owner, clock)

    # WHEN the client moves it: the job's refresh is refused, and marks Zoom broken
    reschedule(api, booked, at(day, 14))
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])
    assert sandbox.meetings()[0]["start_time"] == meeting["start_time"]
    assert as_host_sees(api, host, booked["uid"])["out_of_date"] == ["zoom"]
    wiring.stream.read()  # what came before the repair

    # AND the late answer is saved over that mark (no reconnect), and the calendar
    # worker hears it, then runs what it asked for
    save_late_answer()
    assert invoke(api, "calendar_worker", sns_event(repaired_message(api, wiring))) == {}
    run_catch_up(owner, booked["uid"])

    # THEN the one meeting is at the booking's time, moved once, and the notice is gone
    (moved,) = sandbox.meetings()
    assert (moved["id"], moved["start_time"]) == (meeting["id"], zoom_time(at(day, 14)))
    assert sandbox.api_calls("zoom", "meetings.patch") == 1
    assert as_host_sees(api, host, booked["uid"])["out_of_date"] == []


def test_a_repair_that_left_no_booking_behind_asks_the_calendar_worker_for_nothing(
        api: Api, host: str, wiring: Wiring, sandbox: ProviderSandbox,
        clock: FixedClock) -> None:
    booked, owner, _ = zoom_booking(api, host, clock, 11)
    save_late_answer = refresh_outlives_its_lease(api, host, owner, clock)
    assert api.post("/me/connections/zoom/test", token=host).code == "connection_broken"
    wiring.stream.read()

    save_late_answer()
    assert invoke(api, "calendar_worker", sns_event(repaired_message(api, wiring))) == {}

    after = BookingRepository().get(booked["uid"])
    assert after is not None
    assert (after.calendar_requested_at, after.calendar_catch_up_at) == (None, None)


def test_a_reconnect_is_caught_up_once_not_again_when_the_worker_hears_it_repaired(
        api: Api, host: str, wiring: Wiring, sandbox: ProviderSandbox,
        clock: FixedClock) -> None:
    booked, owner, day = zoom_booking(api, host, clock, 11)
    broken(api, host, sandbox, clock, "zoom")
    reschedule(api, booked, at(day, 14))
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])
    wiring.stream.read()

    # WHEN the host reconnects (its catch-up asks for the booking), and the calendar
    # worker hears the repair before that job has run (the notice still on the booking)
    connect(api, host, "zoom")
    asked = BookingRepository().get(booked["uid"])
    assert asked is not None and asked.calendar_requested_at is not None
    clock.advance(minutes=1)
    assert invoke(api, "calendar_worker", sns_event(repaired_message(api, wiring))) == {}

    # THEN the booking is asked for once, by the reconnect
    after = BookingRepository().get(booked["uid"])
    assert after is not None and after.out_of_date == ("zoom",)
    assert (after.calendar_requested_at, after.calendar_catch_up_at) == (
        asked.calendar_requested_at, None)
