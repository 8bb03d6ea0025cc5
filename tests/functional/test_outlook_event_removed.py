"""The host deletes, in Outlook, the event Penny made for a booking: Graph's `deleted`
change notification, genuine by its clientState, names the event; Penny reads its owner
record, flags the booking, tells the host's dashboards, and puts the event back when the
host asks.

Penny's API, Graph's client (msal for the tokens, requests for Graph), the sandbox's
fake Graph, its subscription validated by Penny's own handler (Penny serves no port
here) and its notifications handed to Penny's route as test_calendars.py does, the
calendar worker as its runner runs it, and the table's stream read into the realtime
Lambda.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, cast

import pytest

from chalicelib.domain.events import EventKind
from chalicelib.functions import calendar_push
from chalicelib.functions.edge import EdgeRequest, Headers
from chalicelib.services.calendar_cache import CalendarCache
from chalicelib.store.calendar_cache import CalendarCacheRepository
from chalicelib.store.event_owners import FLAG_ATTEMPTS, EventOwnerRepository
from sandbox.calendar_model import CalendarEvent
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import PUBLIC, Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.realtime_wiring import Wiring, deliver_stream
from tests.functional.realtime_wiring import connect as open_socket
from tests.functional.test_calendar_event_removed import heard
from tests.functional.test_calendars import (
    at,
    deliver,
    host_id,
    meet_on,
    next_weekday,
    run_calendar_job,
    run_watch_jobs,
)
from tests.functional.test_connections import connect
from tests.functional.test_event_owner_flag import Conflicts


def validated_by_penny(url: str, token: str) -> tuple[int, str, str]:
    """Graph's validation request, answered by Penny's handler for its route."""
    answer = calendar_push.microsoft(cast(CalendarCache, None), EdgeRequest(
        "POST", {}, {"validationToken": token}, Headers({"content-type": "text/plain"}), b""))
    return answer.status_code, str(answer.headers["Content-Type"]), str(answer.body)


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> Iterator[str]:
    """A host who writes Teams bookings to Outlook, its calendar watched by a Graph
    subscription (made by the calendar worker, as the connection's sync asked)."""
    token = make_sandbox_host(api, sandbox, clock)
    sandbox.answer_validations(validated_by_penny)
    try:
        connect(api, token, "microsoft")
        meet_on(api, token, "teams")
        assert sandbox.watches("microsoft") == []   # not on the API's 8 s: asked of
        assert run_watch_jobs(api, token) == 1      # the worker, which makes it
        assert len(sandbox.watches("microsoft")) == 1
        yield token
    finally:
        sandbox.answer_validations(None)


def penny_events(sandbox: ProviderSandbox) -> list[CalendarEvent]:
    return [e for e in sandbox.events("microsoft") if e.created_by_app]


def tagged(event: CalendarEvent) -> list[str]:
    return [p["value"] for p in event.body.get("singleValueExtendedProperties") or []]


def booked_into_outlook(api: Api, sandbox: ProviderSandbox, host: str,
                        clock: FixedClock) -> tuple[str, str]:
    """A booking confirmed and its event made by the calendar worker, Graph's
    notification of that handed to Penny; the booking's uid and its event's id."""
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(next_weekday(clock), 13)
                                                                 .isoformat()))
    assert booked.status == 201, booked.body
    uid = str(booked.json["uid"])
    run_calendar_job(EventKind.BOOKING_CONFIRMED, host_id(api, host), uid)
    (event,) = penny_events(sandbox)
    deliver(api, sandbox, "microsoft")
    return uid, event.id


def deleted_in_outlook(api: Api, sandbox: ProviderSandbox, event_id: str) -> None:
    """The host deletes the event in Outlook; Graph's notification reaches Penny."""
    seen = len(sandbox.notifications("microsoft"))
    sandbox.delete_event("microsoft", event_id)
    deliver(api, sandbox, "microsoft", seen)


