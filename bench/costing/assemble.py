"""From what the sample did to a month's quantities per meter, for all hosts.

Per-host counts scale linearly (hosts are independent); what belongs to the account
(idle polling of a queue) does not. Lambda: each invocation billed at its function's
memory, in 1 ms steps, plus cold starts (INIT is billed since 2025-08-01). Paid bookings
add requests payments will make but that are not built yet: an estimate, kept apart.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from bench.costing.lambdas import Invocation, cpu_scale, modelled_ms, platform_log_bytes
from bench.costing.sample import Sample
from bench.costing.scenario import MONTH_MINUTES, Scenario
from bench.costing.units import cold_start_share
from chalicelib.settings import SECURE_PARAMETERS
from chalicelib.store.queues import QUEUES

GB = 2**30
API = "api_handler"
STREAM = "booking_events"


@dataclass(frozen=True)
class Options:
    front_door: str = "function-url"      # function-url | rest | http-api
    worker_delivery: str = "sns-push"     # sns-push | sqs-poll
    system_log_level: str = "WARN"        # WARN: no platform lines; INFO: start + report
    warm_minutes: float = 10.0            # an idle environment lives about this long
    cold_floor: float = 0.01              # AWS: cold starts in under 1% of invocations
    stripe_ms: float = 400.0              # a Checkout Session create, waited on
    secrets: int = len(SECURE_PARAMETERS)  # SecureStrings decrypted per cold start
    pollers_per_queue: int = 5            # Lambda's SQS pollers per idle queue
    polls_per_minute: float = 3.0         # each a 20-second long poll
    queues: int = len(QUEUES)


@dataclass
class FunctionMonth:
    name: str
    memory_mb: int
    invocations: float = 0.0
    billed_seconds: float = 0.0   # handler time, as billed
    cold_starts: float = 0.0
    init_seconds: float = 0.0
    mean_cpu_ms: float = 0.0      # measured on this machine, one full core
    mean_billed_ms: float = 0.0

    @property
    def gb_seconds(self) -> float:
        return (self.billed_seconds + self.init_seconds) * self.memory_mb / 1024


@dataclass
class MonthUsage:
    usage: dict[str, float]
    functions: dict[str, FunctionMonth]


def _median_ms(records: list[Invocation], label: str, scale: float) -> float:
    found = [modelled_ms(r, scale) for r in records if r.label == label]
    return float(statistics.median(found)) if found else 0.0


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def functions_month(sample: Sample, scenario: Scenario,
                    memory: Callable[[str], int]) -> dict[str, FunctionMonth]:
    months: dict[str, FunctionMonth] = {}
    for record in sample.invocations:
        mb = memory(record.function)
        f = months.setdefault(record.function, FunctionMonth(record.function, mb))
        f.invocations += scenario.scale
        f.billed_seconds += modelled_ms(record, cpu_scale(mb)) / 1000 * scenario.scale
    for f in months.values():
        mine = [r for r in sample.invocations if r.function == f.name]
        f.mean_cpu_ms = _mean([r.cpu_ms for r in mine])
    return months


def add_paid_estimate(sample: Sample, scenario: Scenario, months: dict[str, FunctionMonth],
                      options: Options) -> dict[str, float]:
    """Payments are not built: what a paid booking will add, estimated from the measured
    booking. A Checkout Session create (waited on in the booking request), one webhook
    request (about a booking's work: verify, read, one transaction), the return page,
    and the confirming change on the stream."""
    paid = scenario.bookings * scenario.paid_share
    if not paid or API not in months:
        return {}
    records = sample.invocations
    api, stream = months[API], months.get(STREAM)
    api_scale = cpu_scale(api.memory_mb)
    booking_label = "POST /hosts/{host}/{event}/bookings"
    book_ms = _median_ms(records, booking_label, api_scale)
    return_ms = _median_ms(records, "GET /booking/{uid}", api_scale)
    api.invocations += 2 * paid
    api.billed_seconds += paid * (options.stripe_ms + book_ms + return_ms) / 1000
    if stream is not None:
        stream.invocations += paid
        stream.billed_seconds += paid * _median_ms(records, "stream",
                                                   cpu_scale(stream.memory_mb)) / 1000
    bookings = [r for r in records if r.label == booking_label]
    return {"front_door": 2 * paid,
            "lambda.requests": (3 if stream is not None else 2) * paid,
            "dynamodb.read_units": paid * _mean([r.read_units for r in bookings]),
            "dynamodb.write_units": paid * _mean([r.write_units for r in bookings])}


def cold_starts(months: dict[str, FunctionMonth], init_ms: dict[str, float],
                options: Options) -> None:
    for f in months.values():
        share = cold_start_share(f.invocations, MONTH_MINUTES, options.warm_minutes,
                                 options.cold_floor)
        f.cold_starts = f.invocations * share
        f.init_seconds = f.cold_starts * init_ms["api" if f.name == API else "events"] / 1000
        f.mean_billed_ms = f.billed_seconds * 1000 / f.invocations if f.invocations else 0.0


def month_usage(sample: Sample, scenario: Scenario, memory: Callable[[str], int],
                init_ms: dict[str, float], options: Options,
                log_retention_days: int) -> MonthUsage:
    """`memory`: a function's MB by its app.py name (`Deployment.memory`)."""
    k = scenario.scale
    months = functions_month(sample, scenario, memory)
    paid = add_paid_estimate(sample, scenario, months, options)
    cold_starts(months, init_ms, options)
    invocations = sum(f.invocations for f in months.values())
    cold = sum(f.cold_starts for f in months.values())
    front_door = {"function-url": "function_url.requests", "rest": "apigw.rest_requests",
                  "http-api": "apigw.http_requests"}[options.front_door]
    worker_invocations = sum(f.invocations for f in months.values()
                             if f.name.endswith("_worker"))
    if options.worker_delivery == "sqs-poll":
        idle_polls = (options.queues * options.pollers_per_queue * options.polls_per_minute
                      * MONTH_MINUTES)
        # SNS's SendMessage into the queue and the poller's delete, per message.
        sqs = idle_polls + 2 * worker_invocations
    else:
        sqs = sum(n for name, n in sample.usage.calls.items() if name.startswith("sqs.")) * k
    logged = sum(r.log_bytes for r in sample.invocations) * k
    if options.system_log_level == "INFO":
        logged += sum(f.invocations * platform_log_bytes(f.memory_mb) for f in months.values())
    ingested = logged / GB
    kept = min(1.0, log_retention_days / 30) if log_retention_days else 1.0
    usage = {
        "lambda.requests": invocations,
        "lambda.gb_seconds": sum(f.gb_seconds for f in months.values()),
        front_door: sample.front_door_requests * k + paid.get("front_door", 0.0),
        "apigw.ws_messages": (sample.ws_inbound_units + sample.ws_outbound_units) * k,
        "apigw.ws_connection_minutes": sample.connection_minutes * k,
        "dynamodb.read_units": sum(sample.usage.read_units.values()) * k
        + paid.get("dynamodb.read_units", 0.0),
        "dynamodb.write_units": sum(sample.usage.write_units.values()) * k
        + paid.get("dynamodb.write_units", 0.0),
        "dynamodb.storage_gb_month": sample.stored_bytes * k / GB,
        "dynamodb.stream_reads": months[STREAM].invocations if STREAM in months else 0.0,
        "sns.publishes": sample.usage.sns_publish_units * k,
        "sns.deliveries": worker_invocations,
        "sqs.requests": sqs,
        "logs.ingested_gb": ingested,
        "logs.stored_gb_month": ingested * kept,
        "ssm.parameter_reads": cold,
        "kms.requests": cold * options.secrets,
    }
    return MonthUsage(usage, months)
