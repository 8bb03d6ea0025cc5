"""Lambda's DynamoDB Streams event source mapping, for the local stack.

`StreamPoller` reads every shard of the table's stream and invokes the
`@app.on_dynamodb_record` handler with a DynamoDB-shaped event; a batch whose handler
raises is retried, with backoff, until it succeeds, blocking its shard as Lambda does.
Given the event source's filter (`record_filter`), a record it refuses invokes nothing,
as Lambda's filter criteria drop it: a batch of only such records is passed over.
Against the embedded AWS it also keeps moto's memory of shard iterators in check
(`forget_old_shard_iterators`).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from local.lambda_events import stream_record
from local.lambda_runtime import ACCOUNT, LambdaHandler
from local.polling import Poller, backoff

log = logging.getLogger(__name__)


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
        record_filter: Callable[[Mapping[str, Any]], bool] | None = None,
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
        # A record's `dynamodb` part (its images) -> whether the filter lets it through.
        self.record_filter = record_filter
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
        passed = [r for r in records
                  if self.record_filter is None or self.record_filter(r["dynamodb"])]
        if not passed or self._invoke(shard_id, shard, passed):
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
        records = [stream_record(r, stream_arn=self.stream_arn, region=self.region)
                   for r in response.get("Records", [])]
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
            delay = backoff(shard.attempts)
            log.exception(
                "%s failed on %d record(s) of %s (attempt %d); retrying in %.1f s",
                self.function_name, len(records), shard_id, shard.attempts, delay,
            )
            shard.retry_at = time.monotonic() + delay
            return False
        return True


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
