"""Structured logs: one JSON object a line, carrying the keys of the request, event or job
in hand, and never a credential or an attendee's details.

Lines are rendered as a Lambda writes them (integrations/logs.configure) into a buffer.
The booking is b-1 of host-alice, its confirmed event e-1, at 2026-03-02T12:00:00Z.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from chalice.app import Request, Response

from chalicelib.domain.errors import ProviderRejectedError, ProviderUnavailableError
from chalicelib.domain.events import Event, EventKind
from chalicelib.functions import errors, realtime
from chalicelib.functions.request_logs import with_log_keys
from chalicelib.integrations import logs
from chalicelib.services.jobs import JobRunner, Outcome, lease_for
from tests.fakes.jobs import FakeJobRecords
from tests.unit.fakes import FixedClock

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
EMAIL = "bo.booker@example.com"
ANSWER = "my divorce lawyer is slow"
PASSWORD = "correct horse battery staple"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret-link-token"
SECRETS = (EMAIL, ANSWER, PASSWORD, TOKEN, "Bo Booker")

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def lines() -> Iterator[Lines]:
    buffer = io.StringIO()
    logs.configure(buffer, level="DEBUG")
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logs.unconfigure()


def confirmed(event_id: str = "e-1") -> Event:
    # The envelope as the stream publishes it (booking_summary: never the e-mail or answers).
    return Event(EventKind.BOOKING_CONFIRMED, event_id, NOW, "host-alice",
                 {"uid": "b-1", "status": "confirmed", "attendee_name": "Bo Booker"})


def booking_request() -> Request:
    """A booking POST as the front door hands it over, credentials and answers included."""
    body = {"start": "2026-03-03T14:00:00Z", "password": PASSWORD,
            "attendee": {"name": "Bo Booker", "email": EMAIL, "timezone": "Europe/London"},
            "answers": {"topic": ANSWER}}

    @dataclass
    class Context:
        aws_request_id: str = "lambda-req-1"

    return Request({
        "requestContext": {"httpMethod": "POST", "requestId": "apigw-req-1",
                           "resourcePath": "/hosts/{host}/{event}/bookings",
                           "path": "/hosts/alice/intro/bookings"},
        "headers": {"authorization": f"Bearer {TOKEN}", "cookie": f"penny_refresh={TOKEN}"},
        "multiValueQueryStringParameters": {"token": [TOKEN]},
        "pathParameters": {"host": "alice", "event": "intro"},
        "stageVariables": {}, "body": json.dumps(body), "isBase64Encoded": False,
    }, Context())


def booked(_: Request) -> Response:
    """The view: commits b-1 and answers with its secret links."""
    logs.note(booking_uid="b-1")
    return Response(body=json.dumps({"uid": "b-1", "links": {"cancel_token": TOKEN}}),
                    status_code=201, headers={"Idempotent-Replayed": "false"})


@dataclass
class NotesJob:
    name: str = "notes"
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CONFIRMED,)
    announces: EventKind | None = EventKind.NOTES_SAVED
    fail_with: list[BaseException] = field(default_factory=list)

    def run(self, event: Event) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)


def runner(job: NotesJob | None = None) -> JobRunner:
    return JobRunner(job or NotesJob(), FakeJobRecords(), FixedClock(NOW), lease_for(60))


@dataclass
class PublishedFanout:
    """Stands in for services/fanout.Fanout: the events one stream batch made."""

    events: list[Event]
    worker_types: frozenset[str] = frozenset({"booking.confirmed"})

    def handle(self, records: Any) -> list[Event]:
        return self.events


def test_a_line_is_one_json_object_with_the_service_and_the_keys_in_scope(
        lines: Lines) -> None:
    with logs.scope(request_id="r-1", booking_uid="b-1"):
        logging.getLogger("penny.jobs").info("job %s", "done", extra={"job": "notes"})

    (line,) = lines()
    assert line["service"] == "penny" and line["level"] == "INFO"
    assert line["message"] == "job done" and line["name"] == "penny.jobs"
    assert (line["request_id"], line["booking_uid"], line["job"]) == ("r-1", "b-1", "notes")
    assert line["timestamp"].endswith("+00:00")


def test_leaving_a_scope_puts_back_the_keys_before_it_so_a_warm_container_lends_none(
        lines: Lines) -> None:
    log = logging.getLogger("penny.api")
    with logs.scope(request_id="r-1"):
        logs.note(booking_uid="b-1")
        with logs.scope(booking_uid="b-2"):
            log.info("inner")
        log.info("outer")
    log.info("next request")

    inner, outer, after = lines()
    assert inner["booking_uid"] == "b-2" and outer["booking_uid"] == "b-1"
    assert "booking_uid" not in after and "request_id" not in after
    assert logs.current() == {}


def test_a_records_own_extra_wins_over_the_scope_and_missing_ids_are_left_out(
        lines: Lines) -> None:
    with logs.scope(event_id="e-1", booking_uid=None, host_id=""):
        logging.getLogger("penny.events").info("x", extra={"event_id": "e-2"})

    (line,) = lines()
    assert line["event_id"] == "e-2"
    assert "booking_uid" not in line and "host_id" not in line


def test_the_level_comes_from_powertools_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(logs.LEVEL_VARIABLE, "warning")
    buffer = io.StringIO()
    logs.configure(buffer)
    try:
        logging.getLogger("penny.jobs").info("dropped")
        logging.getLogger("penny.jobs").warning("kept")
    finally:
        logs.unconfigure()

    assert [json.loads(line)["message"] for line in buffer.getvalue().splitlines()] == ["kept"]


def test_event_keys_read_the_envelope_and_leave_out_what_is_malformed() -> None:
    assert logs.event_keys(confirmed().to_json()) == {
        "event_id": "e-1", "event_type": "booking.confirmed", "booking_uid": "b-1",
        "host_id": "host-alice"}
    assert logs.event_keys({"id": 7, "booking": "b-1", "type": "booking.confirmed"}) == {
        "event_type": "booking.confirmed"}
    assert logs.event_keys(None) == {} and logs.event_keys(["e-1"]) == {}


def test_a_booking_request_logs_its_request_id_next_to_the_new_uid(lines: Lines) -> None:
    response = with_log_keys(booking_request(), booked)

    assert response.status_code == 201
    (line,) = lines()
    assert line["message"] == "booking committed"
    assert (line["request_id"], line["function_request_id"]) == ("apigw-req-1", "lambda-req-1")
    assert line["booking_uid"] == "b-1" and line["status"] == 201
    assert line["route"] == "POST /hosts/{host}/{event}/bookings"
    assert logs.current() == {}


def test_the_stream_and_the_worker_log_the_same_event_id_and_uid(lines: Lines) -> None:
    event = confirmed()
    realtime.publish(PublishedFanout([event]), [{}])  # type: ignore[arg-type]
    realtime.run_job(runner(), json.dumps(event.to_json()))

    stream, worker = lines()
    assert stream["message"] == "booking event" and stream["to_workers"] is True
    assert worker["message"] == "job done" and worker["job"] == "notes"
    for key in ("event_id", "event_type", "booking_uid", "host_id"):
        assert stream[key] == worker[key] != ""
    assert (worker["event_id"], worker["booking_uid"]) == ("e-1", "b-1")


def test_a_failing_job_logs_its_traceback_under_the_event_keys_and_is_raised(
        lines: Lines) -> None:
    job = NotesJob(fail_with=[ProviderUnavailableError("notion", "503 from Notion")])

    with pytest.raises(ProviderUnavailableError):
        realtime.run_job(runner(job), json.dumps(confirmed().to_json()))

    (line,) = lines()
    assert line["level"] == "ERROR" and line["exception_name"] == "ProviderUnavailableError"
    assert (line["job"], line["event_id"], line["booking_uid"]) == ("notes", "e-1", "b-1")


def test_a_job_given_up_for_good_says_why_under_the_same_keys(lines: Lines) -> None:
    job = NotesJob(fail_with=[ProviderRejectedError("notion", "page is archived")])

    assert realtime.run_job(runner(job), json.dumps(confirmed().to_json())) is Outcome.GAVE_UP

    reason, outcome = lines()
    assert reason["message"].startswith("job failed for good: provider_rejected (notion)")
    assert outcome["outcome"] == "gave_up"
    assert reason["event_id"] == outcome["event_id"] == "e-1"


def test_a_provider_error_at_the_edge_logs_the_provider_and_code_not_its_message(
        lines: Lines) -> None:
    error = ProviderRejectedError("google", f"calendar of {EMAIL} refused the event")

    with logs.scope(request_id="r-1", booking_uid="b-1"):
        assert errors.from_exception(error).status_code == 422

    (line,) = lines()
    assert (line["provider"], line["error_code"], line["status"]) == (
        "google", "provider_rejected", 422)
    assert line["request_id"] == "r-1" and EMAIL not in json.dumps(line)


def test_no_line_of_a_booking_from_request_to_worker_holds_a_credential_or_attendee_detail(
        lines: Lines) -> None:
    event = confirmed()
    with_log_keys(booking_request(), booked)
    realtime.publish(PublishedFanout([event]), [{}])  # type: ignore[arg-type]
    realtime.run_job(runner(), json.dumps(event.to_json()))

    rendered = json.dumps(lines())
    assert len(lines()) == 3
    for secret in SECRETS:
        assert secret not in rendered
