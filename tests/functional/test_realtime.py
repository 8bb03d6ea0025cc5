"""Events from table changes to dashboards and worker queues, through the Lambda handlers."""

from __future__ import annotations

import json

import boto3
import pytest

import app as app_module
from chalicelib.domain.errors import ValidationError
from chalicelib.services.realtime import CONNECTING, EVICT_AFTER, MAX_SOCKETS_PER_HOST
from chalicelib.store.items import JobRecordItem
from chalicelib.store.queues import QUEUES
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import (
    Wiring,
    confirmed_event,
    connect,
    deliver_stream,
    invoke,
    old_style_socket,
    replay_event,
    sns_event,
    socket_items,
    table_requests,
    ws_event,
)

LOGIN = {"email": "alice@example.com", "password": "correct horse battery"}


def host_id_of(api: Api, token: str) -> str:
    return str(api.get("/me/profile", token=token).json["id"])


def book(api: Api, wiring: Wiring, start: str = "2026-11-24T14:00:00Z") -> None:
    """A booking, with its events delivered from the stream (and nothing before it)."""
    wiring.stream.read()
    assert api.post("/hosts/alice/intro/bookings", f.booking(start)).status == 201
    deliver_stream(api, wiring)


def test_connect_needs_a_valid_host_token(api: Api, wiring: Wiring) -> None:
    token = make_host(api)
    assert connect(api, "c1", token)["statusCode"] == 200
    assert connect(api, "c2", "not-a-jwt")["statusCode"] == 403
    assert invoke(api, "ws_connect", ws_event("$connect", "c3"))["statusCode"] == 403


def test_token_may_come_as_a_subprotocol_which_is_echoed(api: Api, wiring: Wiring) -> None:
    token = make_host(api)
    reply = invoke(api, "ws_connect", ws_event(
        "$connect", "c1", headers={"Sec-WebSocket-Protocol": f"penny.bearer, {token}"}))
    assert reply["statusCode"] == 200
    assert reply["headers"]["Sec-WebSocket-Protocol"] == "penny.bearer"


@pytest.mark.parametrize("offered", ["penny.ticket, penny.ticket", "penny.bearer, penny.bearer"])
def test_a_protocol_offered_twice_with_no_credential_is_refused_not_a_crash(
        api: Api, wiring: Wiring, offered: str) -> None:
    reply = invoke(api, "ws_connect", ws_event(
        "$connect", "c1", headers={"Sec-WebSocket-Protocol": offered}))

    assert reply["statusCode"] == 403


def test_ping_gets_a_pong(api: Api, wiring: Wiring) -> None:
    connect(api, "c1", make_host(api))
    invoke(api, "ws_message", ws_event("$default", "c1", body='{"action": "ping"}'))
    assert wiring.sender.types("c1") == ["pong"]


def test_a_keepalive_gets_no_reply(api: Api, wiring: Wiring) -> None:
    connect(api, "c1", make_host(api))
    invoke(api, "ws_message", ws_event("$default", "c1", body='{"action": "keepalive"}'))
    assert wiring.sender.types("c1") == []


@pytest.mark.parametrize("body", [
    '{"action": "ping", "x": ' + "[" * 5000,  # deeper than the parser's recursion limit
    "not json",
    '["ping"]',
])
def test_a_message_that_is_no_json_object_gets_a_clean_error_not_a_crash(
        api: Api, wiring: Wiring, body: str) -> None:
    connect(api, "c1", make_host(api))

    invoke(api, "ws_message", ws_event("$default", "c1", body=body))

    (reply,) = wiring.sender.sent["c1"]
    assert reply["type"] == "error"
    assert reply["error"]["code"] == "malformed_json"


