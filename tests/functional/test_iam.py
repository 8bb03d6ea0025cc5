"""Each function's role allows every AWS call the function makes (and the roles are
what infra/ deploys): the calls are recorded while the real handlers run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.domain.events import EventKind
from chalicelib.store.hosts import HostRepository
from chalicelib.store.tables import PennyItem
from infra.functions import FUNCTION_ACCESS
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import (
    Wiring,
    confirmed_event,
    connect,
    deliver_stream,
    invoke,
    sns_event,
    ws_event,
)
from tests.functional.test_calendars import (  # noqa: F401 (fixtures)
    at,
    host,
    host_id,
    meet_on,
    next_weekday,
    run_calendar_job,
    sandbox,
)
from tests.functional.test_connections import connect as connect_provider
from tests.functional.test_connections import expire_in_penny

PREFIX = {"dynamodb": "table", "sns": "topic"}
TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
            "ConditionCheck": "ConditionCheckItem"}


class Recorder:
    def __init__(self) -> None:
        self.calls: set[tuple[str, str]] = set()

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        # before-parameter-build: `params` are the API's own parameters.
        service = model.service_model.service_name
        if model.name == "TransactWriteItems":
            self.calls |= {("table", TRANSACT[kind]) for item in params["TransactItems"]
                           for kind in item}
        else:
            self.calls.add((PREFIX[service], model.name))


@contextmanager
def recording(plumbing: Wiring) -> Iterator[Recorder]:
    recorder = Recorder()
    from chalicelib import bootstrap

    bus = bootstrap.realtime_services(None).fanout.bus
    # The bus has no client where events are off (the calendar worker's test publishes none).
    clients = [PennyItem._get_connection().connection.client,
               *([bus._client] if hasattr(bus, "_client") else [])]
    for client in clients:
        client.meta.events.register("before-parameter-build", recorder,
                                    unique_id="iam-recorder")
    sent_before = sum(len(v) for v in plumbing.sender.sent.values()) + len(plumbing.sender.closed)
    try:
        yield recorder
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", unique_id="iam-recorder")
    if sum(len(v) for v in plumbing.sender.sent.values()) + len(plumbing.sender.closed) \
            > sent_before:
        recorder.calls.add(("websocket", "ManageConnections"))


def allowed(function: str) -> set[tuple[str, str]]:
    return {(kind, action) for kind, actions in FUNCTION_ACCESS[function].items()
            for action in actions}


def test_every_function_makes_only_the_calls_its_role_allows(
        api: Api, wiring: Wiring) -> None:
    seen: dict[str, set[tuple[str, str]]] = {}
    with recording(wiring) as r:
        token = make_host(api)
        api.get("/me/profile", token=token)
        api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-26&timeZone=UTC")
        booked = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).json
        api.post(f"/bookings/{booked['uid']}/reschedule",
                 {"token": booked["links"]["reschedule_token"], "start": "2026-11-24T15:00:00Z"})
        api.get("/me/bookings", token=token)
        api.post(f"/bookings/{booked['uid']}/cancel", {"token": booked["links"]["cancel_token"]})
    seen["APIHandler"] = r.calls
    # A dashboard login: its ticket opens a socket, a failed login is counted, and logout
    # closes the login's socket from the API function.
    browser = Browser(api)
    assert browser.post("/auth/session", {"email": "alice@example.com",
                                          "password": "correct horse battery"}).status == 200
    ticket = browser.post("/me/realtime/ticket").json["ticket"]
    with recording(wiring) as r:
        invoke(api, "ws_connect", ws_event("$connect", "dash", {"ticket": ticket}))
    seen["WebsocketConnect"] = r.calls
    with recording(wiring) as r:
        api.post("/auth/login", {"email": "alice@example.com", "password": "wrong password"})
        assert browser.delete("/auth/session").status == 204
    assert wiring.sender.closed == ["dash"]
    seen["APIHandler"] |= r.calls
    wiring.stream.read()
    ticket = api.post("/me/realtime/ticket", token=token).json["ticket"]
    with recording(wiring) as r:
        connect(api, "c1", token)
        connect(api, "gone", token)
        assert invoke(api, "ws_connect", ws_event("$connect", "c2", {"ticket": ticket}))[
            "statusCode"] == 200  # the dashboard's way in: the ticket is claimed once
    seen["WebsocketConnect"] |= r.calls
    # The summary worker works for premium hosts only: the operator's switch (infra/premium.py).
    HostRepository().set_premium("alice", True)
    api.post("/hosts/alice/intro/bookings", f.booking("2026-11-25T14:00:00Z"))
    wiring.sender.gone.add("gone")
    with recording(wiring) as r:
        deliver_stream(api, wiring)
    seen["BookingEvents"] = r.calls
    event = confirmed_event(api, wiring)
    for worker in ("NotesWorker", "SummaryWorker"):
        with recording(wiring) as r:
            invoke(api, worker.replace("Worker", "").lower() + "_worker", sns_event(event))
        seen[worker] = r.calls
    with recording(wiring) as r:
        invoke(api, "ws_message", ws_event("$default", "c1", body='{"action": "ping"}'))
    seen["WebsocketMessage"] = r.calls
    with recording(wiring) as r:
        invoke(api, "ws_disconnect", ws_event("$disconnect", "c1"))
    seen["WebsocketDisconnect"] = r.calls

    # The calendar worker needs a connected calendar: the next test.
    assert set(seen) == set(FUNCTION_ACCESS) - {"CalendarWorker"}
    for function, calls in seen.items():
        assert calls, f"{function} made no call: the recording is broken"
        assert calls <= allowed(function), (function, sorted(calls - allowed(function)))


def test_the_calendar_worker_makes_only_the_calls_its_role_allows(
        api: Api, wiring: Wiring, sandbox: ProviderSandbox, host: str,  # noqa: F811
        clock: FixedClock) -> None:
    meet_on(api, host, "google_meet")
    connect_provider(api, host, "google")
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    uid, links = booked["uid"], booked["links"]
    owner = host_id(api, host)
    expire_in_penny(api, host, clock)  # the job refreshes the token and stores the new one

    calls: set[tuple[str, str]] = set()
    with recording(wiring) as r:
        run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, uid)
    calls |= r.calls
    moved = api.post(f"/bookings/{uid}/reschedule",
                     {"token": links["reschedule_token"], "start": at(day, 15).isoformat()})
    assert moved.status == 200, moved.body
    with recording(wiring) as r:
        run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, uid)
    calls |= r.calls
    api.post(f"/bookings/{uid}/cancel", {"token": links["cancel_token"]})
    with recording(wiring) as r:
        run_calendar_job(EventKind.BOOKING_CANCELLED, owner, uid)
    calls |= r.calls

    assert [e for e in sandbox.events("google") if e.created_by_app] == []
    assert ("table", "UpdateItem") in calls  # the link and event id on the booking
    assert calls <= allowed("CalendarWorker"), sorted(calls - allowed("CalendarWorker"))
