"""What a simulated month holds: hosts, bookings, page views, dashboards, bots, calendars;
its defaults, and why.

The month is simulated in parts that can be priced apart and mixed (assemble.py): the
bookings (page views, slots, the booking, the workers), the host's calendar (push
notifications from Google and what they cause), bots, and each way of keeping the
dashboard open. A part runs every distinct request through the real handlers and counts
the repeats arithmetically (`weight`), so the run's time and memory do not grow with
the minutes a dashboard is open or the views a booking gets.

Defaults, and why:
- 1,000 active hosts x 20 bookings, 10 slot-page views per booking, 20% paid, 10%
  premium: the target scenario of issue 4. A paid booking goes the whole paid way
  (paid.py): the hold, the checkout, the client's return, the vendor's webhooks, the
  hold's timer; hosts in India through Razorpay, the others through Stripe.
- `abandoned_share` 0.15: of the checkouts Penny opens, 15% are never paid (the client
  leaves the payment page); each holds its time until its timer ends it. Online shops
  lose far more carts (about 70%, the Baymard Institute's average of published studies),
  but a cart is often a wish list, and most are left before the payment page; a client
  on Penny's has chosen a time and typed their details for it (assumed; an abandoned
  checkout costs about what a paid booking's hold does, so the month moves little with
  it; `--abandoned-share` changes it).
- `months_per_view` 1.5: every view shows this month's slots, every other view also the
  next month's (both come with the page, as the server's clock sees the months; one
  slots request for a month the page's window does not hold).
- `asset_miss_rate` 0.5: static assets have content-hashed, immutable URLs, so only a
  browser that has not seen them (a first-time visitor, after a deploy) fetches them.
- Dashboards, a mix (DASHBOARD_MIX): 60% of hosts visit it (20 visits of 30 minutes a
  month: they come when the booking e-mail tells them to), 30% keep a tab open all
  working day (22 days of 9 hours, looked at 8 times a day for 5 minutes), 10% never
  close it (the same on working days, twice a day at weekends, hidden at night). A
  scheduling tool is checked, not watched: the tab is hidden most of the time it is open.
- Bots: 150 fetches of a host's public pages a month (search engines, SEO and AI
  crawlers, link previews: five a day across the profile and booking pages), 10% of
  them rendering the page's script (its assets; the month's slots come with the page).
- `notes_share` 0.2: one host in five keeps client notes in Notion or Google Docs (an
  opt-in beside the calendar everyone connects; assumed). Only their bookings reach the
  notes worker (its SNS filter); one sample host keeps notes in Notion, and its notes
  jobs count for the share.
- Calendars: every host has Google Calendar connected (it is what Penny is for), with
  three changes a working day to their own calendar, each pushed to Penny.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MONTH_MINUTES = 30 * 24 * 60
# The parts a booking's own requests go in (from its POST on; the page views before it
# are "bookings"): priced apart, so the month can be priced with another paid share.
PAID = "booking:paid"
UNPAID = "booking:unpaid"
WORKING_DAYS = 22
WEEKEND_DAYS = 8


@dataclass(frozen=True)
class Dashboard:
    """One way a host keeps the dashboard over a month."""

    name: str
    description: str
    opens: int              # page loads (a tab opened in the morning, or for a visit)
    shown: int              # times someone looks at it (the opens included)
    glance_minutes: float   # minutes each look lasts
    open_minutes: float     # minutes the tab exists, visible or hidden
    closed_after_look: bool = False  # each look ends with the tab closed (a visit)


@dataclass(frozen=True)
class DashboardCounts:
    """What a pattern makes the dashboard send in a month."""

    page_loads: float
    returns: float          # shown again after the socket closed: ticket, $connect, list
    reconnects: float       # API Gateway's 2-hour limit reached: the same, unseen
    keepalives: float
    connections: float      # $connect (a close runs nothing)
    connection_minutes: float


MAX_CONNECTION_MINUTES = 120.0  # API Gateway closes a WebSocket connection after 2 hours


def dashboard_counts(pattern: Dashboard, keepalive_minutes: float,
                     hidden_close_minutes: float | None) -> DashboardCounts:
    """Arithmetic, not simulation: the counts of a month of `pattern`.

    `hidden_close_minutes` None: the socket stays open while the tab is hidden (the
    dashboard before issue 17), so it lives for all `open_minutes`, reconnecting every 2
    hours. Otherwise it lives for each look plus that grace once the tab is hidden.
    """
    def stretch(minutes: float) -> tuple[float, float]:
        """Keepalives and reconnects of one connection held `minutes`."""
        segments = max(1, math.ceil(minutes / MAX_CONNECTION_MINUTES - 1e-9))
        per = minutes / segments
        return segments * math.floor(per / keepalive_minutes + 1e-9), segments - 1

    if hidden_close_minutes is None:
        span = pattern.open_minutes / pattern.opens
        keepalives, reconnects = stretch(span)
        return DashboardCounts(pattern.opens, 0.0, pattern.opens * reconnects,
                               pattern.opens * keepalives,
                               pattern.opens * (1 + reconnects), pattern.open_minutes)
    grace = 0.0 if pattern.closed_after_look else hidden_close_minutes
    keepalives, reconnects = stretch(pattern.glance_minutes + grace)
    return DashboardCounts(
        pattern.opens, pattern.shown - pattern.opens, pattern.shown * reconnects,
        pattern.shown * keepalives, pattern.shown * (1 + reconnects),
        pattern.shown * (pattern.glance_minutes + grace))


DASHBOARDS = {
    "visits": Dashboard("visits", "20 visits of 30 minutes", opens=20, shown=20,
                        glance_minutes=30.0, open_minutes=600.0, closed_after_look=True),
    "working-day": Dashboard(
        "working-day", "a tab open 9 hours each working day, looked at 8 times a day",
        opens=WORKING_DAYS, shown=WORKING_DAYS * 8, glance_minutes=5.0,
        open_minutes=WORKING_DAYS * 9 * 60.0),
    "around-the-clock": Dashboard(
        "around-the-clock", "a tab never closed: looked at 8 times a working day and "
        "twice a weekend day", opens=1, shown=WORKING_DAYS * 8 + WEEKEND_DAYS * 2,
        glance_minutes=5.0, open_minutes=float(MONTH_MINUTES)),
}

DASHBOARD_MIX = {"visits": 0.6, "working-day": 0.3, "around-the-clock": 0.1}


@dataclass(frozen=True)
class Scenario:
    hosts: int = 1000
    bookings_per_host: int = 20
    views_per_booking: float = 10.0
    paid_share: float = 0.2
    abandoned_share: float = 0.15   # of the checkouts opened, never paid
    premium_share: float = 0.1
    notes_share: float = 0.2        # hosts who keep client notes (Notion, Google Docs)
    months_per_view: float = 1.5
    asset_miss_rate: float = 0.5
    dashboard_mix: dict[str, float] = field(default_factory=lambda: dict(DASHBOARD_MIX))
    bot_views_per_host: float = 150.0
    bot_render_share: float = 0.1
    calendar_changes_per_host: float = 3.0 * WORKING_DAYS
    sample_hosts: int = 6
    seed: int = 7

    @property
    def scale(self) -> float:
        """Hosts are independent: every per-host count scales linearly."""
        return self.hosts / self.sample_hosts

    @property
    def bookings(self) -> int:
        return self.hosts * self.bookings_per_host


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
