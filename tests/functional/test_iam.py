"""Each function's role allows every AWS call the function makes (and the roles are
what infra/ deploys): the calls are recorded while the real handlers run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.bootstrap import payments as payment_wiring
from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.connections import Connection, Tokens
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.providers.payments import PaymentEvent, PaymentEventKind
from chalicelib.integrations.token_cipher import AesGcmTokenCipher
from chalicelib.services.payment_accounts import READY, PaymentAccounts
from chalicelib.services.realtime import EVICT_AFTER, MAX_SOCKETS_PER_HOST
from chalicelib.store.bookings import BookingRepository
from chalicelib.store.connections import ConnectionRepository
from chalicelib.store.hosts import HostRepository
from chalicelib.store.queues import QUEUES
from chalicelib.store.tables import PennyItem
from infra.functions import FUNCTION_ACCESS
from sandbox.server import ProviderSandbox
from tests.fakes.providers import FakePayments
from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host, make_sandbox_host
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
)
from tests.functional.test_connections import connect as connect_provider
from tests.functional.test_connections import expire_in_penny
from tests.functional.test_notes_workers import event as notes_event
from tests.functional.test_notes_workers import host_id_of
from tests.functional.test_notes_workers import worker as notes_worker

PREFIX = {"dynamodb": "table", "sns": "topic", "sesv2": "email"}
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
    def managed() -> int:  # posts, closes and GetConnections: all ManageConnections
        sender = plumbing.sender
        return sum(len(v) for v in sender.sent.values()) + len(sender.closed) + len(sender.asked)

    before = managed()
    try:
        yield recorder
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", unique_id="iam-recorder")
    if managed() > before:
        recorder.calls.add(("websocket", "ManageConnections"))


def allowed(function: str) -> set[tuple[str, str]]:
    return {(kind, action) for kind, actions in FUNCTION_ACCESS[function].items()
            for action in actions}


def test_every_function_makes_only_the_calls_its_role_allows(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
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
    for n in range(MAX_SOCKETS_PER_HOST - 2):
        connect(api, f"a{n}", token)
    clock.advance(minutes=EVICT_AFTER.total_seconds() / 60)  # old enough to be closed
    token = api.post("/auth/login", {"email": "alice@example.com",
                                     "password": "correct horse battery"}).json["access_token"]
    ticket = api.post("/me/realtime/ticket", token=token).json["ticket"]
    with recording(wiring) as r:
        connect(api, "c1", token)
        connect(api, "gone", token)
        assert invoke(api, "ws_connect", ws_event("$connect", "c2", {"ticket": ticket}))[
            "statusCode"] == 200  # the dashboard's way in: the socket's item uses it up
    seen["WebsocketConnect"] |= r.calls
    assert wiring.sender.closed == ["dash", "a0"]  # one past the bound: the oldest closes
    # The summary worker works for premium hosts only: the operator's switch (infra/premium.py).
    HostRepository().set_premium("alice", True)
    api.post("/hosts/alice/intro/bookings", f.booking("2026-11-25T14:00:00Z"))
    wiring.sender.gone.add("gone")
    with recording(wiring) as r:
        deliver_stream(api, wiring)
    seen["BookingEvents"] = r.calls
    # ...as it reaches the notes worker for a host who keeps notes
    event = json.dumps({**json.loads(confirmed_event(api, wiring)), "notes": True})
    for worker in ("NotesWorker", "SummaryWorker"):
        with recording(wiring) as r:
            invoke(api, worker.replace("Worker", "").lower() + "_worker", sns_event(event))
        seen[worker] = r.calls
    with recording(wiring) as r:
        invoke(api, "ws_message", ws_event("$default", "c1", body='{"action": "ping"}'))
    seen["WebsocketMessage"] = r.calls

    # The calendar and payments workers need a connected provider: the next tests.
    assert set(seen) == set(FUNCTION_ACCESS) - {"CalendarWorker", "PaymentsWorker"}
    for function, calls in seen.items():
        assert calls, f"{function} made no call: the recording is broken"
        assert calls <= allowed(function), (function, sorted(calls - allowed(function)))


def test_a_ticket_whose_login_ended_is_refused_with_the_calls_the_connect_role_allows(
        api: Api, wiring: Wiring) -> None:
    # GIVEN a dashboard's ticket, taken just before its login ended (logout in another tab)
    owner = str(api.get("/me/profile", token=make_host(api)).json["id"])
    browser = Browser(api)
    assert browser.post("/auth/session", {"email": "alice@example.com",
                                          "password": "correct horse battery"}).status == 200
    ticket = browser.post("/me/realtime/ticket").json["ticket"]
    assert browser.delete("/auth/session").status == 204

    # WHEN it is offered within its minute
    with recording(wiring) as r:
        reply = invoke(api, "ws_connect", ws_event("$connect", "late", {"ticket": ticket}))

    # THEN it is refused (403, not a crash), and the record its check wrote is taken away
    # by a call the function's role allows (in AWS, any other is AccessDenied: a 500, and
    # the record left behind)
    assert reply["statusCode"] == 403, reply
    assert r.calls <= allowed("WebsocketConnect"), sorted(r.calls - allowed("WebsocketConnect"))
    assert PennyItem.count(f"HOSTCONNS#{owner}") == 0


def test_the_calendar_worker_makes_only_the_calls_its_role_allows(
        api: Api, wiring: Wiring, sandbox: ProviderSandbox, host: str,  # noqa: F811
        clock: FixedClock) -> None:
    meet_on(api, host, "google_meet")
    connect_provider(api, host, "google")
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    uid, links = booked["uid"], booked["links"]
    owner = host_id(api, host)
    expire_in_penny(api, host, clock)  # the job refreshes the token

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
    # Another booking's event, which the host then deletes in Google before Penny hears
    # of it (a late or lost push): the cancel's own resync of that calendar finds it
    kept = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat())).json
    with recording(wiring) as r:
        run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, kept["uid"])
    calls |= r.calls
    (kept_event,) = [e for e in sandbox.events("google")
                     if e.created_by_app and e.start == at(day, 11)]
    sandbox.delete_event("google", kept_event.id)
    api.post(f"/bookings/{uid}/cancel", {"token": links["cancel_token"]})
    with recording(wiring) as r:
        run_calendar_job(EventKind.BOOKING_CANCELLED, owner, uid)
    calls |= r.calls

    assert [e for e in sandbox.events("google") if e.created_by_app] == []
    # The deleted event's booking was flagged by the worker (its owner record checked)
    assert api.get(f"/me/bookings/{kept['uid']}", token=host).json[
        "calendar_event_removed_at"] is not None
    assert ("table", "ConditionCheckItem") in calls
    assert ("table", "UpdateItem") in calls  # the link and event id on the booking
    assert calls <= allowed("CalendarWorker"), sorted(calls - allowed("CalendarWorker"))


def _stripe_on_fake_payments(fake: FakePayments) -> PaymentAccounts:
    """Penny's own payment accounts (connections in the table), with Stripe's API faked:
    the worker's calls are its own, not a fake's."""
    settings = bootstrap.core().settings
    cipher = AesGcmTokenCipher.from_key_ring(settings.token_keys, settings.token_active_kid)
    return PaymentAccounts(
        connections=ConnectionRepository(cipher, bootstrap.core().clock),
        clock=bootstrap.core().clock,
        available=frozenset({"stripe"}), stripe=lambda account: fake,
        razorpay=lambda keys: fake,
        dashboard_url="http://penny.test/app")


def run_payments_job(kind: EventKind, host_id: str, uid: str) -> None:
    spec = next(s for s in QUEUES if s.name == "payments")
    runner = bootstrap.build_worker(bootstrap.core(), spec)
    runner.handle(Event(kind, f"{uid}-{kind.value}", bootstrap.core().clock.now(), host_id,
                        {"uid": uid}))


def test_the_payments_worker_makes_only_the_calls_its_role_allows(
        api: Api, wiring: Wiring, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a host taking $50 through (fake) Stripe, and two paid bookings, one of them
    # paid (its signed webhook) and then cancelled: the API function's part, recorded too
    fake = FakePayments()
    accounts = _stripe_on_fake_payments(fake)
    monkeypatch.setattr(payment_wiring, "build_payment_accounts",
                        lambda core, calls=None: accounts)
    token = make_host(api)
    owner = str(api.get("/me/profile", token=token).json["id"])
    accounts.connections.save(
        Connection(owner, "stripe", "grant-1", "acct_alice", "Alice's shop", READY,
                   clock.now(), None),
        Tokens("acct_alice", None, None))
    paid_type = f.event_type("paid", price={"amount_minor": 5000, "currency": "USD"})
    assert api.post("/me/event-types", paid_type, token=token).status == 201
    calls: dict[str, set[tuple[str, str]]] = {"APIHandler": set(), "PaymentsWorker": set()}
    with recording(wiring) as r:
        paid = api.post("/hosts/alice/paid/bookings", f.booking("2026-11-26T15:00:00Z")).json
        left = api.post("/hosts/alice/paid/bookings", f.booking("2026-11-26T17:00:00Z")).json
        assert (paid["status"], left["status"]) == ("pending_payment", "pending_payment")
        checkout = next(c for c, request in fake.checkouts.items()
                        if request.booking_uid == paid["uid"])
        body, headers = fake.webhook(PaymentEvent(
            "evt_paid", PaymentEventKind.PAID, paid["uid"], checkout, "pi_1",
            account="acct_alice"))  # a connected account's event names it
        assert api.post("/webhooks/stripe", raw=body, headers=headers).status == 200
        assert api.post(f"/bookings/{paid['uid']}/cancel",
                        {"token": paid["links"]["cancel_token"]}).status == 200
    calls["APIHandler"] |= r.calls

    # WHEN the worker refunds the cancelled one, and ends the other's hold after a new
    # booking that day pruned the lapsed hold from the ledger (so that day is only checked)
    with recording(wiring) as r:
        run_payments_job(EventKind.BOOKING_CANCELLED, owner, paid["uid"])
    calls["PaymentsWorker"] |= r.calls
    clock.advance(minutes=16)
    assert api.post("/hosts/alice/intro/bookings",
                    f.booking("2026-11-26T19:00:00Z")).status == 201
    with recording(wiring) as r:
        run_payments_job(EventKind.PAYMENT_HOLD_EXPIRED, owner, left["uid"])
    calls["PaymentsWorker"] |= r.calls

    # THEN both were done, through calls each role allows
    assert [refund.payment_id for refund in fake.refunds.values()] == ["pi_1"]
    assert len(fake.expired) == 1
    expired = BookingRepository().get(left["uid"])
    assert expired is not None and expired.status is BookingStatus.EXPIRED
    # The hold's end is the bookings' own transaction: ledger read, days checked.
    assert {("table", "BatchGetItem"), ("table", "ConditionCheckItem")} <= calls["PaymentsWorker"]
    for function, made in calls.items():
        assert made <= allowed(function), (function, sorted(made - allowed(function)))


def test_the_notes_and_brief_workers_make_only_the_calls_their_roles_allow_writing_pages(
        api: Api, wiring: Wiring, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a premium host who keeps notes in Notion, and a booking
    token = make_sandbox_host(api, sandbox, clock)
    connect_provider(api, token, "notion")
    HostRepository().set_premium("alice", True)
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat()))
    assert booked.status == 201, booked.body
    booking = {"uid": booked.json["uid"], "host_id": host_id_of(api, token)}

    # WHEN the notes worker writes its first page (under its creation lease) and the
    # brief worker writes the brief and asks for the page again
    calls: dict[str, set[tuple[str, str]]] = {}
    for name in ("notes", "summary"):
        with recording(wiring) as r:
            assert notes_worker(name).handle(
                notes_event(EventKind.BOOKING_CONFIRMED, booking, premium=True)) == "done"
        calls[f"{name.title()}Worker"] = r.calls

    # THEN the page was made, through calls each role allows (the lease's release included)
    assert len(sandbox.notion_pages()) == 1
    assert ("table", "DeleteItem") in calls["NotesWorker"]
    for function, made in calls.items():
        assert made <= allowed(function), (function, sorted(made - allowed(function)))


def test_a_password_reset_makes_only_the_calls_the_api_role_allows(
        api: Api, wiring: Wiring) -> None:
    from tests.functional.conftest import rebuild
    from tests.functional.outbox import SENDER, inbox, reset_token, verify_sender

    # GIVEN a Penny that sends from a verified sender, and a host
    verify_sender()
    services = rebuild(email_sender=SENDER)
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    mailer = services.password_resets.mailer
    assert mailer is not None
    recorder = Recorder()
    clients = [PennyItem._get_connection().connection.client, mailer.client]  # type: ignore[attr-defined]
    for client in clients:
        client.meta.events.register("before-parameter-build", recorder,
                                    unique_id="iam-recorder")

    # WHEN the host asks for a reset and uses the e-mailed link
    try:
        assert api.post("/auth/password-reset", {"email": "alice@example.com"}).status == 202
        token = reset_token(inbox("alice@example.com")[0])
        assert api.post("/auth/password-reset/confirm",
                        {"token": token, "new_password": "a brand new passphrase"}).status == 200
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", unique_id="iam-recorder")

    # THEN the API function's role allows every call made, the e-mail's included
    assert ("email", "SendEmail") in recorder.calls
    assert recorder.calls <= allowed("APIHandler"), sorted(recorder.calls - allowed("APIHandler"))
