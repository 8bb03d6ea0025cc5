"""Paid bookings: what one costs in requests, from the client's request to its confirmation,
for Stripe and for Razorpay; each webhook delivery (and a redelivered one); a hold that
lapses (its timer, the payments worker); a cancellation's refund.

Runs through the cost model's harness (bench/costing/harness.py): Penny's real handlers
as Lambda runs them (the Function URL's events, the table's stream, SNS's push to the
workers, EventBridge Scheduler's hold timers) on moto in-process, with the real stripe and
razorpay SDKs talking to the provider sandbox's fake Stripe and Razorpay, which sign and
send their webhooks as the vendors do (handed to Penny's routes as sent: paid.py). Every
AWS request the Lambda code makes is counted with a botocore hook (DynamoDB units from
the items themselves), every vendor call by the sandbox. The host has no calendar
connected, so the calendar worker makes no Google calls here (bench/calendars.py has
those).

    python bench/payments.py
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.costing.harness import Harness
from bench.costing.holds import ScheduleRun
from bench.costing.lambdas import Invocation
from bench.costing.paid import PRICES, PaidBookings, path_of

PASSWORD = "a long payments-bench passphrase"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


@dataclass
class Figures:
    """What one flow made AWS and the vendors do."""

    name: str
    invocations: list[Invocation] = field(default_factory=list)
    schedules: list[ScheduleRun] = field(default_factory=list)

    def functions(self) -> str:
        kinds = Counter("API" if r.function == "api_handler" else
                        "stream" if r.function == "booking_events" else
                        r.function.removesuffix("_worker") for r in self.invocations)
        return ", ".join(f"{kind} {n}" for kind, n in kinds.items()) or "none"

    def dynamodb(self) -> Counter[str]:
        return Counter(call.removeprefix("dynamodb.") for r in self.invocations
                       for call in r.requests if call.startswith("dynamodb."))

    def units(self) -> tuple[float, float]:
        return (sum(r.read_units for r in self.invocations),
                sum(r.write_units for r in self.invocations))

    def vendor_calls(self) -> Counter[str]:
        return Counter(call for r in self.invocations for call in r.provider_calls)

    def sns(self) -> int:
        return sum(r.sns_units for r in self.invocations) + sum(
            s.sns_units for s in self.schedules)

    def scheduler(self) -> tuple[int, int]:
        made = sum(r.requests.count("scheduler.CreateSchedule") for r in self.invocations)
        return made, len(self.schedules)

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.name, self.invocations + other.invocations,
                       self.schedules + other.schedules)


class Bench:
    def __init__(self) -> None:
        self.h = Harness().start()
        self.paid = PaidBookings(self.h)
        self.paid.webhooks.handed = []
        self.figures: list[Figures] = []

    def measure(self, name: str) -> _Measuring:
        return _Measuring(self, name)

    def host(self, slug: str, provider: str) -> None:
        h = self.h
        with h.unmetered():
            signup = h.json("POST", "/auth/signup", body={
                "email": f"{slug}@example.com", "password": PASSWORD, "slug": slug,
                "display_name": f"Host {slug}", "timezone": "UTC"})
            token = signup["access_token"]
            h.json("PUT", "/me/schedule", token=token, body={"weekly": {
                day: [{"start": "09:00", "end": "17:00"}] for day in WEEKDAYS}})
            self.paid.connect(provider, token, f"{slug}@example.com", f"Host {slug}")
            for name, price in (("free", None), ("paid", PRICES[provider])):
                h.json("POST", "/me/event-types", token=token, body={
                    "slug": name, "title": name.title(), "duration_minutes": 30,
                    "location": {"kind": "phone", "details": "+1 555 0100"},
                    **({"price": price} if price else {})})

    def book(self, slug: str, event: str, n: int) -> dict[str, Any]:
        h = self.h
        # A week ahead: a cancellation is then in time for a full refund (24 hours).
        first = h.clock.current.date() + timedelta(days=7)
        with h.unmetered():
            _, body = h.http_json("GET", f"/hosts/{slug}/{event}/slots?start={first}"
                                         f"&end={first + timedelta(days=7)}&timeZone=UTC")
        start = [slot["start"] for slots in body["slots"].values() for slot in slots][n]
        booking = h.json("POST", f"/hosts/{slug}/{event}/bookings", body={
            "start": start, "attendee": {"name": "Bench Client",
                                         "email": f"client-{n}@example.com",
                                         "timezone": "UTC"},
            "answers": {"phone": "+1 415 555 0100"}})  # a phone call's number to call
        return dict(booking)


@dataclass
class _Measuring:
    bench: Bench
    name: str

    def __enter__(self) -> None:
        h = self.bench.h
        self._from = len(h.invocations.records), len(h.holds.runs)

    def __exit__(self, *_: Any) -> None:
        h = self.bench.h
        self.bench.figures.append(Figures(self.name, h.invocations.records[self._from[0]:],
                                          h.holds.runs[self._from[1]:]))


def run(bench: Bench) -> list[str]:
    """Every flow, for each vendor; the webhook deliveries' lines."""
    h, paid = bench.h, bench.paid
    bench.host("stripehost", "stripe")
    bench.host("rzphost", "razorpay")
    with bench.measure("an unpaid booking, for comparison (request to workers)"):
        free = bench.book("stripehost", "free", 0)
        paid._page(path_of(free["links"]["view"]))
        h.pump()
    for n, (slug, vendor) in enumerate((("stripehost", "Stripe"), ("rzphost", "Razorpay"))):
        with bench.measure(f"{vendor}: hold (the booking request)"):
            held = bench.book(slug, "paid", 10 * n + 1)
            h.pump()
        with bench.measure(f"{vendor}: paid, to confirmed (pages, webhooks, workers)"):
            paid.pay(held, timer=False)
        with bench.measure(f"{vendor}: the hold's timer, paid booking"):
            paid.hold_ends(held)
        hold, confirmed, timer = bench.figures[-3:]
        bench.figures.append(hold + confirmed + timer)
        bench.figures[-1].name = f"{vendor}: a paid booking (the three above)"
        with bench.measure(f"{vendor}: a hold never paid (request, timer, expiry)"):
            lapsed = bench.book(slug, "paid", 10 * n + 2)
            h.pump()
            paid.hold_ends(lapsed)
        with bench.measure(f"{vendor}: cancelled in time, refunded"):
            h.json("POST", f"/bookings/{held['uid']}/cancel",
                   body={"token": held["links"]["cancel_token"], "reason": "bench"})
            h.pump()
            paid.webhooks.deliver()
            h.pump()
        with bench.measure(f"{vendor}: a redelivered webhook"):
            _redeliver(bench, vendor.lower())
    return _deliveries(bench)


