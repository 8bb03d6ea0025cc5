"""Lambda's event source mappings, for the local stack: pollers that invoke the app's workers.

`chalice local` runs neither SQS nor DynamoDB Streams handlers, so these do what Lambda's
pollers do in AWS:

- `SnsPushPoller` is SNS pushing to a worker Lambda: it takes each notification the
  topic delivered to the consumer's local delivery queue, invokes the worker with an
  SNS-shaped event (one record, as SNS does), retries a failure as Lambda's asynchronous
  invocation does (`max_retries`), then puts Lambda's failure record on the dead-letter
  queue (the `OnFailure` destination infra/ configures).
- `SqsPoller` receives from a queue, invokes a handler with an SQS-shaped event and
  deletes what succeeded (as the replay of a dead-letter queue does). With
  ReportBatchItemFailures (which infra/ switches on) a `{"batchItemFailures": [...]}`
  result deletes all but those; a handler that raises deletes nothing. What is not
  deleted comes back after the queue's visibility timeout, and the queue's redrive
  policy (moto applies it on receive) moves a message to its DLQ after
  `maxReceiveCount` receives.
- `StreamPoller` reads every shard of the table's stream and invokes the
  `@app.on_dynamodb_record` handler with a DynamoDB-shaped event; a batch whose handler
  raises is retried, with backoff, until it succeeds, blocking its shard as Lambda does.

Each poller is a daemon thread with a clean `stop()`. `pollers_for_app` builds the ones
an app registers. The Lambda side of an invocation (`invoke_lambda`) is shared with the
WebSocket gateway.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError
from chalice import Chalice
from chalice.app import DynamoDBEventConfig

from local.provision import LOCAL_CREDENTIALS, Messaging

log = logging.getLogger(__name__)

LambdaHandler = Callable[[dict[str, Any], Any], Any]
"""A Lambda entry point as AWS calls it: `handler(event, context)`."""

ACCOUNT = "123456789012"  # moto's default account, which every local ARN carries


# ---- invoking a handler as Lambda does -------------------------------------------------


@dataclass
class LambdaContext:
    """The context object Lambda's Python runtime passes, with the attributes code reads."""

    function_name: str
    timeout_seconds: float = 60.0
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    region: str = "us-east-1"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{time.strftime('%Y/%m/%d')}/[{self.function_version}]local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LambdaResultError(RuntimeError):
    """The handler returned something Lambda could not serialize as JSON."""


def invoke_lambda(
    handler: LambdaHandler,
    event: dict[str, Any],
    *,
    function_name: str = "penny-local",
    timeout_seconds: float = 60.0,
    region: str = "us-east-1",
) -> Any:
    """Call `handler(event, context)` as Lambda would; exceptions propagate.

    The event and the result cross a JSON boundary, as they do in AWS: the handler gets
    its own copy of plain JSON types, and a result Lambda could not marshal fails here.
    The timeout is reported by `get_remaining_time_in_millis` but not enforced.
    """
    context = LambdaContext(function_name, timeout_seconds, region=region)
    result = handler(json.loads(json.dumps(event)), context)
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError) as exc:
        raise LambdaResultError(f"{function_name} returned a non-JSON result: {exc}") from exc


# ---- a polling thread ------------------------------------------------------------------


class Poller:
    """A daemon thread calling `poll_once()` until stopped; a failing poll is logged.
    Each poll hands what it found to one Lambda handler (`invoke`)."""

    kind = "poller"
    idle_seconds = 0.2

    def __init__(self, handler: LambdaHandler, *, function_name: str, region: str,
                 timeout_seconds: float) -> None:
        self.handler = handler
        self.function_name = function_name
        self.region = region
        self.timeout_seconds = timeout_seconds
        self.name = f"{self.kind}:{function_name}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def invoke(self, event: dict[str, Any]) -> Any:
        """The handler called with `event` as Lambda calls it; exceptions propagate."""
        return invoke_lambda(self.handler, event, function_name=self.function_name,
                             timeout_seconds=self.timeout_seconds, region=self.region)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the invocation under way, if any, and end the thread."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: still busy after %.0f s; leaving it", self.name, timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def poll_once(self) -> int:
        """Do one round of work; return how many records it handled (0 = idle)."""
        raise NotImplementedError

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                handled = self.poll_once()
                failures = 0
            except Exception:
                # Not the handler (each poller deals with that): the embedded AWS itself,
                # e.g. while the stack shuts down. Back off and try again.
                failures += 1
                if not self._stopping.is_set():
                    log.exception("%s: polling failed", self.name)
                self._stopping.wait(_backoff(failures))
                continue
            if not handled:
                self._stopping.wait(self.idle_seconds)


