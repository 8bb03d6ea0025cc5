"""The local stack's memory as one host's bookings grow: `make run`'s process, started as
`make run` starts it, its resident memory (VmRSS) and the time each ten bookings took.

    python bench/stack_memory.py [bookings]      # default 60
"""

from __future__ import annotations

import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.realtime import new_host, start_stack


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for process {pid}")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    proc, api, _ = start_stack()
    try:
        slug, _ = new_host(api)
        day = datetime.now(UTC).date() + timedelta(days=2)
        print(f"stack_memory.start_mb: {resident_mb(proc.pid):.0f}")
        began = time.perf_counter()
        for n in range(count):
            start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=15 * n)
            r = requests.post(f"{api}/hosts/{slug}/call/bookings", timeout=60, json={
                "start": start.isoformat(), "attendee": {
                    "name": "Bench", "email": f"b{n}@example.com", "timezone": "UTC"}})
            assert r.status_code == 201, r.text
            if (n + 1) % 10 == 0:
                took = time.perf_counter() - began
                print(f"stack_memory.after_{n + 1}_bookings_mb: {resident_mb(proc.pid):.0f}"
                      f"  (those ten: {took:.1f} s)")
                began = time.perf_counter()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


if __name__ == "__main__":
    main()
