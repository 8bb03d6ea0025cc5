"""What paid bookings cost: what they add to the month over the same bookings unpaid, a
booking's own requests paid and unpaid, and a month that holds 1,000 paid bookings.

All from the measured sample, priced again (assemble.booking_shares prices the month
with another paid share without simulating it again). Storage is the table as simulated
either way: what paid bookings add leaves out their share of it (always-free up to 25 GB)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bench.costing.assemble import (
    API,
    STREAM,
    Weighted,
    part_weights,
    weighted,
    weighted_schedules,
)
from bench.costing.bill import Bill
from bench.costing.harness import PAYMENT_VENDORS
from bench.costing.sample import Sample
from bench.costing.scenario import PAID, UNPAID, Scenario

PAID_BOOKINGS = 1000  # the question: what do 1,000 paid bookings a month cost?
Priced = Callable[..., tuple[Any, Bill]]  # cost.py's priced(options, of=..., ...)


@dataclass(frozen=True)
class BookingRequests:
    """One booking's own requests (from its POST on), on average."""

    api: float            # HTTP requests to the API function
    webhooks: float       # of which the vendors' webhooks
    stream: float         # booking_events invocations
    workers: float        # worker invocations
    schedules: float      # hold timers fired (each a scheduled invocation and a publish)
    payment_calls: float  # Stripe or Razorpay API calls
    read_units: float
    write_units: float


@dataclass(frozen=True)
class PaidFigures:
    paid_bookings: float                # in the month
    added: tuple[float, float]          # $ they add over the same bookings unpaid
    paid: BookingRequests | None
    unpaid: BookingRequests | None
    month_hosts: int                    # a month holding PAID_BOOKINGS paid bookings...
    month: tuple[float, float]          # ...costs this, before and after the free tier

    @property
    def per_thousand(self) -> float:
        """What 1,000 paid bookings add, before the free tier."""
        return self.added[0] / self.paid_bookings * 1000 if self.paid_bookings else 0.0


def booking_requests(records: Weighted, runs: float, part: str, bookings: float
                     ) -> BookingRequests | None:
    mine = [(r, n) for r, n in records if r.part == part]
    if not bookings or not mine:
        return None

    def per(values: Any) -> float:
        return float(sum(values)) / bookings

    return BookingRequests(
        api=per(n for r, n in mine if r.function == API),
        webhooks=per(n for r, n in mine if r.label.startswith("POST /webhooks/")),
        stream=per(n for r, n in mine if r.function == STREAM),
        workers=per(n for r, n in mine if r.function.endswith("_worker")),
        schedules=runs / bookings,
        payment_calls=per(sum(call.startswith(PAYMENT_VENDORS) for call in r.provider_calls)
                          * n for r, n in mine),
        read_units=per(r.read_units * n for r, n in mine),
        write_units=per(r.write_units * n for r, n in mine))


def paid_figures(scenario: Scenario, sample: Sample, the_bill: Bill, priced: Priced,
                 options: Any) -> PaidFigures:
    unpaid_month = priced(options, of=replace(scenario, paid_share=0.0))[1]
    parts = part_weights(scenario)
    records = weighted(sample, scenario, parts)
    runs = {part: sum(n for run, n in weighted_schedules(sample, scenario, parts)
                      if run.part == part) for part in (PAID, UNPAID)}
    paid = scenario.bookings * scenario.paid_share
    hosts = max(1, round(PAID_BOOKINGS / (scenario.bookings_per_host * scenario.paid_share))
                ) if scenario.paid_share and scenario.bookings_per_host else scenario.hosts
    small = priced(options, of=replace(scenario, hosts=hosts))[1]
    return PaidFigures(
        paid, (the_bill.before_free_tier - unpaid_month.before_free_tier,
               the_bill.after_free_tier - unpaid_month.after_free_tier),
        booking_requests(records, runs[PAID], PAID, paid),
        booking_requests(records, runs[UNPAID], UNPAID, scenario.bookings - paid),
        hosts, (small.before_free_tier, small.after_free_tier))


def describe(f: BookingRequests) -> str:
    paid = (f" ({f.webhooks:.1f} of them webhooks)" if f.webhooks else "",
            f", {f.schedules:.2f} hold timers, {f.payment_calls:.1f} calls to Stripe or "
            "Razorpay" if f.schedules or f.payment_calls else "")
    return (f"{f.api:.1f} API requests{paid[0]}, {f.stream:.1f} stream and {f.workers:.1f} "
            f"worker invocations{paid[1]}, {f.read_units:.1f} read / {f.write_units:.1f} "
            "write units")
