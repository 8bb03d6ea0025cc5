"""The host deletes, in Google Calendar, the event Penny made for a booking: Penny
notices it through Google's push notification and the incremental sync it makes, flags
the booking, tells the host's dashboards, and puts the event back when the host asks.

Penny's API, the real google-api-python-client, the sandbox's fake Google (its push
notifications handed to Penny's route as test_calendars.py does), the calendar worker as
its runner runs it, and the table's stream read into the realtime Lambda.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.domain.events import EventKind
from chalicelib.store.bookings import BookingRepository
from chalicelib.store.tables import PennyItem
from sandbox.calendar_model import CalendarEvent
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host, make_sandbox_host
from tests.functional.realtime_wiring import Wiring, deliver_stream
from tests.functional.realtime_wiring import connect as open_socket
from tests.functional.test_calendars import at, deliver, host_id, next_weekday, run_calendar_job
from tests.functional.test_connections import connect


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def penny_events(sandbox: ProviderSandbox) -> list[CalendarEvent]:
    return [e for e in sandbox.events("google") if e.created_by_app]


def booked_into_google(api: Api, sandbox: ProviderSandbox, host: str,
                       clock: FixedClock) -> tuple[str, str]:
    """Google connected (and watched), a booking confirmed and its event made by the
    calendar worker, Google's notifications of that handed to Penny; the booking's uid
    and its event's id."""
    connect(api, host, "google")
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(next_weekday(clock), 13)
                                                                 .isoformat()))
    assert booked.status == 201, booked.body
    uid = str(booked.json["uid"])
    run_calendar_job(EventKind.BOOKING_CONFIRMED, host_id(api, host), uid)
    (event,) = penny_events(sandbox)
    deliver(api, sandbox, "google")
    return uid, event.id


def deleted_in_google(api: Api, sandbox: ProviderSandbox, event_id: str) -> None:
    """The host deletes the event in Google Calendar; Google's notification reaches Penny."""
    seen = len(sandbox.notifications("google"))
    sandbox.delete_event("google", event_id)
    deliver(api, sandbox, "google", seen)


def heard(wiring: Wiring, socket: str, kind: str) -> list[dict[str, Any]]:
    return [m["booking"] for m in wiring.sender.sent.get(socket, []) if m["type"] == kind]


def test_an_event_the_host_deletes_in_google_is_flagged_live_and_put_back(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock,
        wiring: Wiring) -> None:
    uid, gone = booked_into_google(api, sandbox, host, clock)
    open_socket(api, "alice-1", host)
    wiring.stream.read()  # what came before

    deleted_in_google(api, sandbox, gone)

    seen = api.get(f"/me/bookings/{uid}", token=host).json
    assert seen["status"] == "confirmed"
    assert seen["calendar_event_removed_at"] == clock.now().isoformat()
    deliver_stream(api, wiring)
    (flagged,) = heard(wiring, "alice-1", "booking.updated")
    assert flagged["uid"] == uid
    assert flagged["calendar_event_removed_at"] == clock.now().isoformat()

    r = api.post(f"/me/bookings/{uid}/calendar-event", token=host)
    assert r.status == 202, r.body
    deliver_stream(api, wiring)
    run_calendar_job(EventKind.CALENDAR_REQUESTED, host_id(api, host), uid)

    (made,) = penny_events(sandbox)
    assert made.id != gone   # Google never gives a deleted event's id again
    seen = api.get(f"/me/bookings/{uid}", token=host).json
    assert seen["calendar_event_removed_at"] is None
    assert seen["video_url"] == made.link  # the new event's Meet link
    deliver_stream(api, wiring)
    (_, back) = heard(wiring, "alice-1", "booking.updated")
    assert "calendar_event_removed_at" not in back


