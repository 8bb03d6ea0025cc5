"""A month's bill: quantities per meter times prices, before and after the free tier.

The always-free allowances are monthly and per account, so they apply to the month's
total of each meter (shared pools in the order the meters are listed). API Gateway's
free tier lasts 12 months and only for accounts opened before 2025-07-15: never applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bench.costing.prices import PriceTable


@dataclass(frozen=True)
class Line:
    meter: str
    service: str
    name: str
    quantity: float
    before_free_tier: float
    after_free_tier: float


@dataclass(frozen=True)
class Bill:
    lines: list[Line]

    @property
    def before_free_tier(self) -> float:
        return sum(line.before_free_tier for line in self.lines)

    @property
    def after_free_tier(self) -> float:
        return sum(line.after_free_tier for line in self.lines)

    def by_service(self) -> dict[str, float]:
        """Each service's total before the free tier."""
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.service] = totals.get(line.service, 0.0) + line.before_free_tier
        return totals

    def dominant(self) -> tuple[str, float]:
        """The service with the largest share of the bill before the free tier."""
        totals = self.by_service()
        service = max(totals, key=lambda name: totals[name])
        share = totals[service] / self.before_free_tier if self.before_free_tier else 0.0
        return service, share


def bill(usage: Mapping[str, float], prices: PriceTable) -> Bill:
    """Every meter with a quantity, priced; unknown meters are an error, not a $0 line."""
    unknown = set(usage) - set(prices.meters)
    if unknown:
        raise KeyError(f"no price for {sorted(unknown)}")
    left = dict(prices.free_pools)
    lines = []
    for key, meter in prices.meters.items():
        quantity = usage.get(key, 0.0)
        if key not in usage:
            continue
        billable = quantity
        if meter.free_pool is not None:
            free = min(quantity, left.get(meter.free_pool, 0.0))
            left[meter.free_pool] = left.get(meter.free_pool, 0.0) - free
            billable = quantity - free
        lines.append(Line(key, meter.service, meter.name, quantity,
                          quantity * meter.unit_price, billable * meter.unit_price))
    return Bill(lines)


def per_thousand(total: float, bookings: float) -> float:
    """Dollars per 1,000 bookings."""
    return total / bookings * 1000 if bookings else 0.0
