"""Replay the table stream's failed batches: `make redrive CONSUMER=stream`.

When BookingEvents keeps failing on a stream batch, Lambda gives up after its retries and
notes in the stream's queue where the batch was (shard, first and last sequence number),
not the records. The stream keeps records for 24 hours: this reads each noted batch back,
keeps what the event source's filter passes (store/stream.py), and invokes BookingEvents with
them as the event source would. A note is deleted once its batch succeeds; one whose
batch fails again, or has left the stream, stays in the queue and is counted.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from chalicelib.store.stream import passes_filter
from infra.messaging import STREAM_DEAD_LETTER_QUEUE
from infra.stack import physical_id

Invoke = Callable[[dict[str, Any]], bool]  # an event in, True when the function succeeded


def batch_records(streams: Any, info: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The noted batch's records, as Lambda's event has them; None once trimmed."""
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=info["streamArn"], ShardId=info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=info["startSequenceNumber"])["ShardIterator"]
    except ClientError:  # TrimmedDataAccessException, or the shard is gone
        return None
    end = int(info["endSequenceNumber"])
    records: list[dict[str, Any]] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return records
            if passes_filter(record["dynamodb"]):
                records.append({**record, "eventSourceARN": info["streamArn"]})
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    return records


def _wire(value: Any) -> Any:
    # boto3 decodes what Lambda's event carries encoded: times as epoch seconds, binary
    # attributes as base64.
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(type(value).__name__)


def replay(sqs: Any, streams: Any, queue_url: str, invoke: Invoke) -> int:
    """Replay every noted batch once; return how many notes are left."""
    left = 0
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=1, VisibilityTimeout=300)
        fresh = [m for m in messages.get("Messages", []) if m["MessageId"] not in seen]
        if not fresh:
            return left
        for message in fresh:
            seen.add(message["MessageId"])
            info = json.loads(message["Body"])["DDBStreamBatchInfo"]
            records = batch_records(streams, info)
            event = json.loads(json.dumps({"Records": records or []}, default=_wire))
            if records is not None and (not records or invoke(event)):
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                left += 1


def lambda_invoke(lambda_client: Any, function: str) -> Invoke:
    def invoke(event: dict[str, Any]) -> bool:
        answer = lambda_client.invoke(FunctionName=function, Payload=json.dumps(event))
        return "FunctionError" not in answer
    return invoke


def replay_stack(session: boto3.Session, stack: str) -> int:
    cfn = session.client("cloudformation")
    queue_url = physical_id(cfn, stack, STREAM_DEAD_LETTER_QUEUE)
    function = physical_id(cfn, stack, "BookingEvents")
    return replay(session.client("sqs"), session.client("dynamodbstreams"), queue_url,
                  lambda_invoke(session.client("lambda"), function))
