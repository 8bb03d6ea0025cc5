"""Calendars: what a slots page and a booking cost a host with two connected calendars.

Drives the real Chalice app (chalice.test.Client) on moto's in-process DynamoDB with the
provider sandbox answering for Google Calendar and Outlook (Graph) through the real
adapters. The host connects both; each one's primary calendar counts for conflicts.

- Slots with a warm cache: provider calls per request (target 0), DynamoDB round trips
  (target <= 2) and the median in-process latency, next to a host with no calendars.
- A booking with both providers answering in 100 ms: provider calls per booking and the
  latency it adds over a host with no calendars (target: one parallel round, <= 1.3x the
  slowest provider).

    python bench/calendars.py [runs]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1", "PENNY_DEVELOPMENT_SECRETS": "1"}.items():
    os.environ.setdefault(key, value)

PUBLIC = "http://penny.bench"
JSON = {"Content-Type": "application/json"}
DELAY = 0.1  # seconds each provider takes to answer, for the booking figures


def main() -> None:
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    import app as app_module
    from chalicelib import bootstrap
    from chalicelib.integrations.argon2_passwords import Argon2Passwords
    from chalicelib.provider_settings import Providers
    from chalicelib.settings import Settings
    from chalicelib.store.tables import table_definition
    from local.metering import dynamodb_calls
    from sandbox.server import start_sandbox
    from sandbox.testing import consent

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with mock_aws(), start_sandbox(redirect_uris=(f"{PUBLIC}/oauth/{{provider}}/callback",)) \
            as sandbox, Client(app_module.app) as client:
        boto3.client("dynamodb").create_table(TableName="penny-bench", **table_definition())
        providers = Providers.from_json(json.dumps(sandbox.penny_providers()), "sandbox",
                                        deployed=False)
        bootstrap.install(bootstrap.build(
            Settings(table_name="penny-bench", public_base_url=PUBLIC, providers=providers),
            passwords=Argon2Passwords(time_cost=1, memory_cost=1024)))

        def call(method: str, path: str, body: Any = None,
                 headers: dict[str, str] | None = None) -> Any:
            r = client.http.request(method, path, headers={**JSON, **(headers or {})},
                                    body=json.dumps(body).encode() if body is not None else b"")
            assert r.status_code < 400, (method, path, r.status_code, r.body)
            return json.loads(r.body) if r.body else None

        def host(slug: str) -> dict[str, str]:
            signup = call("POST", "/auth/signup", {
                "email": f"{slug}@example.com", "password": "bench-password-1", "slug": slug,
                "display_name": slug.title(), "timezone": "UTC"})
            auth = {"Authorization": f"Bearer {signup['access_token']}"}
            days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            call("PUT", "/me/schedule", {"weekly": {d: [{"start": "00:00", "end": "23:30"}]
                                                    for d in days}, "overrides": []}, auth)
            call("POST", "/me/event-types", {"slug": "intro", "title": "Intro",
                                             "duration_minutes": 30,
                                             "location": {"kind": "google_meet"}}, auth)
            return auth

        host("plain")
        busy = host("busy")
        for provider in ("google", "microsoft"):
            r = client.http.request("POST", f"/me/connections/{provider}",
                                    headers={**JSON, **busy},
                                    body=json.dumps({"features": ["calendar"]}).encode())
            cookie = r.headers["Set-Cookie"].split(";")[0]
            back = urlsplit(consent(json.loads(r.body)["authorize_url"]))
            client.http.request("GET", f"{back.path}?{back.query}", headers={"Cookie": cookie})
        calendars = call("GET", "/me/calendars", headers=busy)["calendars"]
        counted = [c["key"] for c in calendars if c["conflicts"]]
        print(f"calendars.conflict_calendars: {len(counted)}  ({', '.join(counted)})")

        day = (datetime.now(UTC) + timedelta(days=3)).date()
        slots = f"/hosts/{{slug}}/intro/slots?start={day}&end={day}&timeZone=UTC"

        def slots_figures(slug: str) -> tuple[float, list[str]]:
            call("GET", slots.format(slug=slug))  # warm
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                call("GET", slots.format(slug=slug))
                timings.append(time.perf_counter() - start)
            with dynamodb_calls() as calls:
                call("GET", slots.format(slug=slug))
            return statistics.median(timings), calls.calls

        for provider in ("google", "microsoft"):
            sandbox.reset_api_calls(provider)
        warm, ddb = slots_figures("busy")
        asked = sum(sum(sandbox.api_call_counts(p).values()) for p in ("google", "microsoft"))
        base, _ = slots_figures("plain")
        print(f"calendars.slots_provider_calls: {asked / (runs + 2):.2f}  per request (target 0)")
        print(f"calendars.slots_ddb_roundtrips: {len(ddb)}  ({', '.join(ddb)}; target <= 2)")
        print(f"calendars.slots_median_ms: {warm * 1000:.1f}  (a host with no calendars: "
              f"{base * 1000:.1f} ms)")

        def book(slug: str, n: int) -> float:
            start_at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(minutes=30 * n)
            body = {"start": start_at.isoformat(), "attendee": {
                "name": f"Booker {n}", "email": f"b{n}@example.com", "timezone": "UTC"}}
            start = time.perf_counter()
            call("POST", f"/hosts/{slug}/intro/bookings", body)
            return time.perf_counter() - start

        for provider in ("google", "microsoft"):
            sandbox.set_api_delay(provider, DELAY)
            sandbox.reset_api_calls(provider)
        tries = min(runs, 20)
        with_calendars = statistics.median(book("busy", n) for n in range(tries))
        per_booking = {p: sum(sandbox.api_call_counts(p).values()) / tries
                       for p in ("google", "microsoft")}
        without = statistics.median(book("plain", n) for n in range(tries))
        added = with_calendars - without
        print("calendars.booking_provider_calls: " + ", ".join(
            f"{p} {n:.1f}" for p, n in per_booking.items()) + "  per booking (one round each)")
        print(f"calendars.booking_added_ms: {added * 1000:.0f}  (providers answering in "
              f"{DELAY * 1000:.0f} ms: {added / DELAY:.2f}x the slowest; target <= 1.3x; "
              f"booking {with_calendars * 1000:.0f} ms, without calendars "
              f"{without * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
