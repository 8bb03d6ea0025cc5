"""SNS's push to a worker (local/sns_push.py) and its event shapes (local/lambda_events.py),
on an in-memory fake of the delivery queue and its dead-letter queue.

The same push runs against the embedded AWS in tests/e2e/test_ws_gateway.py; here the
retry-then-dead-letter rule and the records it sends are checked without any I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from local.lambda_events import failure_record, sns_record
from local.sns_push import SnsPushPoller

NOTIFICATION = {
    "Type": "Notification",
    "MessageId": "n-1",
    "TopicArn": "arn:aws:sns:us-east-1:123456789012:penny-local-events",
    "Message": '{"type": "booking.confirmed"}',
    "Timestamp": "2026-11-24T12:00:01.000Z",
    "SigningCertURL": "https://sns.example/cert.pem",
    "UnsubscribeURL": "https://sns.example/unsubscribe",
}


@dataclass
class FakeQueues:
    """One delivery queue (received in order, deleted by handle) and a dead-letter queue."""

    visible: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dead: list[dict[str, Any]] = field(default_factory=list)

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        size = kwargs["MaxNumberOfMessages"]
        batch, self.visible = self.visible[:size], self.visible[size:]
        return {"Messages": [{"MessageId": f"m-{n}", "ReceiptHandle": body, "Body": body}
                             for n, body in enumerate(batch)]}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.deleted.extend(entry["ReceiptHandle"] for entry in Entries)
        return {}

    def send_message(self, QueueUrl: str, MessageBody: str) -> dict[str, Any]:
        assert QueueUrl == "http://dlq"
        self.dead.append(json.loads(MessageBody))
        return {}


def _push(queues: FakeQueues, handler: Any) -> SnsPushPoller:
    return SnsPushPoller(handler, queue_url="http://q", queue_arn="arn:q", sqs=queues,
                         dlq_url="http://dlq", subscription_arn="arn:sub", max_retries=2,
                         retry_delay=0.0, function_name="notes_worker")


def test_a_worker_that_keeps_failing_is_retried_then_dead_lettered() -> None:
    queues = FakeQueues(visible=[json.dumps(NOTIFICATION)])
    calls: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        calls.append(event["Records"][0]["Sns"]["MessageId"])
        raise RuntimeError("the worker broke")

    assert _push(queues, handler).poll_once() == 1

    assert calls == ["n-1", "n-1", "n-1"]  # once, then max_retries more
    (failure,) = queues.dead
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["responsePayload"] == {"errorMessage": "the worker broke",
                                          "errorType": "RuntimeError"}
    assert queues.deleted == [json.dumps(NOTIFICATION)]  # off the delivery queue either way


def test_a_worker_that_succeeds_on_a_retry_sends_nothing_to_the_dead_letter_queue() -> None:
    queues = FakeQueues(visible=[json.dumps(NOTIFICATION)])
    attempts: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("once")

    _push(queues, handler).poll_once()

    assert len(attempts) == 2
    assert queues.dead == []
    assert len(queues.deleted) == 1


def test_sns_records_are_shaped_like_lambdas() -> None:
    record = sns_record(NOTIFICATION, subscription_arn="arn:sub")

    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == "arn:sub"
    sns = record["Sns"]
    assert sns["SigningCertUrl"] == "https://sns.example/cert.pem"
    assert sns["UnsubscribeUrl"] == "https://sns.example/unsubscribe"
    assert "SigningCertURL" not in sns
    assert sns["Subject"] is None and sns["MessageAttributes"] == {}


def test_the_failure_record_names_the_function_version_and_carries_the_event() -> None:
    event = {"Records": [sns_record(NOTIFICATION, subscription_arn="arn:sub")]}

    failure = failure_record(event, ValueError("bad"), function_name="notes_worker",
                             region="eu-west-1", invocations=3)

    assert failure["requestContext"]["functionArn"] == (
        "arn:aws:lambda:eu-west-1:123456789012:function:notes_worker:$LATEST")
    assert failure["requestPayload"] == event
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["responsePayload"]["errorType"] == "ValueError"