def test_a_cancel_by_penny_deleting_its_event_is_not_flagged(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    uid, _ = booked_into_google(api, sandbox, host, clock)
    seen = len(sandbox.notifications("google"))
    r = api.post(f"/me/bookings/{uid}/cancel", {"reason": None}, token=host)
    assert r.status == 200, r.body

    run_calendar_job(EventKind.BOOKING_CANCELLED, host_id(api, host), uid)
    deliver(api, sandbox, "google", seen)

    assert penny_events(sandbox) == []
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None


def test_putting_back_needs_the_hosts_own_standing_booking_whose_event_was_deleted(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    uid, _ = booked_into_google(api, sandbox, host, clock)
    other = make_host(api, "bob")

    unknown = api.post("/me/bookings/no-such-booking/calendar-event", token=host)
    not_theirs = api.post(f"/me/bookings/{uid}/calendar-event", token=other)
    present = api.post(f"/me/bookings/{uid}/calendar-event", token=host)
    api.post(f"/me/bookings/{uid}/cancel", {"reason": None}, token=host)
    cancelled = api.post(f"/me/bookings/{uid}/calendar-event", token=host)
    anonymous = api.post(f"/me/bookings/{uid}/calendar-event")

    assert (unknown.status, unknown.code) == (404, "not_found")
    assert (not_theirs.status, not_theirs.code) == (404, "not_found")
    assert (present.status, present.code) == (409, "calendar_event_present")
    assert (cancelled.status, cancelled.code) == (409, "booking_not_active")
    assert anonymous.status == 401
    assert all(r.json["error"]["message"] for r in (unknown, present, cancelled))


def test_putting_back_is_refused_while_the_host_writes_bookings_to_no_calendar(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    uid, gone = booked_into_google(api, sandbox, host, clock)
    deleted_in_google(api, sandbox, gone)
    calendars = api.get("/me/calendars", token=host).json["calendars"]
    counted = [c["key"] for c in calendars if c["conflicts"]]
    chosen = api.put("/me/calendars", {"conflicts": counted, "destination": None}, token=host)
    assert chosen.status == 200, chosen.body
    before = BookingRepository().get(uid)

    refused = api.post(f"/me/bookings/{uid}/calendar-event", token=host)

    assert (refused.status, refused.code) == (409, "no_destination_calendar")
    assert "Connections page" in refused.json["error"]["message"]
    assert BookingRepository().get(uid) == before   # nothing asked of the calendar worker
    api.put("/me/calendars", {"conflicts": counted, "destination": counted[0]}, token=host)
    assert api.post(f"/me/bookings/{uid}/calendar-event", token=host).status == 202


def test_a_put_back_run_after_the_host_chose_no_calendar_clears_the_flag(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    uid, gone = booked_into_google(api, sandbox, host, clock)
    deleted_in_google(api, sandbox, gone)
    assert api.post(f"/me/bookings/{uid}/calendar-event", token=host).status == 202
    counted = [c["key"] for c in api.get("/me/calendars", token=host).json["calendars"]
               if c["conflicts"]]
    api.put("/me/calendars", {"conflicts": counted, "destination": None}, token=host)

    run_calendar_job(EventKind.CALENDAR_REQUESTED, host_id(api, host), uid)

    assert penny_events(sandbox) == []
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None


def test_a_calendar_job_whose_own_resync_fails_in_the_table_still_succeeds(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN a booking whose event the host deleted in Google, its push not handled yet
    kept, gone = booked_into_google(api, sandbox, host, clock)
    owner = host_id(api, host)
    other = api.post("/hosts/alice/intro/bookings",
                     f.booking(at(next_weekday(clock), 15).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, other["uid"])
    sandbox.delete_event("google", gone)
    assert api.post(f"/bookings/{other['uid']}/cancel",
                    {"token": other["links"]["cancel_token"]}).status == 200
    # and the table refusing the transaction that would flag it (as AWS answers a role
    # without dynamodb:ConditionCheckItem)
    client = PennyItem._get_connection().connection.client

    def refuse(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems" and any(
                "ConditionCheck" in item for item in params["TransactItems"]):
            raise ClientError({"Error": {"Code": "AccessDeniedException",
                                         "Message": "not authorized"}}, "TransactWriteItems")

    client.meta.events.register("before-parameter-build", refuse, unique_id="refuse-check")
    try:
        # WHEN the cancelled booking's calendar job runs: its own write is done, and the
        # resync after it meets the deletion
        run_calendar_job(EventKind.BOOKING_CANCELLED, owner, other["uid"])
    finally:
        client.meta.events.unregister("before-parameter-build", unique_id="refuse-check")

    # THEN the job succeeded (no retry, no dead letter): its event is deleted, and the
    # deleted one is flagged later, when Google's push reaches Penny
    assert penny_events(sandbox) == []
    deliver(api, sandbox, "google")
    assert api.get(f"/me/bookings/{kept}", token=host).json[
        "calendar_event_removed_at"] is not None
