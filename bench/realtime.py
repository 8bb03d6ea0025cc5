"""Realtime latency on the local stack, started as `make run` starts it: from a booking
POST's response to its `booking.created` arriving on an open WebSocket of the host,
median and p95 over N bookings (default 100). The requests a booking makes to SNS, SQS
and the WebSocket management API are counted by the cost model (bench/cost.py).

    python bench/realtime.py [bookings]
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
READY = re.compile(r"PENNY_STACK_READY api=(\S+) aws=(\S+) ws=(\S+)")


def start_stack() -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen([sys.executable, "-m", "local.stack", "--api-port", "0",
                             "--aws-port", "0", "--ws-port", "0"], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    for line in proc.stdout:
        match = READY.search(line)
        if match:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining
            return proc, match[1], match[3]
    raise SystemExit("the local stack did not start")


def new_host(api: str) -> tuple[str, str]:
    slug = f"bench-{secrets.token_hex(3)}"
    r = requests.post(f"{api}/auth/signup", timeout=30, json={
        "email": f"{slug}@example.com", "password": "bench-password-1", "slug": slug,
        "display_name": "Bench", "timezone": "UTC"})
    token = r.json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    requests.put(f"{api}/me/schedule", headers=auth, timeout=30, json={
        "weekly": {d: [{"start": "00:00", "end": "24:00"}] for d in days}})
    requests.post(f"{api}/me/event-types", headers=auth, timeout=30, json={
        "slug": "call", "title": "Call", "duration_minutes": 15,
        "location": {"kind": "zoom"}})
    return slug, token


async def measure(api: str, ws_url: str, count: int) -> list[float]:
    slug, token = new_host(api)
    day = datetime.now(UTC).date() + timedelta(days=2)
    latencies = []
    async with connect(f"{ws_url}/?token={token}") as ws:
        for n in range(count):
            start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=15 * n)
            body: dict[str, Any] = {"start": start.isoformat(), "attendee": {
                "name": "Bench", "email": f"b{n}@example.com", "timezone": "UTC"}}
            r = await asyncio.to_thread(requests.post, f"{api}/hosts/{slug}/call/bookings",
                                        json=body, timeout=30)
            assert r.status_code == 201, r.text
            answered = time.perf_counter()
            while True:
                event: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
                uid = event["booking"]["uid"]
                if event["type"] == "booking.created" and uid == r.json()["uid"]:
                    latencies.append(time.perf_counter() - answered)
                    break
    return latencies


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    proc, api, ws_url = start_stack()
    try:
        latencies = sorted(asyncio.run(measure(api, ws_url, count)))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(15)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"realtime.bookings: {count}")
    print(f"realtime.post_to_websocket_median_ms: {statistics.median(latencies) * 1000:.0f}")
    print(f"realtime.post_to_websocket_p95_ms: {p95 * 1000:.0f}  (target < 1000)")


if __name__ == "__main__":
    main()
