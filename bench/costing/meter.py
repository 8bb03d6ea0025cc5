"""Counting what Penny's code asks of AWS, per service and operation, in billing units.

Hooked (local.metering.observe_calls) onto the clients the Lambda code uses, so the
harness's own calls (reading the stream, draining delivery queues) are never counted.
moto answers ReturnConsumedCapacity with constants (0.5 per GetItem, 2.0 per
transaction item, whatever the size), so DynamoDB units are computed here from the items
sent and returned; a write's old image is read just before it, and an update's new image
just after, through a client of the meter's own (the time spent doing that is kept
apart, so it is not billed to the Lambda that made the write). A filtered Query or Scan
is billed on the items it read, and a refused conditional write on the larger of the
stored item and the one attempted, as DynamoDB bills them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.costing.prices import message_units
from bench.costing.units import Item, chunks, index_writes, item_size, read_units, write_units
from local.metering import ApiCall

Lookup = Callable[[dict[str, Any]], Item | None]  # key -> the item now stored, if any
# (operation, params) -> the items a Query or Scan page read, its filter left out
Unfiltered = Callable[[str, dict[str, Any]], list[Item]]
SNS_UNIT = message_units()["sns.publishes"]  # bytes billed as one publish


@dataclass
class Usage:
    read_units: dict[str, float] = field(default_factory=dict)   # per operation
    write_units: dict[str, float] = field(default_factory=dict)  # per operation, GSIs apart
    sns_publish_units: int = 0


class _PerThread(threading.local):
    """What the meter keeps for each thread: a handler's helper threads (its parallel
    provider calls, its syncs) make AWS requests alongside the handler's own."""

    def __init__(self) -> None:
        self.overhead_wall = 0.0  # seconds spent metering or in moto, on this thread
        self.overhead_cpu = 0.0
        self.before: list[Item | None] = []
        self.aws_started = (0.0, 0.0)


