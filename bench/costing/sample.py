"""Measuring the sample: sample hosts split across processes, their counts merged.

Hosts share nothing, so `jobs` processes each run their share of the sample hosts on
their own embedded AWS (this 2-core machine runs two at once); the counts add up.
Also here: the cold-start (INIT) time of the functions, measured in fresh interpreters
as bench/cold_start.py measures it.
"""

from __future__ import annotations

import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from bench.cold_start import FIRST_REQUEST, wall
from bench.costing.lambdas import Invocation
from bench.costing.meter import Usage
from bench.costing.scenario import Scenario


@dataclass
class Sample:
    """Everything the sample hosts' month did (not yet scaled to all hosts)."""

    invocations: list[Invocation] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    front_door_requests: int = 0
    ws_inbound_units: int = 0
    ws_outbound_units: int = 0
    connection_minutes: float = 0.0
    stored_bytes: int = 0
    bookings: int = 0
    booking_failures: int = 0
    meter_errors: int = 0
    booking_assets: int = 0
    dashboard_assets: int = 0
    keepalive_minutes: float = 9.0

    def add(self, other: Sample) -> None:
        self.invocations += other.invocations
        self.usage.calls.update(other.usage.calls)
        for totals, more in ((self.usage.read_units, other.usage.read_units),
                             (self.usage.write_units, other.usage.write_units)):
            for key, value in more.items():
                totals[key] = totals.get(key, 0.0) + value
        self.usage.sns_publish_units += other.usage.sns_publish_units
        for name in ("front_door_requests", "ws_inbound_units", "ws_outbound_units",
                     "connection_minutes", "stored_bytes", "bookings", "booking_failures",
                     "meter_errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.booking_assets, self.dashboard_assets = other.booking_assets, other.dashboard_assets
        self.keepalive_minutes = other.keepalive_minutes


def run_hosts(scenario: Scenario, first: int, count: int, app_log_level: str) -> Sample:
    """One process's share: sample hosts first .. first + count - 1."""
    from bench.costing.harness import Harness
    from bench.costing.month import Month

    harness = Harness().start(app_log_level)
    try:
        month = Month(scenario, harness)
        month.run(range(first, first + count))
        h = harness
        return Sample(
            invocations=h.invocations.records, usage=h.meter.usage,
            front_door_requests=h.front_door_requests, ws_inbound_units=h.ws_inbound_units,
            ws_outbound_units=h.sender.units, connection_minutes=h.connection_minutes,
            stored_bytes=month.stored_bytes, bookings=month.bookings_made,
            booking_failures=month.booking_failures, meter_errors=h.meter.errors,
            booking_assets=len(month.booking_assets),
            dashboard_assets=len(month.dashboard_assets), keepalive_minutes=month.keepalive_minutes)
    finally:
        harness.close()


def measure(scenario: Scenario, jobs: int, app_log_level: str = "INFO") -> Sample:
    jobs = max(1, min(jobs, scenario.sample_hosts))
    shares = [scenario.sample_hosts // jobs + (1 if n < scenario.sample_hosts % jobs else 0)
              for n in range(jobs)]
    starts = [sum(shares[:n]) for n in range(jobs)]
    total = Sample()
    if jobs == 1:
        total.add(run_hosts(scenario, 0, shares[0], app_log_level))
        return total
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_hosts, scenario, start, share, app_log_level)
                   for start, share in zip(starts, shares, strict=True)]
        for future in futures:
            total.add(future.result())
    return total


def init_ms(kind: str, runs: int = 3) -> float:
    """Median wall time of a fresh interpreter doing a function's first-request imports
    (bench/cold_start.py's list); an import that fails stops the run."""
    wall(FIRST_REQUEST[kind])  # warms the file cache and .pyc files
    return statistics.median(wall(FIRST_REQUEST[kind]) for _ in range(runs)) * 1000
