"""CPU time that does not move with the machine's load: a calibration loop.

A handler's CPU time, measured on this thread, grows when the machine is busy (other
processes share caches, cores and frequency; on a virtual machine the host takes its
share too): the same month once measured 4x the CPU of a quiet run. So each stretch of
the simulation is bracketed by a fixed, pure-Python workload of the same kind as a
handler's (JSON in and out, dates across time zones, dicts, strings, a regex), timed the
same way. A handler's CPU is then expressed in "reference milliseconds":

    reference_ms = measured_ms * REFERENCE_LOOP_MS / loop_ms_measured_alongside

REFERENCE_LOOP_MS is what the loop takes on the reference core: this project's 2-core
development machine, quiet (the minimum of many runs, 2026-12-02). The billed duration
(lambdas.modelled_ms) then scales the reference CPU to the function's share of a vCPU.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# The loop's CPU time on the reference core, in ms (see the module's docstring).
REFERENCE_LOOP_MS = 2.5

_ZONES = tuple(ZoneInfo(z) for z in ("America/New_York", "Europe/Berlin", "Asia/Kolkata"))
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
_DOC = {"uid": "bk_7f3a9c2e", "status": "confirmed", "start": "2026-12-08T14:00:00+00:00",
        "attendee": {"name": "Ada Client", "email": "ada@example.com",
                     "timezone": "Europe/London"},
        "answers": [{"question": "What would you like to talk about?",
                     "answer": "Pricing for a small team, and the onboarding plan."}],
        "links": {"manage": "https://penny.example/booking/bk_7f3a9c2e?token=abc"}}


def workload(rounds: int = 40) -> int:
    """The fixed work; returns a checksum so nothing is optimised away."""
    total = 0
    start = datetime(2026, 12, 7, 9, tzinfo=UTC)
    for n in range(rounds):
        text = json.dumps({**_DOC, "n": n}, separators=(",", ":"))
        total += len(json.loads(text)["answers"][0]["answer"])
        for k in range(16):
            at = (start + timedelta(minutes=30 * k)).astimezone(_ZONES[k % 3])
            total += at.hour + len(at.isoformat())
        slots = {f"2026-12-{d:02d}": [{"start": f"T{h:02d}:00"} for h in range(9, 17)]
                 for d in range(1, 8)}
        total += sum(len(v) for v in slots.values())
        total += sum(1 for s in ("alice", "bob-smith", "x", "costhost12") if _SLUG.match(s))
    return total


def loop_ms(repeats: int = 3) -> float:
    """The loop's CPU time on this thread now: the minimum of `repeats` runs (the run
    least disturbed by whatever else the machine is doing)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time()
        workload()
        best = min(best, (time.thread_time() - started) * 1000)
    return max(best, 1e-3)


def factor(measured_loop_ms: float) -> float:
    """Multiply a CPU time measured alongside `measured_loop_ms` by this."""
    return REFERENCE_LOOP_MS / measured_loop_ms