def _redeliver(bench: Bench, vendor: str) -> None:
    h, webhooks = bench.h, bench.paid.webhooks
    if vendor == "stripe":
        first = next(e for e in h.sandbox.stripe_events("checkout.session.completed"))
        h.sandbox.stripe_redeliver(first["id"])
    else:
        first = next(e for e in h.sandbox.razorpay_events() if e.event == "payment.captured")
        h.sandbox.razorpay_redeliver_webhook(first.id)
    webhooks.redelivered = {**(webhooks.redelivered or {}),
                            vendor: (webhooks.redelivered or {}).get(vendor, 0) + 1}
    webhooks.deliver()


def _deliveries(bench: Bench) -> list[str]:
    """Each kind of delivery once: Penny's answer and what it cost."""
    webhook_calls = [r for r in bench.h.invocations.records
                     if r.label.startswith("POST /webhooks/")]
    handed = bench.paid.webhooks.handed or []
    seen: dict[tuple[str, str], Invocation] = {}
    for (kind, outcome), record in zip(handed[-len(webhook_calls):], webhook_calls,
                                       strict=True):
        seen.setdefault((kind, outcome), record)
    lines = []
    for (kind, outcome), r in seen.items():
        calls = Counter(c.removeprefix("dynamodb.") for c in r.requests)
        lines.append(f"  {kind:<28} {outcome or 'ignored':<10} 1 request, "
                     f"{sum(calls.values())} DynamoDB ({_ops(calls)}), "
                     f"{r.read_units:g} RCU / {r.write_units:g} WCU")
    return lines


def _ops(counts: Counter[str]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items())) or "none"


def report(figures: list[Figures], deliveries: list[str]) -> str:
    head = (f"{'flow':<55} {'Lambda invocations':<47} {'DynamoDB':>8} {'RCU':>5} "
            f"{'WCU':>4} {'vendor':>6} {'SNS':>3} {'Sched.':>6}")
    out = ["Paid bookings through Penny's handlers on moto and the sandbox's fake Stripe "
           "and Razorpay (python bench/payments.py)", "", head, "-" * len(head)]
    for f in figures:
        reads, writes = f.units()
        made, fired = f.scheduler()
        out.append(f"{f.name:<55} {f.functions():<47} {sum(f.dynamodb().values()):>8} "
                   f"{reads:>5g} {writes:>4g} {sum(f.vendor_calls().values()):>6} "
                   f"{f.sns():>3} {f'{made}+{fired}':>6}")
    out += ["", "DynamoDB: round trips; RCU / WCU: read / write request units; vendor: calls "
                "to Stripe or Razorpay; SNS: publishes (a hold timer's included); Sched.: "
                "CreateSchedule requests + scheduled invocations", "", "By operation:"]
    for f in figures:
        out.append(f"  {f.name}: DynamoDB {_ops(f.dynamodb())}; vendor "
                   f"{_ops(f.vendor_calls())}")
    out += ["", "Each webhook delivery (the first of its kind above; Penny-Delivery answer):",
            *deliveries]
    return "\n".join(out)


def main() -> None:
    bench = Bench()
    try:
        deliveries = run(bench)
    finally:
        bench.h.close()
    print(report(bench.figures, deliveries))


if __name__ == "__main__":
    main()