def _backoff(attempt: int, first: float = 0.1, cap: float = 5.0) -> float:
    return float(min(cap, first * 2 ** max(0, attempt - 1)))


# ---- SQS -------------------------------------------------------------------------------


class SqsPoller(Poller):
    """Lambda's SQS event source mapping for one queue and one handler.

    Short polling: a long poll (WaitTimeSeconds > 0) would wait inside the embedded AWS,
    which serves one request at a time (local/aws.py), and stall every other request.
    """

    kind = "sqs-poller"

    def __init__(
        self,
        handler: LambdaHandler,
        *,
        queue_url: str,
        queue_arn: str,
        sqs: Any,
        batch_size: int = 10,
        function_name: str = "penny-local-worker",
        region: str = "us-east-1",
        report_batch_item_failures: bool = True,
        timeout_seconds: float = 60.0,
    ) -> None:
        super().__init__(handler, function_name=function_name, region=region,
                         timeout_seconds=timeout_seconds)
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.batch_size = batch_size
        self.report_batch_item_failures = report_batch_item_failures
        self._sqs = sqs

    def poll_once(self) -> int:
        messages = self._receive()
        if not messages:
            return 0
        event = {"Records": [self.record(message) for message in messages]}
        try:
            result = self.invoke(event)
        except Exception:
            log.exception(
                "%s failed; its %d message(s) return after the visibility timeout",
                self.function_name,
                len(messages),
            )
            return len(messages)
        failed = self._failed_ids(result, [m["MessageId"] for m in messages])
        if failed:
            log.warning("%s: %d of %d message(s) failed", self.function_name, len(failed),
                        len(messages))
        self._delete(m for m in messages if m["MessageId"] not in failed)
        return len(messages)

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < self.batch_size and not self.stopping:
            want = min(10, self.batch_size - len(messages))
            response = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=want,
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            got = response.get("Messages", [])
            messages.extend(got)
            if len(got) < want:
                break
        return messages

    def _failed_ids(self, result: Any, ids: list[str]) -> set[str]:
        """Which messages to keep, from the handler's result (Lambda's rules)."""
        if not self.report_batch_item_failures:
            return set()  # without the setting Lambda ignores the result: all succeeded
        if not isinstance(result, dict) or result.get("batchItemFailures") is None:
            return set()
        failures = result["batchItemFailures"]
        try:
            failed = {str(item["itemIdentifier"]) for item in failures}
        except (TypeError, KeyError):
            failed = set()
        else:
            if failed <= set(ids) and "" not in failed:
                return failed
        # An unreadable response or an unknown or empty id fails the whole batch.
        log.error("%s: invalid batchItemFailures %r; the whole batch fails",
                  self.function_name, failures)
        return set(ids)

    def _delete(self, messages: Iterable[dict[str, Any]]) -> None:
        entries = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
        ]
        for start in range(0, len(entries), 10):
            response = self._sqs.delete_message_batch(
                QueueUrl=self.queue_url, Entries=entries[start : start + 10]
            )
            for failure in response.get("Failed", []):
                log.warning("%s: could not delete a message: %s", self.function_name, failure)

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        """One SQS message as a record of Lambda's SQS event."""
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                name: _lambda_message_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record


