"""From what the sample did to a month's quantities per meter, for all hosts.

Per-host counts scale linearly (hosts are independent); what belongs to the account
(idle polling of a queue) does not. Each simulated invocation stands for `weight` of its
part, and each part is in the month by the mix's weight (`part_weights`); a booking's own
requests, paid or unpaid, by the scenario's paid share against the sample's
(`booking_shares`). Lambda: each invocation billed at its function's memory, in 1 ms
steps, plus cold starts (INIT is billed since 2025-08-01, and a cold start's first
request does its lazy work on top). EventBridge Scheduler: each
hold timer that fired is a scheduled invocation and an SNS publish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.costing.holds import ScheduleRun
from bench.costing.lambdas import Invocation, cpu_scale, modelled_ms, platform_log_bytes
from bench.costing.sample import Sample
from bench.costing.scenario import MONTH_MINUTES, PAID, UNPAID, Scenario
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
    weights = {"bookings": 1.0, PAID: 1.0, UNPAID: 1.0, "account": 1.0, "calendar": 1.0,
               "bots": 1.0}
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
    first_use_seconds: float = 0.0  # each cold start's first request's extra, as billed
    mean_cpu_ms: float = 0.0      # reference ms (calibrate.py), one full core
    mean_billed_ms: float = 0.0

    @property
    def gb_seconds(self) -> float:
        return ((self.billed_seconds + self.init_seconds + self.first_use_seconds)
                * self.memory_mb / 1024)


@dataclass
class MonthUsage:
    usage: dict[str, float]
    functions: dict[str, FunctionMonth]


Weighted = list[tuple[Invocation, float]]  # each invocation with how many it is a month


def booking_shares(sample: Sample, scenario: Scenario) -> dict[str, float]:
    """How much of the paid and unpaid bookings' own requests are in the month: the
    sample ran some share of its bookings paid, the scenario may want another (none, to
    price the same month unpaid). A sample with only one kind is priced as it ran."""
    ran = sample.paid_bookings / sample.bookings if sample.bookings else 0.0
    if not 0 < ran < 1:
        return {}
    return {PAID: scenario.paid_share / ran, UNPAID: (1 - scenario.paid_share) / (1 - ran)}


def _factors(sample: Sample, scenario: Scenario, parts: dict[str, float]
             ) -> dict[str, float]:
    shares = booking_shares(sample, scenario)
    k = scenario.hosts / max(1, sample.hosts)
    return {part: weight * shares.get(part, 1.0) * k for part, weight in parts.items()}


def weighted(sample: Sample, scenario: Scenario, parts: dict[str, float]) -> Weighted:
    factors = _factors(sample, scenario, parts)
    return [(r, r.weight * factors[r.part]) for r in sample.invocations
            if factors.get(r.part, 0.0) > 0]


def weighted_schedules(sample: Sample, scenario: Scenario, parts: dict[str, float]
                       ) -> list[tuple[ScheduleRun, float]]:
    """The hold timers that fired, each with how many it is a month."""
    factors = _factors(sample, scenario, parts)
    return [(run, run.weight * factors[run.part]) for run in sample.schedules
            if factors.get(run.part, 0.0) > 0]


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


def _init(function: str, init_ms: dict[str, float]) -> float:
    """A function's INIT: the API's, a worker's own (its job and vendor SDK: `notes` for
    notes_worker, when measured), else the other functions' ("events")."""
    if function == API:
        return init_ms["api"]
    return init_ms.get(function.removesuffix("_worker"), init_ms["events"])


def cold_starts(months: dict[str, FunctionMonth], init_ms: dict[str, float],
                options: Options, first_use_ms: dict[str, float] | None = None) -> None:
    """Each function's cold starts, and what they add: INIT (reference ms at one full
    core: Lambda gives INIT a full vCPU) and the first request's own lazy work (its
    clients, validators, discovery documents: reference ms, run inside the first
    invocation at the function's share of a vCPU; infra/cold_path.py's FIRST_USE), which
    the metered month never sees because it runs after a warm-up."""
    for f in months.values():
        share = cold_start_share(f.invocations, MONTH_MINUTES * options.active_share,
                                 options.warm_minutes,
                                 options.api_cold_floor if f.name == API else options.cold_floor)
        f.cold_starts = f.invocations * share
        f.init_seconds = f.cold_starts * _init(f.name, init_ms) / 1000
        if first_use_ms:
            f.first_use_seconds = (f.cold_starts * _init(f.name, first_use_ms)
                                   * cpu_scale(f.memory_mb) / 1000)
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
                parts: dict[str, float] | None = None,
                first_use_ms: dict[str, float] | None = None) -> MonthUsage:
    """`memory`: a function's MB by its app.py name (`Deployment.memory`); `parts`: the
    month's mix (default `part_weights(scenario)`); `init_ms` and `first_use_ms`: each
    function kind's cold start (sample.cold_starts_ms)."""
    parts = part_weights(scenario) if parts is None else parts
    records = weighted(sample, scenario, parts)
    k = scenario.hosts / max(1, sample.hosts)
    scheduled = weighted_schedules(sample, scenario, parts)
    months = functions_month(records, memory)
    cold_starts(months, init_ms, options, first_use_ms)
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
        front_door: sum(n for r, n in records if r.function == API),
        "apigw.ws_messages": sum((r.ws_in_units + r.ws_out_units) * n for r, n in records),
        "apigw.ws_connection_minutes": minutes * k,
        "dynamodb.read_units": sum(r.read_units * n for r, n in records),
        "dynamodb.write_units": sum(r.write_units * n for r, n in records),
        "dynamodb.storage_gb_month": storage_gb(sample, scenario),
        "dynamodb.stream_reads": months[STREAM].invocations if STREAM in months else 0.0,
        "sns.publishes": sum(r.sns_units * n for r, n in records)
        + sum(run.sns_units * n for run, n in scheduled),
        "sns.deliveries": worker_invocations,
        "sqs.requests": sqs,
        "scheduler.invocations": sum(n for _, n in scheduled),
        "logs.ingested_gb": ingested,
        "logs.stored_gb_month": ingested * kept,
        "ssm.parameter_reads": cold,
        "kms.requests": cold * options.secrets,
        "data_transfer.out_gb": sent / GB,
    }
    return MonthUsage(usage, months)