def test_an_event_the_host_deletes_in_outlook_is_flagged_live_and_put_back(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock,
        wiring: Wiring) -> None:
    uid, gone = booked_into_outlook(api, sandbox, host, clock)
    open_socket(api, "alice-1", host)
    wiring.stream.read()  # what came before

    deleted_in_outlook(api, sandbox, gone)

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
    assert made.id != gone and tagged(made) == [uid]   # Graph chose a new id
    seen = api.get(f"/me/bookings/{uid}", token=host).json
    assert seen["calendar_event_removed_at"] is None
    assert seen["video_url"] == made.link  # the new event's Teams link
    deliver_stream(api, wiring)
    (_, back) = heard(wiring, "alice-1", "booking.updated")
    assert "calendar_event_removed_at" not in back


def test_a_cancel_by_penny_deleting_its_outlook_event_is_not_flagged(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    uid, event_id = booked_into_outlook(api, sandbox, host, clock)
    owner = EventOwnerRepository().owner("microsoft", event_id)
    assert owner is not None and owner.booking_uid == uid
    seen = len(sandbox.notifications("microsoft"))
    r = api.post(f"/me/bookings/{uid}/cancel", {"reason": None}, token=host)
    assert r.status == 200, r.body

    run_calendar_job(EventKind.BOOKING_CANCELLED, host_id(api, host), uid)
    deliver(api, sandbox, "microsoft", seen)

    assert penny_events(sandbox) == []
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None
    assert EventOwnerRepository().owner("microsoft", event_id) is None  # forgotten first


def test_a_deleted_notification_with_another_client_state_changes_nothing(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    uid, event_id = booked_into_outlook(api, sandbox, host, clock)
    (subscription,) = sandbox.watches("microsoft")
    forged: dict[str, Any] = {"value": [{
        "subscriptionId": subscription.id, "clientState": "guessed", "changeType": "deleted",
        "resource": f"Users/{subscription.account_id}/Events/{event_id}",
        "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "id": event_id}}]}

    r = api.post("/webhooks/calendar/microsoft", forged)

    assert (r.status, r.code) == (403, "unknown_channel")
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None
    # The same notification with the subscription's own clientState is heard.
    genuine = {"value": [{**forged["value"][0], "clientState": subscription.secret}]}
    assert api.post("/webhooks/calendar/microsoft", genuine).status == 202
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] \
        == clock.now().isoformat()


def sent_to_penny(api: Api, sandbox: ProviderSandbox, seen: int) -> list[tuple[int, Any]]:
    """Graph's notifications after the first `seen` (waiting for one), handed to Penny's
    route; what Penny answered each."""
    for _ in range(500):
        if len(sandbox.notifications("microsoft")) > seen:
            break
        time.sleep(0.02)
    answers = []
    for delivery in sandbox.notifications("microsoft")[seen:]:
        r = api.post(delivery.url.removeprefix(PUBLIC), raw=delivery.body,
                     headers=dict(delivery.headers))
        answers.append((r.status, r.json if r.body else None))
    return answers


def test_a_deleted_notification_whose_flag_other_transactions_keep_cancelling_is_sent_again(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    uid, gone = booked_into_outlook(api, sandbox, host, clock)
    clock.advance(minutes=1)
    conflicts = Conflicts(monkeypatch, times=FLAG_ATTEMPTS)
    seen = len(sandbox.notifications("microsoft"))
    sandbox.delete_event("microsoft", gone)

    answers = sent_to_penny(api, sandbox, seen)

    assert [(status, body["error"]["code"]) for status, body in answers] == [
        (503, "booking_contention")]
    assert conflicts.sent == FLAG_ATTEMPTS
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None
    setup = CalendarCacheRepository().setup(host_id(api, host))
    (outlook,) = [s for s in setup.conflicts if s.ref.provider == "microsoft"]
    assert outlook.changed_at == clock.now()
    assert outlook.synced_at is not None and outlook.synced_at < clock.now()

    # Graph sends it again, the other transactions over.
    assert [status for status, _ in sent_to_penny(api, sandbox, seen)] == [202]

    seen_after = api.get(f"/me/bookings/{uid}", token=host).json
    assert seen_after["calendar_event_removed_at"] == clock.now().isoformat()
