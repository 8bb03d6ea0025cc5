"""DynamoDB round trips per slots request and per booking, counted by a botocore hook.

Drives the real Chalice app (chalice.test.Client) on moto's in-process DynamoDB, with
a seeded host that already has bookings, and prints the operations each request made.

    python bench/roundtrips.py
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(key, value)

import boto3  # noqa: E402
from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402

import app as app_module  # noqa: E402
from chalicelib import bootstrap  # noqa: E402
from chalicelib.integrations.argon2_passwords import Argon2Passwords  # noqa: E402
from chalicelib.settings import Settings  # noqa: E402
from chalicelib.store.tables import table_definition  # noqa: E402
from local.metering import dynamodb_calls  # noqa: E402


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def call(client: Client, method: str, path: str, body: str | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, list[str]]:
    with dynamodb_calls() as calls:
        r = client.http.request(method, path, body=(body or "").encode(),
                                headers={"Content-Type": "application/json", **(headers or {})})
    return r.status_code, calls.calls


def main() -> None:
    with mock_aws():
        boto3.client("dynamodb").create_table(TableName="penny-bench", **table_definition())
        bootstrap.install(bootstrap.build(Settings(table_name="penny-bench"), clock=Clock(),
                                          passwords=Argon2Passwords(time_cost=1,
                                                                    memory_cost=1024)))
        with Client(app_module.app) as client:
            r = client.http.post("/auth/signup", headers={"Content-Type": "application/json"},
                                 body='{"email":"b@example.com","password":"bench-password",'
                                      '"slug":"bench","display_name":"Bench",'
                                      '"timezone":"America/New_York"}')
            auth = {"Authorization": f"Bearer {r.json_body['access_token']}"}
            week = ",".join(f'"{d}":[{{"start":"09:00","end":"12:00"}},'
                            f'{{"start":"13:00","end":"17:00"}}]'
                            for d in ("monday", "tuesday", "wednesday", "thursday", "friday"))
            call(client, "PUT", "/me/schedule", '{"weekly":{' + week + '}}', auth)
            call(client, "POST", "/me/event-types",
                 '{"slug":"intro","title":"Intro","duration_minutes":30,'
                 '"buffer_after_minutes":10,"location":{"kind":"zoom"}}', auth)
            booking = ('{{"start":"{}","attendee":{{"name":"A","email":"a@example.com",'
                       '"timezone":"Asia/Kolkata"}}}}')
            for start in ("2026-11-24T14:00:00Z", "2026-11-25T15:00:00Z"):
                call(client, "POST", "/hosts/bench/intro/bookings", booking.format(start))
            status, slots = call(client, "GET", "/hosts/bench/intro/slots?start=2026-11-24"
                                 "&end=2026-12-23&timeZone=Asia/Kolkata")
            assert status == 200
            status, book = call(client, "POST", "/hosts/bench/intro/bookings",
                                booking.format("2026-11-26T14:30:00Z"),
                                {"Idempotency-Key": "bench-1"})
            assert status == 201
    reads = [c for c in book if c != "TransactWriteItems"]
    print(f"roundtrips.slots_request: {len(slots)}  ({', '.join(slots)}; target <= 2)")
    print(f"roundtrips.booking_reads: {len(reads)}  ({', '.join(reads)}; target <= 2)")
    print(f"roundtrips.booking_atomic_writes: {book.count('TransactWriteItems')}  "
          f"(TransactWriteItems)")


if __name__ == "__main__":
    main()
