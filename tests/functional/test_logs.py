"""Following one booking through the logs: from the API's request to the stream's events
to the calendar worker, by request id, booking uid and event id; and nothing on the way
logs a token, a password, an e-mail address or an answer.

Lines are rendered as a Lambda writes them (integrations/logs.configure) into a buffer.
The booking is Bo Booker's, at 2026-11-24T14:00:00Z, posted through the Function URL as
request req-1; its answer to "topic" is private.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.integrations import logs
from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import Wiring, deliver_stream, invoke, sns_event
from tests.functional.test_function_url import call, url_event

ROOT = Path(__file__).resolve().parents[2]
ANSWER = "worried about my visa interview"
Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def lines() -> Iterator[Lines]:
    buffer = io.StringIO()
    logs.configure(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logs.unconfigure()


def book_through_the_function_url(api: Api) -> dict[str, Any]:
    status, booked = call(url_event("POST", "/hosts/alice/intro/bookings", body=f.booking(
        "2026-11-24T14:00:00Z", answers={"topic": ANSWER})))
    assert status == 201, booked
    return dict(booked)


def calendar_message(wiring: Wiring) -> str:
    sqs = boto3.client("sqs", region_name="us-east-1")
    message = sqs.receive_message(QueueUrl=wiring.queues["calendar"])["Messages"][0]
    return str(json.loads(message["Body"])["Message"])


def test_one_booking_is_followed_from_its_request_to_the_worker_and_back(
        api: Api, wiring: Wiring, lines: Lines) -> None:
    token = make_host(api, questions=[f.question("topic")])
    wiring.stream.read()  # skip the setup writes

    booked = book_through_the_function_url(api)
    deliver_stream(api, wiring)
    invoke(api, "calendar_worker", sns_event(calendar_message(wiring)))
    deliver_stream(api, wiring)  # what the job wrote (the video note), and its record

    uid = booked["uid"]
    mine = [line for line in lines() if line.get("booking_uid") == uid]
    request, *events = mine
    assert (request["message"], request["request_id"]) == ("booking committed", "req-1")
    stream = {line["event_type"]: line for line in events if line["name"] == "penny.events"}
    assert set(stream) == {"booking.created", "booking.confirmed", "booking.updated"}
    (job,) = [line for line in events if line.get("job") == "calendar"]
    assert job["message"] == "job done"
    assert job["event_id"] == stream["booking.confirmed"]["event_id"]
    assert stream["booking.confirmed"]["to_workers"] is True
    assert len({line["host_id"] for line in events}) == 1

    rendered = json.dumps(lines())
    for secret in (ANSWER, "bo@example.com", "Bo Booker", "correct horse battery", token,
                   booked["links"]["cancel_token"], booked["links"]["reschedule_token"]):
        assert secret not in rendered


def test_a_cancel_from_the_secret_link_logs_its_uid_but_not_the_link(
        api: Api, lines: Lines) -> None:
    make_host(api)
    booked = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).json
    secret = booked["links"]["cancel_token"]

    r = api.post(f"/bookings/{booked['uid']}/cancel", {"token": secret})
    refused = api.post(f"/bookings/{booked['uid']}/cancel", {"token": secret})

    assert (r.status, refused.status) == (200, 409)
    committed = [(line["message"], line["route"], line["status"]) for line in lines()
                 if line.get("booking_uid") == booked["uid"]]
    assert committed == [
        ("booking committed", "POST /hosts/{host}/{event}/bookings", 201),
        ("booking committed", "POST /bookings/{uid}/cancel", 200),
        ("booking refused", "POST /bookings/{uid}/cancel", 409)]
    assert all(line["request_id"] for line in lines())
    assert secret not in json.dumps(lines())


def test_a_lambda_init_sets_json_logs_up_without_importing_powertools() -> None:
    probe = ("import sys, logging, app; "
             "assert 'aws_lambda_powertools' not in sys.modules, 'imported at init'; "
             "logging.getLogger('penny.api').warning('first line'); "
             "assert 'aws_lambda_powertools' in sys.modules")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PENNY_")}
    started = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, text=True, capture_output=True, timeout=120,
        env={**clean, "AWS_LAMBDA_FUNCTION_NAME": "penny-prod-APIHandler",
             "AWS_DEFAULT_REGION": "us-east-1",
             "PENNY_JWT_KEYS": json.dumps({"k1": "a-signing-key-of-the-stage-0123456789abcdef"}),
             "PENNY_LINK_SECRET": "a-link-secret-of-the-stage-0123456789abcdef",
             "PENNY_TOKEN_KEYS": json.dumps(
                 {"t1": "a2V5LW9mLXRoZS1zdGFnZS1mb3ItdG9rZW5zLTAxMjM="})})  # 32 bytes

    assert started.returncode == 0, started.stderr
    (line,) = [json.loads(text) for text in started.stdout.splitlines()]
    assert (line["service"], line["level"], line["message"]) == ("penny", "WARNING",
                                                                 "first line")
    assert started.stderr == ""