class AwsMeter:
    def __init__(self, lookup: Lookup, key_names: tuple[str, ...],
                 indexes: dict[str, tuple[str, ...]],
                 unfiltered: Unfiltered | None = None) -> None:
        self.usage = Usage()
        self.trace: list[str] = []  # every metered request in order: "dynamodb.Query"
        self.enabled = False
        self.errors = 0  # requests the meter could not price (reported, never raised)
        self._lookup = lookup
        self._unfiltered = unfiltered
        self._key_names = key_names
        self._indexes = indexes
        self._thread = _PerThread()

    @property
    def overhead_wall(self) -> float:
        """Seconds spent metering or in moto so far, on the calling thread."""
        return self._thread.overhead_wall

    @property
    def overhead_cpu(self) -> float:
        return self._thread.overhead_cpu

    # ---- hooks ----------------------------------------------------------------------

    def before(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if not self.enabled or service != "dynamodb":
            return
        with self._overhead():
            try:
                self._thread.before = [self._lookup(k)
                                        for k in self._write_keys(operation, params)]
            except Exception:  # never fail the request being metered
                self._thread.before = []
                self.errors += 1

    def after(self, call: ApiCall) -> None:
        if not self.enabled:
            return
        with self._overhead():
            self.note(f"{call.service}.{call.operation}")
            try:
                self._units(call)
            except Exception:  # never fail the request being metered; reported instead
                self.errors += 1

    def aws_begins(self, **_: Any) -> None:
        """First before-send hook: the embedded AWS is about to answer on this thread."""
        self._thread.aws_started = (time.perf_counter(), time.thread_time())

    def aws_answered(self, **_: Any) -> None:
        """Last before-send hook: moto has answered; its time is not the handler's."""
        self._spent_since(*self._thread.aws_started)

    def _spent_since(self, wall: float, cpu: float) -> None:
        """Count the time since (`wall`, `cpu`) as this thread's overhead."""
        self._thread.overhead_wall += time.perf_counter() - wall
        self._thread.overhead_cpu += time.thread_time() - cpu

    def units_so_far(self) -> tuple[float, float]:
        """Read and write request units counted so far (for per-invocation shares)."""
        return sum(self.usage.read_units.values()), sum(self.usage.write_units.values())

    def note(self, request: str) -> None:
        """Count a request made without a botocore client (postToConnection, here)."""
        self.trace.append(request)

    def _units(self, call: ApiCall) -> None:
        if call.service == "dynamodb":
            self._dynamodb(call)
        elif call.service == "sns" and call.operation == "Publish":
            self.usage.sns_publish_units += chunks(sns_size(call.params), SNS_UNIT)
        elif call.service == "sns" and call.operation == "PublishBatch":
            self.usage.sns_publish_units += sum(
                chunks(sns_size(entry), SNS_UNIT)
                for entry in call.params.get("PublishBatchRequestEntries", []))

    # ---- DynamoDB ---------------------------------------------------------------------

    def _key(self, item: Item) -> dict[str, Any]:
        return {name: item[name] for name in self._key_names}

    def _write_keys(self, operation: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if operation == "PutItem":
            return [self._key(params["Item"])]
        if operation in ("UpdateItem", "DeleteItem"):
            return [params["Key"]]
        if operation == "TransactWriteItems":
            return [self._action_key(action) for action in params["TransactItems"]]
        if operation == "BatchWriteItem":
            return [self._key(r["PutRequest"]["Item"]) if "PutRequest" in r
                    else r["DeleteRequest"]["Key"]
                    for requests in params["RequestItems"].values() for r in requests]
        return []

    def _action_key(self, action: dict[str, Any]) -> dict[str, Any]:
        (kind, body), = action.items()
        return self._key(body["Item"]) if kind == "Put" else body["Key"]

    def _dynamodb(self, call: ApiCall) -> None:
        op, params, response, ok = call.operation, call.params, call.response, call.status < 400
        reads = _Adder(self.usage.read_units)
        consistent = bool(params.get("ConsistentRead"))
        if op == "GetItem":
            reads[op] += read_units(item_size(response.get("Item")), consistent)
        elif op in ("Query", "Scan"):
            sizes = sum(item_size(item) for item in self._items_read(op, params, response))
            reads[op] += read_units(sizes, consistent)
        elif op == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                found = response.get("Responses", {}).get(table, [])
                missing = max(0, len(request["Keys"]) - len(found))
                request_consistent = bool(request.get("ConsistentRead"))
                reads[op] += sum(read_units(item_size(i), request_consistent) for i in found)
                reads[op] += missing * read_units(0, request_consistent)
        elif op == "TransactGetItems":
            for entry in response.get("Responses", []):
                reads[op] += read_units(item_size(entry.get("Item")), True, transactional=True)
        elif op == "PutItem":
            # Refused, it is still billed on the larger of the stored and attempted item
            # (the attempt touches no index: _write counts those only when ok).
            self._write(op, self._thread.before[0], params["Item"], ok)
        elif op == "UpdateItem":
            old = self._thread.before[0]
            after = self._lookup(params["Key"]) if ok else attempted_update(params)
            self._write(op, old, after, ok)
        elif op == "DeleteItem":
            self._write(op, self._thread.before[0], None, ok, delete=True)
        elif op == "TransactWriteItems":
            for action, old in zip(params["TransactItems"], self._thread.before, strict=True):
                (kind, body), = action.items()
                new = self._image_after(kind, body, old, ok)
                self._write(op, old, new, ok, delete=kind == "Delete", transactional=True,
                            touches_indexes=kind != "ConditionCheck")
        elif op == "BatchWriteItem":
            requests = [r for rs in params["RequestItems"].values() for r in rs]
            for request, old in zip(requests, self._thread.before, strict=True):
                put = request.get("PutRequest")
                self._write(op, old, put["Item"] if put else None, ok, delete=put is None)

    def _image_after(self, kind: str, body: dict[str, Any], old: Item | None,
                     ok: bool) -> Item | None:
        if kind == "Put":
            return body["Item"]  # type: ignore[no-any-return]
        if kind == "ConditionCheck":
            return old
        if kind == "Update":
            return self._lookup(body["Key"]) if ok else attempted_update(body)
        return None

    def _items_read(self, op: str, params: dict[str, Any], response: dict[str, Any]
                    ) -> list[Item]:
        """The items a Query or Scan page read: DynamoDB bills them before its filter
        ("a Query consumes the same amount of read capacity, regardless of whether a
        filter expression is present"). When the filter dropped some (ScannedCount over
        Count), the page is read again without it through the meter's own client."""
        returned: list[Item] = response.get("Items", [])
        filtered = any(params.get(name) for name in ("FilterExpression", "QueryFilter",
                                                      "ScanFilter"))
        if (not filtered or self._unfiltered is None
                or response.get("ScannedCount", 0) <= response.get("Count", len(returned))):
            return returned
        return self._unfiltered(op, params)

    def _write(self, op: str, old: Item | None, new: Item | None, ok: bool,
               delete: bool = False, transactional: bool = False,
               touches_indexes: bool = True) -> None:
        size = max(item_size(old), item_size(new))
        writes = _Adder(self.usage.write_units)
        writes[op] += write_units(size, transactional)
        if ok and touches_indexes:
            after = None if delete else new
            # Indexes are updated after the commit, as ordinary (not transactional) writes.
            for index, key_names in self._indexes.items():
                for index_size in index_writes(old, after, key_names):
                    writes[f"{op} -> {index}"] += write_units(index_size)

    def _overhead(self) -> _Stopwatch:
        return _Stopwatch(self)


class _Adder:
    """`adder[key] += n` on a dict of floats, missing keys starting at 0."""

    def __init__(self, totals: dict[str, float]) -> None:
        self._totals = totals

    def __getitem__(self, key: str) -> float:
        return self._totals.get(key, 0.0)

    def __setitem__(self, key: str, value: float) -> None:
        self._totals[key] = value


class _Stopwatch:
    def __init__(self, meter: AwsMeter) -> None:
        self._meter = meter

    def __enter__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.thread_time()

    def __exit__(self, *_: Any) -> None:
        self._meter._spent_since(self._wall, self._cpu)


def sns_size(params: dict[str, Any]) -> int:
    size = len(str(params.get("Message", "")).encode())
    for name, attribute in params.get("MessageAttributes", {}).items():
        value = attribute.get("StringValue") or attribute.get("BinaryValue") or b""
        size += len(name.encode()) + len(attribute.get("DataType", "").encode())
        size += len(value.encode() if isinstance(value, str) else value)
    return size


def attempted_update(params: dict[str, Any]) -> Item:
    """What a refused UpdateItem tried to store, for its size only: its key and the values
    it sets. DynamoDB bills a refused conditional write on the larger of the stored item
    and the one attempted; the meter takes the larger of this and the stored item, which
    is exact for a new item and a floor for an update that adds to a stored one (its
    values' names, and what the update would have kept, are not known here)."""
    values = params.get("ExpressionAttributeValues", {})
    return {**params.get("Key", {}),
            **{f"attempted{name}": value for name, value in values.items()}}