class SnsPushPoller(SqsPoller):
    """SNS's push to one subscribed Lambda, with Lambda's async retries and destination."""

    kind = "sns-push"

    def __init__(self, handler: LambdaHandler, *, queue_url: str, queue_arn: str, sqs: Any,
                 dlq_url: str, subscription_arn: str, max_retries: int = 2,
                 retry_delay: float = 0.2, function_name: str = "penny-local-worker",
                 region: str = "us-east-1", timeout_seconds: float = 60.0) -> None:
        super().__init__(handler, queue_url=queue_url, queue_arn=queue_arn, sqs=sqs,
                         function_name=function_name, region=region,
                         timeout_seconds=timeout_seconds)
        self.dlq_url = dlq_url
        self.subscription_arn = subscription_arn
        self.max_retries = max_retries
        self.retry_delay = retry_delay

    def poll_once(self) -> int:
        messages = self._receive()
        for message in messages:
            event = {"Records": [self.sns_record(json.loads(message["Body"]))]}
            error = self._invoke_with_retries(event)
            if error is not None:
                self._sqs.send_message(QueueUrl=self.dlq_url,
                                       MessageBody=json.dumps(self.failure_record(event, error)))
        self._delete(messages)
        return len(messages)

    def _invoke_with_retries(self, event: dict[str, Any]) -> Exception | None:
        error: Exception | None = None
        for attempt in range(1 + self.max_retries):
            if attempt:
                self._stopping.wait(self.retry_delay * 2 ** (attempt - 1))
            try:
                self.invoke(event)
                return None
            except Exception as exc:
                error = exc
                log.warning("%s failed (attempt %d of %d): %s", self.function_name,
                            attempt + 1, 1 + self.max_retries, exc)
        return error

    def sns_record(self, notification: dict[str, Any]) -> dict[str, Any]:
        """The SNS envelope as Lambda's SNS event carries it."""
        renamed = {"SigningCertURL": "SigningCertUrl", "UnsubscribeURL": "UnsubscribeUrl"}
        sns = {renamed.get(key, key): value for key, value in notification.items()}
        sns.setdefault("Subject", None)
        sns.setdefault("MessageAttributes", {})
        return {"EventSource": "aws:sns", "EventVersion": "1.0",
                "EventSubscriptionArn": self.subscription_arn, "Sns": sns}

    def failure_record(self, event: dict[str, Any], error: Exception) -> dict[str, Any]:
        """What Lambda's OnFailure destination sends once the retries are spent."""
        return {
            "version": "1.0",
            "timestamp": datetime.now().astimezone().isoformat(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:"
                               f"{self.function_name}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 1 + self.max_retries,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": str(error),
                                "errorType": type(error).__name__},
        }


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # Lambda spells message attributes in camelCase, with binary values in base64.
    attribute: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [_b64(v) for v in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _b64(value["BinaryValue"])
    return attribute


def _b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


# ---- DynamoDB Streams ------------------------------------------------------------------


@dataclass
class _Shard:
    start: str  # where to begin before any record is read: TRIM_HORIZON or LATEST
    iterator: str | None = None  # only to hold a LATEST position before the first record
    last_sequence: str | None = None  # of the last record the handler took
    closed: bool = False
    # A batch whose invocation failed: retried, alone, before anything newer on the shard.
    pending: list[dict[str, Any]] | None = None
    attempts: int = 0
    retry_at: float = 0.0


class StreamPoller(Poller):
    """Lambda's DynamoDB Streams event source mapping for one table and one handler.

    Starts at TRIM_HORIZON by default: the local table is created fresh with its stream by
    the same process, so the oldest record is the table's first write and there is no
    backlog to skip; starting at LATEST would instead lose any write made between
    provisioning and this poller's first GetShardIterator (the demo seed, or a request
    that came in early). In AWS the mapping is created before traffic, which is the same.

    Every read asks for a fresh iterator after the last record taken rather than following
    NextShardIterator, and is checked by a second read: moto rolls a failed
    TransactWriteItems back by putting a copy of the table (and its stream) in its place,
    and an iterator issued before that reads the abandoned original, which holds the
    rolled-back writes and never gets another record. Real DynamoDB never streams a
    failed transaction's writes; without this the local stack would, now and then.
    """

    kind = "stream-poller"
    idle_seconds = 0.1
    shard_refresh_seconds = 10.0

    def __init__(
        self,
        handler: LambdaHandler,
        *,
        stream_arn: str,
        streams: Any,
        batch_size: int = 100,
        starting_position: str = "TRIM_HORIZON",
        function_name: str = "penny-local-stream",
        region: str = "us-east-1",
        max_retries: int | None = None,
        timeout_seconds: float = 60.0,
        forget_embedded_iterators: bool = False,
    ) -> None:
        super().__init__(handler, function_name=function_name, region=region,
                         timeout_seconds=timeout_seconds)
        self.stream_arn = stream_arn
        self.batch_size = min(batch_size, 1000)  # GetRecords' own limit
        self.starting_position = starting_position
        # None retries until the handler succeeds, as Lambda's default (-1) does until
        # the records age out of the stream; a number drops the batch after that many.
        self.max_retries = max_retries
        self.forget_embedded_iterators = forget_embedded_iterators
        self._streams = streams
        self._shards: dict[str, _Shard] = {}
        self._refresh_due = 0.0  # time.monotonic() of the next DescribeStream

    def poll_once(self) -> int:
        if time.monotonic() >= self._refresh_due:
            self._refresh_shards()
        return sum(self._poll_shard(shard_id, shard) for shard_id, shard in self._shards.items())

    def _refresh_shards(self) -> None:
        description = self._streams.describe_stream(StreamArn=self.stream_arn)
        for shard in description["StreamDescription"]["Shards"]:
            # Shards found later are children of closed ones: read them from the start.
            start = "TRIM_HORIZON" if self._shards else self.starting_position
            self._shards.setdefault(shard["ShardId"], _Shard(start))
        self._refresh_due = time.monotonic() + self.shard_refresh_seconds
        if self.forget_embedded_iterators:
            forget_old_shard_iterators(self.region)

    def _poll_shard(self, shard_id: str, shard: _Shard) -> int:
        if shard.pending is not None:
            if time.monotonic() < shard.retry_at:
                return 0
            records = shard.pending
        else:
            records = self._read(shard_id, shard)
            if not records:
                return 0
        if self._invoke(shard_id, shard, records):
            shard.pending = None
            shard.attempts = 0
            shard.last_sequence = records[-1]["dynamodb"]["SequenceNumber"]
        else:
            shard.pending = records
        return len(records)

    def _read(self, shard_id: str, shard: _Shard) -> list[dict[str, Any]]:
        if shard.closed:
            return []
        following = shard.iterator is not None
        records = self._get_records(shard_id, shard, self.batch_size)
        if records and not following:
            # Read the same span again from a new iterator and keep what both reads agree
            # on: a failed transaction can land between our GetShardIterator and
            # GetRecords, and the first read then saw its rolled-back writes (a record's
            # eventID is unique, so a rolled-back one never matches what replaced it).
            again = self._get_records(shard_id, shard, len(records))
            agreed = 0
            for first, second in zip(records, again, strict=False):
                if first["eventID"] != second["eventID"]:
                    break
                agreed += 1
            if agreed < len(records):
                log.debug("%s: dropped %d record(s) of a rolled-back transaction",
                          self.function_name, len(records) - agreed)
            records = records[:agreed]
        return records

    def _get_records(self, shard_id: str, shard: _Shard, limit: int) -> list[dict[str, Any]]:
        iterator, shard.iterator = shard.iterator or self._iterator(shard_id, shard), None
        if iterator is None:
            return []
        try:
            response = self._streams.get_records(ShardIterator=iterator, Limit=limit)
        except ClientError as exc:  # e.g. an expired iterator: the next read gets a new one
            log.warning("%s: reading %s failed (%s); starting again after the last record",
                        self.function_name, shard_id, exc)
            return []
        records = [self.record(r) for r in response.get("Records", [])]
        next_iterator = response.get("NextShardIterator")
        if next_iterator is None:
            shard.closed = True
            self._refresh_due = 0.0  # a closed shard has children: look for them
        elif not records and shard.last_sequence is None and shard.start == "LATEST":
            # A LATEST position that has read nothing yet cannot be asked for again
            # without skipping what came in meanwhile: follow it.
            shard.iterator = next_iterator
        return records

    def _iterator(self, shard_id: str, shard: _Shard) -> str | None:
        kwargs: dict[str, Any] = {"ShardIteratorType": shard.start}
        if shard.last_sequence is not None:
            kwargs = {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "SequenceNumber": shard.last_sequence,
            }
        response = self._streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, **kwargs
        )
        iterator = response.get("ShardIterator")
        return str(iterator) if iterator else None

    def _invoke(self, shard_id: str, shard: _Shard, records: list[dict[str, Any]]) -> bool:
        try:
            self.invoke({"Records": records})
        except Exception:
            shard.attempts += 1
            if self.max_retries is not None and shard.attempts > self.max_retries:
                log.exception(
                    "%s failed on %d record(s) of %s %d times; dropping them",
                    self.function_name, len(records), shard_id, shard.attempts,
                )
                return True
            delay = _backoff(shard.attempts)
            log.exception(
                "%s failed on %d record(s) of %s (attempt %d); retrying in %.1f s",
                self.function_name, len(records), shard_id, shard.attempts, delay,
            )
            shard.retry_at = time.monotonic() + delay
            return False
        return True

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A GetRecords record as a record of Lambda's DynamoDB event."""
        dynamodb = {
            key: _lambda_attribute_map(value) if key in _IMAGES else value
            for key, value in record["dynamodb"].items()
        }
        created = dynamodb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            # Lambda gives epoch seconds; botocore parsed the wire's number into a datetime.
            dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
        lambda_record = {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": record.get("awsRegion", self.region),
            "dynamodb": dynamodb,
            "eventSourceARN": self.stream_arn,
        }
        if "userIdentity" in record:  # set on TTL deletions
            lambda_record["userIdentity"] = record["userIdentity"]
        return lambda_record