def test_a_booking_reaches_its_hosts_dashboards_and_no_one_else(api: Api, wiring: Wiring) -> None:
    alice, bob = make_host(api, "alice"), make_host(api, "bob")
    connect(api, "alice-1", alice)
    connect(api, "alice-2", alice)
    connect(api, "bob-1", bob)
    wiring.stream.read()  # skip the setup writes
    api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))

    deliver_stream(api, wiring)

    for socket in ("alice-1", "alice-2"):
        assert wiring.sender.types(socket) == ["booking.created", "booking.confirmed"]
    assert wiring.sender.types("bob-1") == []
    event = wiring.sender.sent["alice-1"][0]
    assert set(event) == {"type", "id", "version", "occurred_at", "host_id", "booking"}
    assert event["version"] == 1 and event["booking"]["start"] == "2026-11-24T14:00:00+00:00"
    assert "answers" not in event["booking"]


def test_each_worker_gets_the_booking_events_it_takes_and_nothing_else(
        api: Api, wiring: Wiring) -> None:
    token = make_host(api)
    connect(api, "c1", token)
    wiring.stream.read()
    booked = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).json
    api.post(f"/bookings/{booked['uid']}/cancel", {"token": booked["links"]["cancel_token"]})

    deliver_stream(api, wiring)

    assert wiring.sender.types("c1") == ["booking.created", "booking.confirmed",
                                         "booking.cancelled"]
    sqs = boto3.client("sqs", region_name="us-east-1")
    takes = {spec.name: spec.event_types for spec in QUEUES}
    assert takes["summary"] == ("booking.confirmed",)
    assert "booking.cancelled" in takes["calendar"] and "booking.cancelled" in takes["notes"]
    # Alice is not premium and keeps no notes: the summary worker (premium hosts only)
    # and the notes worker (bookings with notes only) hear nothing of hers (a premium
    # host's bookings: tests/functional/test_premium.py; notes: test_notes_workers.py).
    assert {spec.name for spec in QUEUES if spec.premium_only} == {"summary"}
    assert {spec.name for spec in QUEUES if spec.notes_only} == {"notes"}
    premium_only = {"summary", "notes"}
    for name, url in wiring.queues.items():
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        events = [json.loads(json.loads(m["Body"])["Message"]) for m in messages]
        assert sorted(event["type"] for event in events) == sorted(
            t for t in ("booking.confirmed", "booking.cancelled")
            if t in takes[name] and name not in premium_only), name


def test_reschedule_is_an_event(api: Api, wiring: Wiring) -> None:
    connect(api, "c1", make_host(api))
    booked = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).json
    wiring.stream.read()
    api.post(f"/bookings/{booked['uid']}/reschedule",
             {"token": booked["links"]["reschedule_token"], "start": "2026-11-24T15:00:00Z"})
    deliver_stream(api, wiring)
    assert wiring.sender.types("c1") == ["booking.rescheduled"]


