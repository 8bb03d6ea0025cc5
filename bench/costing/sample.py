"""Measuring the sample: sample hosts split across processes, their counts merged.

Hosts share nothing, so `jobs` processes each run their share of the sample hosts on
their own embedded AWS (this 2-core machine runs two at once); the counts add up.
Also here: the cold starts of the functions, measured in fresh interpreters started as
Lambda starts them, finding bytecode where a deployed function does
(deployed_bytecode.py), doing infra/cold_path.py's imports (INIT) and first request's
work.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from bench.cold_start import ROOT
from bench.costing import calibrate
from bench.costing.briefs import BriefTokens
from bench.costing.deployed_bytecode import deployed_pycache
from bench.costing.holds import ScheduleRun
from bench.costing.lambdas import Invocation
from bench.costing.scenario import Scenario
from infra.cold_path import FIRST_REQUEST, FIRST_USE
from infra.parameter_stand_in import lambda_environment


@dataclass
class Sample:
    """Everything the sample hosts' month did (not yet scaled to all hosts)."""

    invocations: list[Invocation] = field(default_factory=list)
    schedules: list[ScheduleRun] = field(default_factory=list)  # hold timers that fired
    connection_minutes: dict[str, float] = field(default_factory=dict)  # per part
    stored_setup: int = 0
    stored_kept: int = 0
    stored_expiring: int = 0
    hosts: int = 0
    bookings: int = 0
    paid_bookings: int = 0
    booking_failures: int = 0
    meter_errors: int = 0
    unpushed_changes: int = 0
    booking_assets: int = 0
    dashboard_assets: int = 0
    keepalive_minutes: float = 9.0
    hidden_close_minutes: float = 5.0
    loop_ms: list[float] = field(default_factory=list)  # the calibrations (calibrate.py)
    briefs: list[BriefTokens] = field(default_factory=list)  # Gemini's answers' usage

    def add(self, other: Sample) -> None:
        self.invocations += other.invocations
        self.schedules += other.schedules
        for part, minutes in other.connection_minutes.items():
            self.connection_minutes[part] = self.connection_minutes.get(part, 0.0) + minutes
        for name in ("stored_setup", "stored_kept", "stored_expiring", "hosts", "bookings",
                     "paid_bookings", "booking_failures", "meter_errors", "unpushed_changes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.loop_ms += other.loop_ms
        self.briefs += other.briefs
        self.booking_assets, self.dashboard_assets = other.booking_assets, other.dashboard_assets
        self.keepalive_minutes = other.keepalive_minutes
        self.hidden_close_minutes = other.hidden_close_minutes

    def of_hosts(self, keep: Callable[[int], bool]) -> Sample:
        """The same sample restricted to some hosts (for the run's spread); what is not
        counted per host (connection minutes, storage) in proportion."""
        hosts = sum(1 for n in range(self.hosts) if keep(n))
        share = hosts / self.hosts if self.hosts else 0.0
        return replace(self, invocations=[r for r in self.invocations if keep(r.host)],
                       schedules=[r for r in self.schedules if keep(r.host)],
                       hosts=hosts,
                       connection_minutes={part: minutes * share for part, minutes
                                           in self.connection_minutes.items()},
                       stored_setup=round(self.stored_setup * share),
                       stored_kept=round(self.stored_kept * share),
                       stored_expiring=round(self.stored_expiring * share))


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
            invocations=h.invocations.records, schedules=h.holds.runs,
            connection_minutes=h.connection_minutes,
            stored_setup=month.stored_setup, stored_kept=month.stored_kept,
            stored_expiring=month.stored_expiring, hosts=count,
            bookings=month.bookings_made, paid_bookings=month.paid_bookings,
            booking_failures=month.booking_failures,
            meter_errors=h.meter.errors,
            unpushed_changes=month.unpushed_changes, booking_assets=len(month.booking_assets),
            dashboard_assets=len(month.dashboard_assets),
            keepalive_minutes=month.keepalive_minutes,
            hidden_close_minutes=month.hidden_close_minutes, loop_ms=h.loop_ms,
            briefs=h.briefs)
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