# moto keeps every shard iterator it ever issued (about 2 KB each), and a stream poller
# asks for ten to twenty a second: left alone, an idle `make run` grows by over 100 MB an
# hour. AWS expires iterators after 15 minutes; the embedded AWS forgets all but the
# newest ones instead (minutes' worth; a poller never holds one for longer than a poll).
KEEP_SHARD_ITERATORS = 10_000


def forget_old_shard_iterators(region: str, keep: int = KEEP_SHARD_ITERATORS) -> int:
    """Drop the oldest shard iterators of the in-process moto; return how many."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    iterators: dict[str, Any] = dynamodbstreams_backends[ACCOUNT][region].shard_iterators
    excess = len(iterators) - keep
    if excess <= 0:
        return 0
    try:
        oldest = list(itertools.islice(iter(iterators), excess))  # dicts keep insertion order
    except RuntimeError:  # the server thread added one meanwhile: next time, then
        return 0
    for key in oldest:
        iterators.pop(key, None)
    return len(oldest)


_IMAGES = ("Keys", "NewImage", "OldImage")


def _lambda_attribute_map(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _lambda_attribute(value) for name, value in item.items()}


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # botocore decodes B/BS to bytes; Lambda's JSON event carries them in base64.
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": _b64(inner)}
    if kind == "BS":
        return {"BS": [_b64(v) for v in inner]}
    if kind == "M":
        return {"M": _lambda_attribute_map(inner)}
    if kind == "L":
        return {"L": [_lambda_attribute(v) for v in inner]}
    return {kind: inner}


# ---- the pollers an app registers ------------------------------------------------------


def pollers_for_app(
    app: Chalice,
    *,
    aws_url: str,
    region: str,
    messaging: Messaging,
    stream_arn: str | None,
    embedded: bool = True,
) -> list[Poller]:
    """A poller per DynamoDB Streams handler the app registers, and an SNS push per
    consumer to its `@app.lambda_function` worker (none started).

    `embedded` says the AWS at `aws_url` is moto in this process (local.aws.EmbeddedAWS),
    whose memory the stream poller then keeps in check.
    """
    session = boto3.session.Session(region_name=region, **LOCAL_CREDENTIALS)
    pollers: list[Poller] = []
    for config in app.event_sources:
        handler = app.handler_map[config.name]
        function_name = f"{app.app_name}-local-{config.name}"
        if isinstance(config, DynamoDBEventConfig):
            if stream_arn is None:
                raise LookupError(
                    f"{config.handler_string} reads a DynamoDB stream, but the local table "
                    "has none (is StreamSpecification in table_definition()?)"
                )
            pollers.append(
                StreamPoller(
                    handler,
                    # The local table's stream, whatever ARN the decorator names.
                    stream_arn=stream_arn,
                    streams=session.client("dynamodbstreams", endpoint_url=aws_url),
                    batch_size=config.batch_size,
                    function_name=function_name,
                    region=region,
                    forget_embedded_iterators=embedded,
                )
            )
        else:
            log.warning("%s: no local poller for %s handlers", config.handler_string,
                        type(config).__name__)
    functions = {function.name: function for function in app.pure_lambda_functions}
    sqs = session.client("sqs", endpoint_url=aws_url)
    for consumer in messaging.queues.values():
        worker = functions.get(consumer.spec.function_name)
        if worker is None:
            raise LookupError(f"no @app.lambda_function named {consumer.spec.function_name!r} "
                              f"for the {consumer.spec.name!r} consumer")
        pollers.append(SnsPushPoller(
            worker, queue_url=consumer.url, queue_arn=consumer.arn,
            sqs=sqs, dlq_url=consumer.dlq_url,
            subscription_arn=consumer.subscription_arn, max_retries=consumer.spec.max_retries,
            function_name=f"{app.app_name}-local-{worker.name}", region=region))
    return pollers
