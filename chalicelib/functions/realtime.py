"""Entry code for the WebSocket, stream and queue Lambdas: parse, call one service, map.

The stream logs each event it hands on with its id, type, booking uid and host; each
worker logs each message under its job's name with the same keys, read off the same
envelope, so the event id links the two (chalicelib/integrations/logs.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.domain.errors import AuthenticationError, JobBusyError, TooManySocketsError
from chalicelib.functions.errors import from_exception
from chalicelib.integrations import logs
from chalicelib.services.jobs import JobRunner, Outcome
from chalicelib.services.realtime import Realtime

if TYPE_CHECKING:
    from chalicelib.services.fanout import Fanout

log = logging.getLogger("penny.events")
job_log = logging.getLogger("penny.workers")

# Browsers cannot set headers on a WebSocket, so the credential may come as a
# subprotocol: `new WebSocket(url, ["penny.bearer", token])` for an access token, or
# `["penny.ticket", ticket]` for the dashboard's realtime ticket (kept out of URLs, and
# so out of access logs); the chosen protocol is echoed back.
BEARER_PROTOCOL = "penny.bearer"
TICKET_PROTOCOL = "penny.ticket"


@dataclass(frozen=True)
class Credential:
    token: str | None
    protocol: str | None = None  # the subprotocol it came in, echoed on success
    ticket: bool = False


def token_of(event: dict[str, Any]) -> Credential:
    """The access token or ticket offered, and how."""
    query = event.get("queryStringParameters") or {}
    if query.get("ticket"):
        return Credential(str(query["ticket"]), ticket=True)
    if query.get("token"):
        return Credential(str(query["token"]))
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    offered = [p.strip() for p in str(headers.get("sec-websocket-protocol", "")).split(",")]
    for protocol in (BEARER_PROTOCOL, TICKET_PROTOCOL):
        if protocol in offered and len(offered) == 2:
            # None when the protocol is offered twice: refused (403), not a crash (500)
            token = next((p for p in offered if p != protocol), None)
            return Credential(token, protocol, ticket=protocol == TICKET_PROTOCOL)
    return Credential(None)


def connect(realtime: Realtime, event: dict[str, Any]) -> Response:
    credential = token_of(event)
    try:
        realtime.connect(event["requestContext"]["connectionId"], credential.token,
                         ticket=credential.ticket)
    except AuthenticationError as exc:
        return Response(body=json.dumps({"error": {"code": exc.code, "message": exc.message,
                                                   "field": None}}), status_code=403)
    except TooManySocketsError as exc:
        return from_exception(exc)  # 429, with Retry-After
    headers: dict[str, str | list[str]] = (
        {"Sec-WebSocket-Protocol": credential.protocol} if credential.protocol else {})
    return Response(body="", status_code=200, headers=headers)


def message(realtime: Realtime, socket_id: str, body: str) -> None:
    try:
        parsed = json.loads(body)
    # Deep nesting ("[" * 5000) overflows the parser, and RecursionError is no ValueError.
    except (ValueError, TypeError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        realtime.refuse(socket_id, "malformed_json",
                        'a message is a JSON object, such as {"action": "ping"}')
        return
    action = parsed.get("action")
    # "keepalive" (the dashboard's, every 9 minutes) only resets API Gateway's idle timer:
    # no reply, which would be a second billed message. "ping" asks for a pong.
    if action == "ping":
        realtime.pong(socket_id)


def publish(fanout: Fanout, records: list[dict[str, Any]]) -> None:
    """The stream's batch, to the workers' topic and the dashboards; one line per event."""
    try:
        events = fanout.handle(records)
    except Exception:
        log.exception("stream batch failed; the stream delivers it again",
                      extra={"records": len(records)})
        raise
    for event in events:
        with logs.scope(**logs.event_keys(event.to_json())):
            log.info("booking event", extra={"to_workers": event.type.value in fanout.worker_types})


def run_worker(worker: JobRunner, event: dict[str, Any]) -> dict[str, Any]:
    """An SNS push (one event; raising makes Lambda retry it, then dead-letter it), or a
    replay batch from the dead-letter queue (each record on its own; failures reported
    so only they stay in the queue). A job that gave up for good returns normally."""
    records = event.get("Records") or []
    if all(record.get("EventSource") == "aws:sns" for record in records):
        for record in records:
            run_job(worker, record["Sns"]["Message"])
        return {}
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    result = process_partial_response(
        event=event, record_handler=lambda record: run_job(worker, dead_letter(record.body)),
        processor=processor)
    return dict(result)


def run_job(worker: JobRunner, message: str) -> Outcome:
    """One message, logged under the job's name and the keys of the event it carries."""
    try:
        envelope = json.loads(message)
    except (ValueError, TypeError, RecursionError):
        envelope = None  # the runner refuses it, and says why
    with logs.scope(job=worker.job.name, **logs.event_keys(envelope)):
        try:
            outcome = worker.process(message)
        except JobBusyError:
            job_log.warning("job busy in another run; retried later")
            raise
        except Exception:
            job_log.exception("job failed; retried, then dead-lettered")
            raise
        job_log.info("job %s", outcome.value, extra={"outcome": outcome.value})
        return outcome


def dead_letter(body: str) -> str:
    """The booking event inside a dead-letter message.

    Lambda's failure destination sends an invocation record whose `requestPayload` is
    the SNS event; SNS's own redrive (when it could not reach Lambda at all) sends its
    notification envelope. Anything else is passed on for the worker to judge.
    """
    try:
        message = json.loads(body)
        if isinstance(message, dict) and "requestPayload" in message:
            return str(message["requestPayload"]["Records"][0]["Sns"]["Message"])
        if isinstance(message, dict) and message.get("Type") == "Notification":
            return str(message["Message"])
    except (ValueError, KeyError, IndexError, TypeError):
        pass
    return body
