"""No double booking under concurrency, through the real threaded HTTP server.

Requests are released together by a barrier, so they race inside the server: each
reads the same ledger version, and DynamoDB's conditional transaction lets exactly
one of them write. The embedded AWS serves its requests one at a time, as real
DynamoDB is linearizable per item; Penny's code holds no lock of its own.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.conftest import LocalStack
from tests.e2e.hosts import new_host

pytestmark = pytest.mark.e2e
def tomorrow_at(hour: int, minute: int = 0) -> str:
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).isoformat()


def fire_together(calls: list[tuple[str, dict[str, Any]]]) -> list[requests.Response]:
    barrier = threading.Barrier(len(calls))

    def post(call: tuple[str, dict[str, Any]]) -> requests.Response:
        url, body = call
        barrier.wait()
        return requests.post(url, json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(post, calls))


def booking(start: str, n: int) -> dict[str, Any]:
    return {"start": start, "attendee": {"name": f"Client {n}", "email": f"c{n}@example.com",
                                         "timezone": "Asia/Kolkata"}}


def stored_bookings(stack: LocalStack, host_token: str) -> list[dict[str, Any]]:
    r = requests.get(f"{stack.api_url}/me/bookings?limit=100", timeout=30,
                     headers={"Authorization": host_token})
    assert r.status_code == 200, r.text
    return list(r.json()["bookings"])


def booking_items_in_table(stack: LocalStack) -> Counter[str]:
    table = boto3.resource("dynamodb", endpoint_url=stack.aws_url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    items = table.Table("penny-local").scan()["Items"]
    # A booking names its host in its index key (HOSTBOOKINGS#<host id>), not in an attribute.
    return Counter(str(i["gsi2pk"]).removeprefix("HOSTBOOKINGS#") for i in items
                   if i.get("kind") == "booking")


def test_24_concurrent_requests_for_one_slot_give_exactly_one_booking(stack: LocalStack) -> None:
    slug, host = new_host(stack, "race", {"slug": "call", "title": "Call", "duration_minutes": 30})
    url = f"{stack.api_url}/hosts/{slug}/call/bookings"

    responses = fire_together([(url, booking(tomorrow_at(10), n)) for n in range(24)])

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 23}, [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "slot_taken"}
    assert len(stored_bookings(stack, host)) == 1
    winner = next(r.json() for r in responses if r.status_code == 201)
    host_id = requests.get(f"{stack.api_url}/me/profile", headers={"Authorization": host},
                           timeout=30).json()["id"]
    assert booking_items_in_table(stack)[host_id] == 1
    assert winner["start"] == tomorrow_at(10)


def test_overlapping_bookings_with_different_starts_and_buffers_admit_one(
        stack: LocalStack) -> None:
    # GIVEN four candidates that pairwise overlap but never start at the same time:
    #   long  10:00-11:00 (+15 min buffers)    short 10:15-10:45    short 10:30-11:00
    #   mid   10:20-11:05
    slug, host = new_host(
        stack, "race",
        {"slug": "long", "title": "Long", "duration_minutes": 60,
         "buffer_before_minutes": 15, "buffer_after_minutes": 15},
        {"slug": "short", "title": "Short", "duration_minutes": 30, "slot_interval_minutes": 15},
        {"slug": "mid", "title": "Mid", "duration_minutes": 45, "slot_interval_minutes": 5})
    base = f"{stack.api_url}/hosts/{slug}"
    candidates = [(f"{base}/long/bookings", tomorrow_at(10)),
                  (f"{base}/short/bookings", tomorrow_at(10, 15)),
                  (f"{base}/short/bookings", tomorrow_at(10, 30)),
                  (f"{base}/mid/bookings", tomorrow_at(10, 20))]
    calls = [(url, booking(start, n)) for n in range(5) for url, start in candidates]

    # WHEN all 20 race
    responses = fire_together(calls)

    # THEN exactly one wins, the others are told the time is taken
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 19}, [r.text for r in responses]
    assert len(stored_bookings(stack, host)) == 1


def test_non_overlapping_concurrent_bookings_on_one_day_all_succeed(stack: LocalStack) -> None:
    # Contention on the day's ledger is retried, not reported as a conflict.
    slug, host = new_host(stack, "race", {"slug": "call", "title": "Call", "duration_minutes": 30})
    url = f"{stack.api_url}/hosts/{slug}/call/bookings"
    calls = [(url, booking(tomorrow_at(9 + n // 2, 30 * (n % 2)), n)) for n in range(6)]

    responses = fire_together(calls)

    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    assert len(stored_bookings(stack, host)) == 6
