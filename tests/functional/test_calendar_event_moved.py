"""The host moves, in Google Calendar, the event Penny made for a booking to another of
their calendars ("move to calendar", the API's events.move, which keeps the event's id):
the calendar it left lists it cancelled, and Penny, finding it in the other calendar,
follows it there instead of flagging the booking; a reschedule then moves it, and a
cancel deletes it, where it is.

Penny's API, the real google-api-python-client, the sandbox's fake Google (its push
notifications handed to Penny's route as test_calendars.py does), and the calendar
worker as its runner runs it.
"""

from __future__ import annotations

import pytest

from chalicelib.domain.events import EventKind
from chalicelib.store.event_owners import EventOwnerRepository
from chalicelib.store.provider_refs import ProviderRefRepository
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_calendar_event_removed import booked_into_google, deleted_in_google
from tests.functional.test_calendars import (
    at,
    deliver,
    host_id,
    next_weekday,
    run_calendar_job,
)
from tests.functional.test_connections import connect


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def moved_in_google(api: Api, sandbox: ProviderSandbox, event_id: str) -> str:
    """The host moves the event to their second calendar in Google Calendar; Google's
    notifications reach Penny. The calendar it went to."""
    primary, side = sandbox.calendars("google")
    seen = len(sandbox.notifications("google"))
    sandbox.move_event("google", event_id, side.id, calendar=primary.id)
    deliver(api, sandbox, "google", seen)
    return side.id


def test_an_event_the_host_moves_to_another_google_calendar_is_followed_there(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    uid, event_id = booked_into_google(api, sandbox, host, clock)

    side = moved_in_google(api, sandbox, event_id)

    seen = api.get(f"/me/bookings/{uid}", token=host).json
    assert (seen["status"], seen["calendar_event_removed_at"]) == ("confirmed", None)
    ref = ProviderRefRepository().get("calendar", uid)
    assert ref is not None and ref.external_id.startswith(f"google:{side}\n{event_id}\n")
    owner = EventOwnerRepository().owner("google", event_id)
    assert owner is not None and owner.calendar == f"google:{side}"


def test_a_reschedule_and_a_cancel_after_the_move_act_on_the_event_where_the_host_put_it(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    uid = str(booked["uid"])
    run_calendar_job(EventKind.BOOKING_CONFIRMED, host_id(api, host), uid)
    (made,) = [e for e in sandbox.events("google") if e.created_by_app]
    deliver(api, sandbox, "google")
    side = moved_in_google(api, sandbox, made.id)

    moved = api.post(f"/bookings/{uid}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": at(day, 15).isoformat()})
    assert moved.status == 200, moved.body
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, host_id(api, host), uid)

    (there,) = sandbox.events("google", calendar=side)
    assert (there.id, there.start) == (made.id, at(day, 15))
    assert [e for e in sandbox.events("google") if e.created_by_app] == []

    r = api.post(f"/me/bookings/{uid}/cancel", {"reason": None}, token=host)
    assert r.status == 200, r.body
    run_calendar_job(EventKind.BOOKING_CANCELLED, host_id(api, host), uid)

    assert sandbox.events("google", calendar=side) == []
    assert ProviderRefRepository().get("calendar", uid) is None
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None


def test_an_event_the_host_deletes_rather_than_moves_is_still_flagged(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    uid, event_id = booked_into_google(api, sandbox, host, clock)
    calls = sandbox.api_call_counts("google").get("events.get", 0)

    deleted_in_google(api, sandbox, event_id)

    seen = api.get(f"/me/bookings/{uid}", token=host).json
    assert seen["calendar_event_removed_at"] == clock.now().isoformat()
    # Looked for in the host's other calendar first (one read), and not found there.
    assert sandbox.api_call_counts("google").get("events.get", 0) == calls + 1
