"""From what the sample did to a month's quantities per meter, for all hosts.

Per-host counts scale linearly (hosts are independent); what belongs to the account
(idle polling of a queue) does not. Each simulated invocation stands for `weight` of its
part, and each part is in the month by the mix's weight (`part_weights`). Lambda: each
invocation billed at its function's memory, in 1 ms steps, plus cold starts (INIT is
billed since 2025-08-01). Paid bookings add requests payments will make but that are not
built yet: an estimate, kept apart.
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
    # Traffic clusters in the hosts' and clients' working hours: half the month's
    # minutes carry it (assumed), which halves the gaps that decide cold starts.
    active_share: float = 0.5
    # A booking page load makes 2-3 requests at once (the page, then its slots and
    # assets in parallel), each needing an environment of its own: at Penny's traffic
    # the API function keeps one or two warm, so the extra ones often start cold.
    # AWS says "under 1%" for steady traffic; the audit expected 2-5% here.
    api_cold_floor: float = 0.03
    cold_floor: float = 0.01              # AWS: cold starts in under 1% of invocations
    stripe_ms: float = 400.0              # a Checkout Session create, waited on
    secrets: int = len(SECURE_PARAMETERS)  # SecureStrings decrypted per cold start
    pollers_per_queue: int = 5            # Lambda's SQS pollers per idle queue
    polls_per_minute: float = 3.0         # each a 20-second long poll
    queues: int = len(QUEUES)
    compression: bool = True              # False: price the answers as if never gzipped


def part_weights(scenario: Scenario, kept_open: bool = False) -> dict[str, float]:
    """How much of each simulated part is in the month: all of the bookings, calendar,
    bots and account parts; each dashboard pattern by its share of hosts (as built, or
    as it was before hidden tabs closed their socket)."""
    suffix = ":kept-open" if kept_open else ""
    weights = {"bookings": 1.0, "account": 1.0, "calendar": 1.0, "bots": 1.0}
    for name, share in scenario.dashboard_mix.items():
        weights[f"dashboard:{name}{suffix}"] = share
    return weights


@dataclass
class FunctionMonth:
    name: str
    memory_mb: int
    invocations: float = 0.0
    billed_seconds: float = 0.0   # handler time, as billed
    cold_starts: float = 0.0
    init_seconds: float = 0.0
    mean_cpu_ms: float = 0.0      # reference ms (calibrate.py), one full core
    mean_billed_ms: float = 0.0

    @property
    def gb_seconds(self) -> float:
        return (self.billed_seconds + self.init_seconds) * self.memory_mb / 1024


@dataclass
class MonthUsage:
    usage: dict[str, float]
    functions: dict[str, FunctionMonth]


Weighted = list[tuple[Invocation, float]]  # each invocation with how many it is a month


def weighted(sample: Sample, scenario: Scenario, parts: dict[str, float]) -> Weighted:
    k = scenario.hosts / max(1, sample.hosts)
    return [(r, r.weight * parts.get(r.part, 0.0) * k) for r in sample.invocations
            if parts.get(r.part, 0.0) > 0]


def _median_ms(records: Weighted, label: str, scale: float) -> float:
    found = [modelled_ms(r, scale) for r, _ in records if r.label == label]
    return float(statistics.median(found)) if found else 0.0


def _mean(values: list[tuple[float, float]]) -> float:
    total = sum(w for _, w in values)
    return sum(v * w for v, w in values) / total if total else 0.0


def functions_month(records: Weighted, memory: Callable[[str], int]
                    ) -> dict[str, FunctionMonth]:
    months: dict[str, FunctionMonth] = {}
    cpu: dict[str, list[tuple[float, float]]] = {}
    for record, n in records:
        mb = memory(record.function)
        f = months.setdefault(record.function, FunctionMonth(record.function, mb))
        f.invocations += n
        f.billed_seconds += modelled_ms(record, cpu_scale(mb)) / 1000 * n
        cpu.setdefault(record.function, []).append((record.cpu_ms, n))
    for f in months.values():
        f.mean_cpu_ms = _mean(cpu[f.name])
    return months


def add_paid_estimate(records: Weighted, scenario: Scenario,
                      months: dict[str, FunctionMonth], options: Options) -> dict[str, float]:
    """Payments are not built: what a paid booking will add, estimated from the measured
    booking. A Checkout Session create (waited on in the booking request), one webhook
    request (about a booking's work: verify, read, one transaction), the return page,
    and the confirming change on the stream."""
    paid = scenario.bookings * scenario.paid_share
    if not paid or API not in months:
        return {}
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
    bookings = [(r, n) for r, n in records if r.label == booking_label]
    return {"front_door": 2 * paid,
            "lambda.requests": (3 if stream is not None else 2) * paid,
            "dynamodb.read_units": paid * _mean([(r.read_units, 1.0) for r, _ in bookings]),
            "dynamodb.write_units": paid * _mean([(r.write_units, 1.0) for r, _ in bookings])}


def cold_starts(months: dict[str, FunctionMonth], init_ms: dict[str, float],
                options: Options) -> None:
    for f in months.values():
        share = cold_start_share(f.invocations, MONTH_MINUTES * options.active_share,
                                 options.warm_minutes,
                                 options.api_cold_floor if f.name == API else options.cold_floor)
        f.cold_starts = f.invocations * share
        f.init_seconds = f.cold_starts * init_ms["api" if f.name == API else "events"] / 1000
        f.mean_billed_ms = f.billed_seconds * 1000 / f.invocations if f.invocations else 0.0


def storage_gb(sample: Sample, scenario: Scenario, months: int = 12) -> float:
    """The table after `months` of the scenario: the set-up once, what a month keeps for
    good `months` times, what expires (TTL) once."""
    if not sample.hosts:
        return 0.0
    growth = max(0, sample.stored_kept - sample.stored_setup)
    per_host = (sample.stored_setup + months * growth + sample.stored_expiring) / sample.hosts
    return per_host * scenario.hosts / GB


def month_usage(sample: Sample, scenario: Scenario, memory: Callable[[str], int],
                init_ms: dict[str, float], options: Options, log_retention_days: int,
                parts: dict[str, float] | None = None) -> MonthUsage:
    """`memory`: a function's MB by its app.py name (`Deployment.memory`); `parts`: the
    month's mix (default `part_weights(scenario)`)."""
    parts = part_weights(scenario) if parts is None else parts
    records = weighted(sample, scenario, parts)
    k = scenario.hosts / max(1, sample.hosts)
    months = functions_month(records, memory)
    paid = add_paid_estimate(records, scenario, months, options)
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
        sqs = sum(n for r, n in records for call in r.requests if call.startswith("sqs."))
    logged = sum(r.log_bytes * n for r, n in records)
    if options.system_log_level == "INFO":
        logged += sum(f.invocations * platform_log_bytes(f.memory_mb) for f in months.values())
    ingested = logged / GB
    kept = min(1.0, log_retention_days / 30) if log_retention_days else 1.0
    sent = sum((r.bytes_out if options.compression else r.bytes_identity) * n
               for r, n in records)
    minutes = sum(m * parts.get(part, 0.0) for part, m in sample.connection_minutes.items())
    usage = {
        "lambda.requests": invocations,
        "lambda.gb_seconds": sum(f.gb_seconds for f in months.values()),
        front_door: sum(n for r, n in records if r.function == API)
        + paid.get("front_door", 0.0),
        "apigw.ws_messages": sum((r.ws_in_units + r.ws_out_units) * n for r, n in records),
        "apigw.ws_connection_minutes": minutes * k,
        "dynamodb.read_units": sum(r.read_units * n for r, n in records)
        + paid.get("dynamodb.read_units", 0.0),
        "dynamodb.write_units": sum(r.write_units * n for r, n in records)
        + paid.get("dynamodb.write_units", 0.0),
        "dynamodb.storage_gb_month": storage_gb(sample, scenario),
        "dynamodb.stream_reads": months[STREAM].invocations if STREAM in months else 0.0,
        "sns.publishes": sum(r.sns_units * n for r, n in records),
        "sns.deliveries": worker_invocations,
        "sqs.requests": sqs,
        "logs.ingested_gb": ingested,
        "logs.stored_gb_month": ingested * kept,
        "ssm.parameter_reads": cold,
        "kms.requests": cold * options.secrets,
        "data_transfer.out_gb": sent / GB,
    }
    return MonthUsage(usage, months)
