"""What a simulated month holds: hosts, bookings, page views, dashboards; its defaults.

Defaults, and why:
- 1,000 active hosts x 20 bookings, 10 slot-page views per booking, 20% paid, 10%
  premium: the target scenario of issue 4.
- `dashboard_minutes_per_host` 600: a host opens the dashboard to look at bookings,
  about 30 minutes per working day (20 days). The dashboard keeps its WebSocket open while
  the tab is open and sends a keepalive every 9 minutes; a tab left open all working day is about
  10,000 minutes, shown as a sensitivity line.
- `dashboard_session_minutes` 30: one visit; each visit pays a page load, a token
  refresh, a realtime ticket, $connect/$disconnect and the bookings list.
- `months_per_view` 1.5: every view shows this month's slots, every other view also the
  next month's (one slots request per month shown).
- `asset_miss_rate` 0.5: static assets have content-hashed, immutable URLs, so only a
  browser that has not seen them (a first-time visitor, after a deploy) fetches them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    hosts: int = 1000
    bookings_per_host: int = 20
    views_per_booking: float = 10.0
    paid_share: float = 0.2
    premium_share: float = 0.1
    dashboard_minutes_per_host: float = 600.0
    dashboard_session_minutes: float = 30.0
    months_per_view: float = 1.5
    asset_miss_rate: float = 0.5
    sample_hosts: int = 20
    seed: int = 7

    @property
    def scale(self) -> float:
        """Hosts are independent: every per-host count scales linearly."""
        return self.hosts / self.sample_hosts

    @property
    def bookings(self) -> int:
        return self.hosts * self.bookings_per_host


MONTH_MINUTES = 30 * 24 * 60


class Spread:
    """Turns a fractional rate into whole events, evenly: 1.5 a time gives 1, 2, 1, 2..."""

    def __init__(self, rate: float, start: float = 0.0) -> None:
        self.rate = rate
        self._total = start  # 0.5 rounds instead of truncating
        self._given = 0

    def next(self) -> int:
        self._total += self.rate
        due = int(self._total + 1e-9) - self._given
        self._given += due
        return due
