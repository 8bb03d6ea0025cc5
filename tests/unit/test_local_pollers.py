"""Lambda's polling rules (local/sqs_poller.py, local/stream_poller.py, local/event_sources.py)
on in-memory fakes of SQS and DynamoDB Streams.

The same pollers run against the embedded AWS in tests/e2e/test_ws_gateway.py; here each
rule (which messages are deleted, which batch is retried, how records are shaped) is
pinned down without any I/O.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice import Chalice

from chalicelib.store.queues import QueueSpec
from chalicelib.store.stream import passes_filter
from local.event_sources import pollers_for_app
from local.lambda_runtime import LambdaResultError, invoke_lambda
from local.provision import Messaging, QueueResources
from local.sns_push import SnsPushPoller
from local.sqs_poller import SqsPoller
from local.stream_poller import StreamPoller

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:penny-local-notes"


# ---- fakes -------------------------------------------------------------------------------


@dataclass
class FakeSqs:
    """Visible messages in order; received ones wait for a delete (no timeouts here)."""

    visible: list[dict[str, Any]] = field(default_factory=list)
    in_flight: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    receives: int = 0
    _handles: itertools.count[int] = field(default_factory=itertools.count)

    def send(self, body: str, **attributes: dict[str, Any]) -> str:
        message_id = f"m-{len(self.visible) + len(self.in_flight) + len(self.deleted)}-{body}"
        self.visible.append({
            "MessageId": message_id,
            "Body": body,
            "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
            "MessageAttributes": attributes,
        })
        return message_id

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["WaitTimeSeconds"] == 0  # never a long poll (see SqsPoller)
        self.receives += 1
        batch = self.visible[: kwargs["MaxNumberOfMessages"]]
        del self.visible[: len(batch)]
        received = []
        for message in batch:
            handle = f"rh-{next(self._handles)}"
            self.in_flight[handle] = message
            received.append({**message, "ReceiptHandle": handle})
        return {"Messages": received} if received else {}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        assert len(Entries) <= 10
        for entry in Entries:
            self.deleted.append(self.in_flight.pop(entry["ReceiptHandle"])["Body"])
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}


def _sqs_poller(sqs: FakeSqs, handler: Any, **kwargs: Any) -> SqsPoller:
    return SqsPoller(handler, queue_url="http://q", queue_arn=QUEUE_ARN, sqs=sqs, **kwargs)


# ---- invoking ------------------------------------------------------------------------------


def test_invoke_lambda_passes_a_json_copy_and_a_context() -> None:
    event = {"Records": [{"n": 1}]}

    def handler(got: dict[str, Any], context: Any) -> dict[str, Any]:
        got["Records"].append("mutated")
        assert context.function_name == "fn"
        assert 0 < context.get_remaining_time_in_millis() <= 3000
        assert context.aws_request_id
        assert context.invoked_function_arn.endswith(":function:fn")
        return {"ok": True}

    assert invoke_lambda(handler, event, function_name="fn", timeout_seconds=3) == {"ok": True}
    assert event == {"Records": [{"n": 1}]}


def test_a_result_lambda_could_not_serialize_is_an_error() -> None:
    with pytest.raises(LambdaResultError):
        invoke_lambda(lambda event, context: {"when": datetime.now(UTC)}, {})


# ---- SQS -----------------------------------------------------------------------------------


def test_only_the_reported_failures_stay_on_the_queue() -> None:
    sqs = FakeSqs()
    ids = {body: sqs.send(body) for body in ("a", "b", "c")}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": ids["b"]}]}

    assert _sqs_poller(sqs, handler).poll_once() == 3

    assert sqs.deleted == ["a", "c"]
    assert [m["Body"] for m in sqs.in_flight.values()] == ["b"]


@pytest.mark.parametrize("result", [None, {}, {"batchItemFailures": []}, "done",
                                    {"batchItemFailures": None}])
def test_a_result_without_failures_deletes_the_whole_batch(result: Any) -> None:
    sqs = FakeSqs()
    sqs.send("a")
    sqs.send("b")

    _sqs_poller(sqs, lambda event, context: result).poll_once()

    assert sqs.deleted == ["a", "b"]


@pytest.mark.parametrize("failures", [
    [{"itemIdentifier": "not-in-this-batch"}],
    [{"itemIdentifier": ""}],
    [{"wrong": "shape"}],
    "not a list",
])
def test_an_invalid_failure_report_fails_the_whole_batch(failures: Any) -> None:
    sqs = FakeSqs()
    sqs.send("a")

    _sqs_poller(sqs, lambda event, context: {"batchItemFailures": failures}).poll_once()

    assert sqs.deleted == []


def test_a_handler_that_raises_deletes_nothing() -> None:
    sqs = FakeSqs()
    sqs.send("a")

    def handler(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("boom")

    assert _sqs_poller(sqs, handler).poll_once() == 1
    assert sqs.deleted == []
    assert len(sqs.in_flight) == 1


def test_without_report_batch_item_failures_the_report_is_ignored() -> None:
    sqs = FakeSqs()
    message_id = sqs.send("a")

    _sqs_poller(
        sqs,
        lambda event, context: {"batchItemFailures": [{"itemIdentifier": message_id}]},
        report_batch_item_failures=False,
    ).poll_once()

    assert sqs.deleted == ["a"]


def test_a_batch_size_above_ten_gathers_several_receives() -> None:
    sqs = FakeSqs()
    for n in range(25):
        sqs.send(str(n))
    sizes: list[int] = []

    poller = _sqs_poller(sqs, lambda event, context: sizes.append(len(event["Records"])),
                         batch_size=25)
    poller.poll_once()

    assert sizes == [25]
    assert sqs.receives == 3
    assert len(sqs.deleted) == 25


def test_an_empty_queue_invokes_nothing() -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        raise AssertionError("invoked")

    assert _sqs_poller(FakeSqs(), handler).poll_once() == 0


def test_sqs_records_are_shaped_like_lambdas() -> None:
    sqs = FakeSqs()
    sqs.send(
        '{"type": "booking.confirmed"}',
        type={"DataType": "String", "StringValue": "booking.confirmed"},
        blob={"DataType": "Binary", "BinaryValue": b"\x00\xff"},
    )
    events: list[dict[str, Any]] = []

    _sqs_poller(sqs, lambda event, context: events.append(event), region="eu-west-1").poll_once()

    (record,) = events[0]["Records"]
    assert set(record) == {
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
        "eventSource", "eventSourceARN", "awsRegion",
    }
    assert record["body"] == '{"type": "booking.confirmed"}'
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == QUEUE_ARN
    assert record["awsRegion"] == "eu-west-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"] == {
        "type": {"stringValue": "booking.confirmed", "stringListValues": [],
                 "binaryListValues": [], "dataType": "String"},
        "blob": {"binaryValue": "AP8=", "stringListValues": [], "binaryListValues": [],
                 "dataType": "Binary"},
    }


# ---- DynamoDB Streams ----------------------------------------------------------------------


@dataclass
class FakeStreams:
    """One shard; an iterator is the index of the next record."""

    records: list[dict[str, Any]] = field(default_factory=list)
    shard_id: str = "shardId-1"
    exceptions: Any = None

    def write(self, pk: str, name: str = "INSERT", **image: dict[str, Any]) -> None:
        sequence = str(100 + len(self.records))
        self.records.append({
            "eventID": f"e{sequence}",
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": datetime(2026, 11, 24, 12, 0, 1, tzinfo=UTC),
                "Keys": {"pk": {"S": pk}},
                "NewImage": {"pk": {"S": pk}, **image},
                "SequenceNumber": sequence,
                "SizeBytes": 10,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        })

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": self.shard_id}]}}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        kind = kwargs["ShardIteratorType"]
        if kind == "TRIM_HORIZON":
            position = 0
        elif kind == "LATEST":
            position = len(self.records)
        else:
            assert kind == "AFTER_SEQUENCE_NUMBER"
            position = int(kwargs["SequenceNumber"]) - 100 + 1
        return {"ShardIterator": str(position)}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        start = int(ShardIterator)
        batch = self.records[start : start + Limit]
        return {"Records": batch, "NextShardIterator": str(start + len(batch))}


def _stream_poller(streams: FakeStreams, handler: Any, **kwargs: Any) -> StreamPoller:
    return StreamPoller(handler, stream_arn="arn:stream", streams=streams, **kwargs)


def _poll_now(poller: StreamPoller) -> int:
    """One poll, with any retry backoff already over."""
    for shard in poller._shards.values():
        shard.retry_at = 0.0
    return poller.poll_once()


def test_stream_batches_follow_the_shard_in_order() -> None:
    streams = FakeStreams()
    for pk in "abc":
        streams.write(pk)
    batches: list[list[str]] = []
    poller = _stream_poller(
        streams,
        lambda event, context: batches.append(
            [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]
        ),
        batch_size=2,
    )

    poller.poll_once()
    poller.poll_once()
    streams.write("d")
    poller.poll_once()
    assert poller.poll_once() == 0

    assert batches == [["a", "b"], ["c"], ["d"]]


def test_records_the_event_sources_filter_refuses_invoke_nothing_and_are_passed_over(
        ) -> None:
    streams = FakeStreams()
    streams.write("a", kind={"S": "profile"})
    streams.write("b", kind={"S": "booking"})
    streams.write("c", kind={"S": "profile"})
    batches: list[list[str]] = []
    poller = _stream_poller(
        streams,
        lambda event, context: batches.append(
            [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]),
        batch_size=2, record_filter=passes_filter)

    poller.poll_once()
    poller.poll_once()
    assert poller.poll_once() == 0

    assert batches == [["b"]]


def test_a_failed_stream_batch_is_retried_whole_before_anything_newer() -> None:
    streams = FakeStreams()
    streams.write("a")
    streams.write("b")
    calls: list[list[str]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        calls.append([r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]])
        if len(calls) < 3:
            raise RuntimeError("not yet")

    poller = _stream_poller(streams, handler)
    poller.poll_once()
    streams.write("c")
    for _ in range(3):
        _poll_now(poller)

    assert calls == [["a", "b"], ["a", "b"], ["a", "b"], ["c"]]


def test_with_max_retries_a_failing_batch_is_dropped() -> None:
    streams = FakeStreams()
    streams.write("a")
    calls: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        calls.append(event["Records"][0]["dynamodb"]["Keys"]["pk"]["S"])
        if calls[-1] == "a":
            raise RuntimeError("always")

    poller = _stream_poller(streams, handler, max_retries=1)
    for _ in range(3):
        _poll_now(poller)
    streams.write("b")
    _poll_now(poller)

    assert calls == ["a", "a", "b"]


def test_latest_skips_what_was_written_before_the_poller_started() -> None:
    streams = FakeStreams()
    streams.write("old")
    seen: list[str] = []
    poller = _stream_poller(
        streams,
        lambda event, context: seen.extend(r["dynamodb"]["Keys"]["pk"]["S"]
                                           for r in event["Records"]),
        starting_position="LATEST",
    )

    poller.poll_once()
    streams.write("new")
    poller.poll_once()

    assert seen == ["new"]


def test_stream_records_are_shaped_like_lambdas() -> None:
    streams = FakeStreams()
    streams.write(
        "a",
        blob={"B": b"\x00\x01"},
        blobs={"BS": [b"\x01"]},
        nested={"M": {"inner": {"L": [{"B": b"\x02"}, {"N": "1"}]}}},
    )
    events: list[dict[str, Any]] = []

    _stream_poller(streams, lambda event, context: events.append(event)).poll_once()

    (record,) = events[0]["Records"]
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == "arn:stream"
    assert record["eventID"] == "e100" and record["eventName"] == "INSERT"
    image = record["dynamodb"]
    assert image["ApproximateCreationDateTime"] == int(
        datetime(2026, 11, 24, 12, 0, 1, tzinfo=UTC).timestamp()
    )
    assert image["NewImage"]["blob"] == {"B": "AAE="}
    assert image["NewImage"]["blobs"] == {"BS": ["AQ=="]}
    assert image["NewImage"]["nested"] == {"M": {"inner": {"L": [{"B": "Ag=="}, {"N": "1"}]}}}


# ---- which pollers an app gets ----------------------------------------------------------


def _messaging(*names: str) -> Messaging:
    return Messaging(
        topic_arn="arn:topic",
        queues={
            name: QueueResources(QueueSpec(name, ("t",)), f"http://{name}", f"arn:{name}",
                                 f"http://{name}-dlq", "arn:sub")
            for name in names
        },
    )


def test_a_consumer_without_its_worker_function_is_an_error() -> None:
    app = Chalice(app_name="bare")
    with pytest.raises(LookupError, match="notes_worker"):
        pollers_for_app(app, aws_url="http://unused", region="us-east-1",
                        messaging=_messaging("notes"), stream_arn=None)


def test_each_consumer_gets_an_sns_push_to_its_worker() -> None:
    app = Chalice(app_name="workers")

    @app.lambda_function(name="notes_worker")
    def notes_worker(event: dict[str, Any], context: Any) -> None:
        pass

    (poller,) = pollers_for_app(app, aws_url="http://127.0.0.1:1", region="us-east-1",
                                messaging=_messaging("notes"), stream_arn=None)
    assert isinstance(poller, SnsPushPoller)
    assert (poller.queue_url, poller.dlq_url) == ("http://notes", "http://notes-dlq")


def test_an_app_without_event_sources_gets_no_pollers() -> None:
    app = Chalice(app_name="bare")

    assert pollers_for_app(
        app, aws_url="http://unused", region="us-east-1", messaging=_messaging(),
        stream_arn=None,
    ) == []
