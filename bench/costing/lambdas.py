"""Lambda invocations as the bill sees them: which function, how long, how much logged.

Each handler runs in-process on this thread; its wall time and this thread's CPU time
are measured, minus the meter's bookkeeping and moto's own answering, with the AWS
requests it made. On Lambda a function gets CPU in proportion to its memory (a full
vCPU at 1,769 MB), so the model bills `runtime + cpu * cpu_scale + waiting`: the CPU
part slowed to the function's share, and the waiting as one typical in-region round
trip per AWS request (LATENCY_MS, assumed). moto is no model of DynamoDB's latency: it
copies a whole table for every transaction and scans every item for an index query.

What the handlers log is captured as Lambda's JSON log format would ingest it: each
record at or above the application log level becomes one JSON line; print() output is
ingested as is. The platform's start/report lines come only with system level INFO.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bench.costing.meter import AwsMeter
from bench.costing.units import billed_ms

# Typical round trips from a Lambda function to a service in the same region, in ms
# (assumed: DynamoDB's "single-digit milliseconds", a transaction's two phases, SNS and
# the WebSocket management API a little slower).
LATENCY_MS = {"dynamodb.GetItem": 4.0, "dynamodb.Query": 5.0, "dynamodb.BatchGetItem": 6.0,
              "dynamodb.PutItem": 6.0, "dynamodb.UpdateItem": 6.0, "dynamodb.DeleteItem": 6.0,
              "dynamodb.TransactWriteItems": 12.0, "dynamodb.TransactGetItems": 8.0,
              "dynamodb.BatchWriteItem": 8.0, "sns.Publish": 15.0,
              "execute-api.PostToConnection": 20.0, "execute-api.GetConnection": 20.0,
              "execute-api.DeleteConnection": 20.0, "scheduler.CreateSchedule": 20.0}
DEFAULT_LATENCY_MS = 10.0
# A vendor's API from Lambda, in ms (assumed, from the vendors' typical answers over the
# internet: a read 100-200 ms, a write that makes a conference or meeting longer, a
# payment object 300-500 ms; a brief from Gemini Flash-Lite, a few hundred tokens of
# structured answer after a little thinking, about 2 s).
PROVIDER_LATENCY_MS = {"token": 120.0, "freebusy.query": 150.0, "events.list": 150.0,
                       "events.insert": 450.0, "events.patch": 300.0,
                       "events.update": 300.0, "events.delete": 200.0, "events.watch": 250.0,
                       "channels.stop": 150.0, "calendarList.list": 150.0,
                       "checkout.sessions.create": 400.0, "checkout.sessions.expire": 300.0,
                       "checkout.sessions.retrieve": 200.0, "payment_intents.retrieve": 200.0,
                       "refunds.create": 400.0, "orders.create": 300.0,
                       "payments.refunds": 200.0, "payments.refund": 400.0,
                       "generateContent": 2000.0}
DEFAULT_PROVIDER_LATENCY_MS = 200.0
# The runtime's own work in every billed invocation: taking the event from the Runtime
# API, JSON in and out, posting the result (assumed; a Python "hello" bills 1-2 ms).
RUNTIME_OVERHEAD_MS = 1.0
LOG_EVENT_OVERHEAD = 26  # bytes CloudWatch Logs counts per event besides its message
VCPU_MEMORY_MB = 1769    # the memory at which a function gets one full vCPU


@dataclass(frozen=True)
class Invocation:
    function: str
    label: str  # what it served: a route ("GET /hosts/{host}"), "stream", "sns", "$connect"
    requests: tuple[str, ...]  # the AWS requests it made, in order
    cpu_ms: float              # reference ms (calibrate.py): the same on any machine, any load
    log_bytes: int
    read_units: float = 0.0
    write_units: float = 0.0
    part: str = "bookings"     # which part of the month it belongs to (scenario.PARTS)
    weight: float = 1.0        # how many identical invocations it stands for
    sns_units: int = 0         # 64 KB publish units it sent
    ws_out_units: int = 0      # 32 KB WebSocket message units it pushed to dashboards
    ws_in_units: int = 0       # the inbound WebSocket message it handled ($default)
    bytes_out: int = 0         # bytes it sent to the internet: its answer, as sent, and
    bytes_identity: int = 0    # its vendor requests; the same without content encoding
    vendor_bytes: int = 0      # of which its requests to the vendors' APIs
    provider_calls: tuple[str, ...] = ()  # calls to a vendor's API ("google.events.list")
    host: int = -1             # the sample host it belongs to (-1: none)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0
        self.request_id = ""

    def emit(self, record: logging.LogRecord) -> None:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "message": record.getMessage(),
            "logger": record.name, "requestId": self.request_id}
        if record.exc_info and record.exc_info[1] is not None:
            line.update(errorType=type(record.exc_info[1]).__name__,
                        errorMessage=str(record.exc_info[1]),
                        stackTrace=logging.Formatter().formatException(
                            record.exc_info).splitlines())
        self.bytes += len(json.dumps(line).encode()) + 1 + LOG_EVENT_OVERHEAD


class Invocations:
    """Runs handlers and records each invocation while `enabled`.

    `part`, `weight` and `host` say what the next invocations stand for (set by the
    harness); `cpu_factor` turns this thread's CPU into reference ms (calibrate.py).
    `extra` supplies what the meter does not see (set per invocation by the harness: the
    WebSocket units, the bytes sent, the vendor calls), as a callable reading the
    response.
    """

    def __init__(self, meter: AwsMeter, app_log_level: str = "INFO") -> None:
        self.meter = meter
        self.enabled = False
        self.records: list[Invocation] = []
        self.part = "bookings"
        self.weight = 1.0
        self.host = -1
        self.cpu_factor = 1.0
        self.provider_calls: Callable[[], tuple[str, ...]] = tuple
        self.vendor_bytes: Callable[[], int] = int  # bytes sent to the vendors so far
        self._level = logging.getLevelName(app_log_level)

    def invoke(self, function: str, label: str, handler: Callable[[Any, Any], Any],
               event: Any, context: Any, **extra: Any) -> Any:
        if not self.enabled:
            return handler(event, context)
        capture = _Capture()
        capture.request_id = str(uuid.uuid4())
        capture.setLevel(self._level)
        root = logging.getLogger()
        saved_level = root.level
        root.addHandler(capture)
        root.setLevel(self._level)
        printed = io.StringIO()
        self.provider_calls()  # what the vendors answered so far is not this invocation's
        vendor0 = self.vendor_bytes()
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        over_wall0, over_cpu0 = self.meter.overhead_wall, self.meter.overhead_cpu
        trace0 = len(self.meter.trace)
        reads0, writes0 = self.meter.units_so_far()
        sns0 = self.meter.usage.sns_publish_units
        helpers = [0.0]
        try:
            with redirect_stdout(printed), self._helper_cpu(helpers):
                return handler(event, context)
        finally:
            wall = time.perf_counter() - wall0 - (self.meter.overhead_wall - over_wall0)
            cpu = time.thread_time() - cpu0 - (self.meter.overhead_cpu - over_cpu0)
            root.removeHandler(capture)
            root.setLevel(saved_level)
            lines = printed.getvalue().splitlines()
            log_bytes = capture.bytes + sum(len(line.encode()) + 1 + LOG_EVENT_OVERHEAD
                                            for line in lines)
            reads, writes = self.meter.units_so_far()
            vendor = self.vendor_bytes() - vendor0
            # The helper threads' CPU adds to it: a function's threads share its slice of
            # a vCPU, and the handler waits for them.
            raw = (max(0.0, min(cpu, wall)) + helpers[0]) * 1000
            self.records.append(Invocation(
                function, label, tuple(self.meter.trace[trace0:]), raw * self.cpu_factor,
                log_bytes, reads - reads0, writes - writes0, part=self.part,
                weight=self.weight, sns_units=self.meter.usage.sns_publish_units - sns0,
                provider_calls=self.provider_calls(), host=self.host,
                bytes_out=vendor, bytes_identity=vendor, vendor_bytes=vendor, **extra))

    @contextmanager
    def _helper_cpu(self, total: list[float]) -> Iterator[None]:
        """Count the CPU of the tasks the handler hands to thread pools (its parallel
        provider calls and syncs) into `total`, moto's and the meter's own time apart."""
        submit = ThreadPoolExecutor.submit
        meter, lock = self.meter, threading.Lock()

        def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
            def run(*args: Any, **kwargs: Any) -> Any:
                cpu0, over0 = time.thread_time(), meter.overhead_cpu
                try:
                    return fn(*args, **kwargs)
                finally:
                    spent = time.thread_time() - cpu0 - (meter.overhead_cpu - over0)
                    with lock:
                        total[0] += max(0.0, spent)
            return run

        def counted(pool: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any,
                    **kwargs: Any) -> Any:
            return submit(pool, timed(fn), *args, **kwargs)

        ThreadPoolExecutor.submit = counted  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]

    def amend(self, **changes: Any) -> None:
        """Add what only the caller knows (the answer's bytes) to the last invocation; its
        answer's bytes go out besides its requests to the vendors."""
        if self.enabled and self.records:
            last = self.records[-1]
            for sent in ("bytes_out", "bytes_identity"):
                if sent in changes:
                    changes[sent] += last.vendor_bytes
            self.records[-1] = replace(last, **changes)


def cpu_scale(memory_mb: int) -> float:
    """How much slower CPU-bound code runs at `memory_mb` than on one full core."""
    return max(1.0, VCPU_MEMORY_MB / memory_mb)


def modelled_ms(invocation: Invocation, scale: float) -> int:
    """The invocation's billed duration on Lambda."""
    waiting = sum(LATENCY_MS.get(r, DEFAULT_LATENCY_MS) for r in invocation.requests)
    waiting += sum(PROVIDER_LATENCY_MS.get(call.split(".", 1)[-1], DEFAULT_PROVIDER_LATENCY_MS)
                   for call in invocation.provider_calls)
    return billed_ms(RUNTIME_OVERHEAD_MS + invocation.cpu_ms * scale + waiting)


def platform_log_bytes(memory_mb: int) -> int:
    """Bytes of the platform.start and platform.report lines of one invocation (JSON)."""
    request = str(uuid.UUID(int=0))
    start = {"time": "2026-11-24T18:00:00.000Z", "type": "platform.start",
             "record": {"requestId": request, "version": "$LATEST"}}
    report = {"time": "2026-11-24T18:00:00.012Z", "type": "platform.report",
              "record": {"requestId": request, "metrics": {
                  "durationMs": 12.345, "billedDurationMs": 13, "memorySizeMB": memory_mb,
                  "maxMemoryUsedMB": 123}, "status": "success"}}
    return sum(len(json.dumps(line).encode()) + 1 + LOG_EVENT_OVERHEAD
               for line in (start, report))
