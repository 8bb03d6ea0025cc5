"""A booking moved or cancelled while the connection holding its meeting or event is
broken: the host is told on the booking that the provider still has it as it was, the
client keeps the link, and reconnecting brings it up to date (services/calendar_sync.py,
services/calendar_catch_up.py). Penny's API, the calendar job, the real adapters (Zoom's
and Graph's requests, google-api-python-client) and the provider sandbox, on moto."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.events import EventKind
from chalicelib.store.bookings import BookingRepository
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_calendars import (
    at,
    broken,
    host_id,
    next_weekday,
    run_calendar_job,
    zoom_booking,
)
from tests.functional.test_connections import connect


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def zoom_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_host_sees(api: Api, host: str, uid: str, status: str = "upcoming") -> dict[str, Any]:
    listed = api.get(f"/me/bookings?status={status}", token=host)
    assert listed.status == 200, listed.body
    return next(b for b in listed.json["bookings"] if b["uid"] == uid)


def as_client_sees(api: Api, booked: dict[str, Any]) -> dict[str, Any]:
    return dict(api.get(
        f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json)


def reschedule(api: Api, booked: dict[str, Any], when: datetime) -> None:
    moved = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": when.isoformat()})
    assert moved.status == 200, moved.body


def cancel(api: Api, booked: dict[str, Any]) -> None:
    r = api.post(f"/bookings/{booked['uid']}/cancel",
                 {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body


def run_catch_up(owner: str, uid: str) -> None:
    """The reconnect asked the calendar worker for the booking (`calendar.requested`)."""
    booking = BookingRepository().get(uid)
    assert booking is not None and booking.calendar_requested_at is not None
    run_calendar_job(EventKind.CALENDAR_REQUESTED, owner, uid)


def test_a_zoom_meeting_moved_while_zoom_is_broken_keeps_its_link_and_is_moved_on_reconnect(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN a Zoom booking with its meeting, and Zoom broken
    booked, owner, day = zoom_booking(api, host, clock, 11)
    (meeting,) = sandbox.meetings()
    broken(api, host, sandbox, clock, "zoom")

    # WHEN the client moves it
    reschedule(api, booked, at(day, 14))
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])

    # THEN the meeting is still at its old time, and the host's row says so
    assert sandbox.meetings()[0]["start_time"] == meeting["start_time"]
    assert as_host_sees(api, host, booked["uid"])["out_of_date"] == ["zoom"]
    # while the client keeps the meeting's link (the same meeting is moved later), and
    # the event, moved, keeps it too
    shown = as_client_sees(api, booked)
    assert (shown["video_url"], shown["video_note"]) == (meeting["join_url"], None)
    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    assert event.start == at(day, 14) and event.body["location"] == meeting["join_url"]

    # WHEN the host reconnects Zoom, and the worker runs what the reconnect asked for
    connect(api, host, "zoom")
    run_catch_up(owner, booked["uid"])
    run_calendar_job(EventKind.CALENDAR_REQUESTED, owner, booked["uid"], n=2)  # redelivered

    # THEN the one meeting is at the booking's time, moved once, and the notice is gone
    (moved,) = sandbox.meetings()
    assert (moved["id"], moved["start_time"]) == (meeting["id"], zoom_time(at(day, 14)))
    assert sandbox.api_calls("zoom", "meetings.patch") == 1
    assert as_host_sees(api, host, booked["uid"])["out_of_date"] == []
    assert as_client_sees(api, booked)["video_url"] == meeting["join_url"]


def test_a_zoom_meeting_of_a_booking_cancelled_while_zoom_is_broken_is_deleted_on_reconnect(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    booked, owner, _ = zoom_booking(api, host, clock, 11)
    broken(api, host, sandbox, clock, "zoom")

    cancel(api, booked)
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"])

    # The event is gone (Google works), the meeting is not: the host's row says so
    assert [e for e in sandbox.events("google") if e.created_by_app] == []
    assert len(sandbox.meetings()) == 1
    assert as_host_sees(api, host, booked["uid"], "cancelled")["out_of_date"] == ["zoom"]

    connect(api, host, "zoom")
    run_catch_up(owner, booked["uid"])

    assert sandbox.meetings() == []
    assert as_host_sees(api, host, booked["uid"], "cancelled")["out_of_date"] == []


def test_a_google_event_moved_while_google_is_broken_is_moved_on_reconnect(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    broken(api, host, sandbox, clock, "google")

    reschedule(api, booked, at(day, 14))
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])

    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    assert event.start == at(day, 11)
    assert as_host_sees(api, host, booked["uid"])["out_of_date"] == ["google"]

    connect(api, host, "google")
    run_catch_up(owner, booked["uid"])

    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    assert event.start == at(day, 14)
    assert as_host_sees(api, host, booked["uid"])["out_of_date"] == []


def test_an_outlook_event_of_a_booking_cancelled_while_outlook_is_broken_goes_on_reconnect(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "microsoft")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    assert [e for e in sandbox.events("microsoft") if e.created_by_app]
    broken(api, host, sandbox, clock, "microsoft")

    cancel(api, booked)
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"])  # failed for good

    assert [e for e in sandbox.events("microsoft") if e.created_by_app]
    assert as_host_sees(api, host, booked["uid"], "cancelled")["out_of_date"] == ["microsoft"]

    connect(api, host, "microsoft")
    run_catch_up(owner, booked["uid"])

    assert [e for e in sandbox.events("microsoft") if e.created_by_app] == []
    assert as_host_sees(api, host, booked["uid"], "cancelled")["out_of_date"] == []