def test_a_sockets_item_is_deleted_when_a_post_to_it_finds_it_gone(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
    token = make_host(api)
    for socket in ("gone", "broken", "fine"):
        connect(api, socket, token)
    wiring.sender.gone.add("gone")
    wiring.sender.broken.add("broken")
    clock.advance(seconds=CONNECTING.total_seconds())  # past its handshake: gone is closed

    book(api, wiring)

    assert wiring.sender.types("fine") == ["booking.created", "booking.confirmed"]
    assert socket_items(host_id_of(api, token)) == {"CONN#broken": "broken",
                                                    "CONN#fine": "fine"}


def test_a_socket_is_one_write_to_open_and_none_to_close(api: Api, wiring: Wiring) -> None:
    token = make_host(api)

    with table_requests() as made:
        connect(api, "c1", token)

    # The record, then its login's (to find a logout that ran meanwhile), then the host's
    # sockets (a read: none to close while they are within the bound).
    assert made == ["PutItem", "GetItem", "Query"]
    assert "$disconnect" not in app_module.app.websocket_handlers  # no function on close
    assert socket_items(host_id_of(api, token)) == {"CONN#c1": "c1"}


def test_past_the_bound_a_host_keeps_its_ten_sockets_and_the_next_is_told_to_wait(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
    token = make_host(api)
    for n in range(MAX_SOCKETS_PER_HOST):
        assert connect(api, f"c{n}", token)["statusCode"] == 200

    refused = connect(api, "one-more", token)

    assert refused["statusCode"] == 429
    assert json.loads(refused["body"])["error"]["code"] == "too_many_sockets"
    assert set(socket_items(host_id_of(api, token)).values()) == {
        f"c{n}" for n in range(MAX_SOCKETS_PER_HOST)}
    # Ten minutes on, the oldest is closed for it
    clock.advance(minutes=EVICT_AFTER.total_seconds() / 60)
    token = str(api.post("/auth/login", LOGIN).json["access_token"])
    assert connect(api, "one-more", token)["statusCode"] == 200
    assert len(wiring.sender.closed) == 1 and len(socket_items(host_id_of(api, token))) == 10


def test_an_expired_socket_item_is_not_sent_to(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
    host_id = host_id_of(api, make_host(api))
    connect(api, "old", str(api.post("/auth/login", LOGIN).json["access_token"]))
    clock.advance(hours=2)  # API Gateway has closed it; TTL deletes its item late
    connect(api, "new", str(api.post("/auth/login", LOGIN).json["access_token"]))

    book(api, wiring)

    assert list(wiring.sender.sent) == ["new"]
    assert socket_items(host_id) == {"CONN#old": "old", "CONN#new": "new"}  # TTL's to delete


def test_a_socket_recorded_before_sockets_were_keyed_by_ticket_still_works(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
    # Deployed tables hold sockets keyed by their own id, with a WSCONN# lookup beside
    # them, for up to two hours after this change: they get events, and go when gone.
    token = make_host(api)
    host_id = host_id_of(api, token)
    old_style_socket(host_id, "before", None, clock.now())
    old_style_socket(host_id, "before-gone", None, clock.now())
    wiring.sender.gone.add("before-gone")
    clock.advance(seconds=CONNECTING.total_seconds())

    book(api, wiring)

    assert wiring.sender.types("before") == ["booking.created", "booking.confirmed"]
    assert socket_items(host_id) == {"CONN#before": "before"}


def test_a_redelivered_event_changes_nothing(api: Api, wiring: Wiring) -> None:
    connect(api, "c1", make_host(api))
    event = confirmed_event(api, wiring)

    first = invoke(api, "calendar_worker", sns_event(event))
    again = invoke(api, "calendar_worker", sns_event(event))

    assert first == again == {}
    records = list(JobRecordItem.scan())
    assert [(r.sk, r.status, r.booking["start"]) for r in records] == [
        ("calendar", "done", "2026-11-24T14:00:00+00:00")]
    deliver_stream(api, wiring)
    # What the job wrote on the booking (the video note) reaches the dashboard once, not
    # twice (a job that announces says it once: tests/unit/test_job_runner.py)
    assert wiring.sender.types("c1").count("booking.updated") == 1


def test_a_failing_push_raises_so_lambda_retries_it(api: Api, wiring: Wiring) -> None:
    make_host(api)
    with pytest.raises(ValidationError):
        invoke(api, "notes_worker", sns_event("not json"))


def test_a_dead_letter_replay_does_the_work_once_and_reports_only_poison(
        api: Api, wiring: Wiring) -> None:
    make_host(api)
    event = confirmed_event(api, wiring)
    failure_record = json.dumps({"requestContext": {"condition": "RetriesExhausted"},
                                 "requestPayload": sns_event(event)})
    sns_redrive = json.dumps({"Type": "Notification", "Message": event})

    result = invoke(api, "calendar_worker",
                    replay_event(failure_record, sns_redrive, "not json", '{"type": "x"}'))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m2"},
                                            {"itemIdentifier": "m3"}]}
    assert [(r.sk, r.status) for r in JobRecordItem.scan()] == [("calendar", "done")]


def test_the_summary_worker_does_no_work_for_an_ordinary_hosts_event_that_comes_anyway(
        api: Api, wiring: Wiring) -> None:
    make_host(api)
    event = confirmed_event(api, wiring)  # what the calendar worker got; summary's filter drops it

    assert invoke(api, "summary_worker", sns_event(event)) == {}
    assert invoke(api, "summary_worker", replay_event(event)) == {"batchItemFailures": []}
    assert list(JobRecordItem.scan()) == []