def _child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child_cpu_ms(code: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    """CPU (user + system) of a fresh interpreter running `code`, in ms, and what it
    printed; an import that fails stops the run, saying why."""
    before = _child_cpu_seconds()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"measuring a cold start failed:\n{done.stderr[-2000:]}")
    return (_child_cpu_seconds() - before) * 1000, done.stdout


# GetParameters with one SecureString from inside the region: SSM's answer and its KMS
# decrypt (assumed, in-region round trips; the audit of 2026-12-07 estimated ~30 ms),
# which the Parameter Store stand-in (infra/parameter_stand_in.py) answers at once.
PARAMETERS_WAIT_MS = 30.0
# INIT's imports, then the first request's lazy work, timed apart by the interpreter.
_COLD_START = ("import time\n{init}\n_started = time.process_time()\n{first}\n"
               "print(time.process_time() - _started)")


@dataclass(frozen=True)
class ColdStart:
    """A function kind's cold start, in reference ms (calibrate.py)."""

    init_ms: float       # INIT at one full core, the parameters' wait included
    first_use_ms: float  # the first request's own extra CPU, at the function's share


def cold_start_run(kind: str, env: dict[str, str]) -> tuple[float, float]:
    """One fresh interpreter's (INIT, first use) CPU in reference ms, the parameters'
    wait not added (see `cold_start`)."""
    code = _COLD_START.format(init=FIRST_REQUEST[kind], first=FIRST_USE[kind])
    loop = calibrate.loop_ms()
    cpu, printed = child_cpu_ms(code, env)
    loop = min(loop, calibrate.loop_ms())
    first_ms = float(printed.splitlines()[-1]) * 1000
    return (cpu - first_ms) * calibrate.factor(loop), first_ms * calibrate.factor(loop)


def cold_start(kind: str, env: dict[str, str], runs: int = 3) -> ColdStart:
    """A function's cold start, measured in fresh interpreters started as Lambda starts
    them (`env`: infra/parameter_stand_in.py's lambda_environment, so `import app` reads
    its settings at INIT, and deployed_bytecode's pycache prefix, so it compiles what a
    deployed function compiles). INIT: the CPU of the interpreter doing its first-request
    imports (infra/cold_path.py's FIRST_REQUEST), plus PARAMETERS_WAIT_MS; first use: the
    CPU of its FIRST_USE after them. Both scaled like the handlers' CPU by the calibration
    loop timed around them. CPU, not wall time: the imports read files the OS has cached,
    so a cold start is CPU-bound, and CPU does not wait for the machine's other work
    (calibrated, it does not grow with it either)."""
    cold_start_run(kind, env)  # warms the file cache
    runs_ms = [cold_start_run(kind, env) for _ in range(runs)]
    return ColdStart(statistics.median(i for i, _ in runs_ms) + PARAMETERS_WAIT_MS,
                     statistics.median(f for _, f in runs_ms))


def deployed_environment(env: dict[str, str], kind: str, pycache: str) -> dict[str, str]:
    """`env` for one kind of function, finding bytecode only in `pycache`."""
    return {**env, "AWS_LAMBDA_FUNCTION_NAME": f"penny-cost-{kind}",
            "PYTHONPYCACHEPREFIX": pycache, "PYTHONDONTWRITEBYTECODE": "1"}


def cold_starts_ms(kinds: tuple[str, ...],
                   runs: int = 3) -> tuple[dict[str, float], dict[str, float]]:
    """Each kind's INIT and first-use reference ms (see `cold_start`) with the bytecode
    `make package` ships; bench/cold_start.py prints the same."""
    with lambda_environment() as env, deployed_pycache(env) as pycache:
        measured = {kind: cold_start(kind, deployed_environment(env, kind, pycache), runs)
                    for kind in kinds}
    return ({k: c.init_ms for k, c in measured.items()},
            {k: c.first_use_ms for k, c in measured.items()})
