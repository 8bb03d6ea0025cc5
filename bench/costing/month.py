"""A simulated month of sample hosts, through Penny's real handlers on the embedded AWS
and the provider sandbox.

Every request goes in as production sends it: HTTP as the Function URL's payload 2.0
event to the app's handler, WebSocket routes as API Gateway's events to the ws_*
handlers, table changes from the table's stream (filtered as infra/ filters the event
source) to `booking_events` one change at a time, each SNS notification pushed to its
worker, and Google Calendar's push notifications as the sandbox sends them. Every
distinct request runs for real; identical repeats (the nine other views of a booking
page, the 150th keepalive) are counted by weight, so time and memory do not grow with
the month's minutes. The parts (scenario.py): bookings (the page views, then each
booking's own requests, paid or not), calendar, bots, and each dashboard pattern, as
built and as it was before hidden tabs closed their socket. Paid bookings go the whole
paid way (paid.py), a share of their checkouts abandoned.

The Month runs each host's timeline; each part is a mixin of its own module (month_bookings,
calendar_pushes, bot_visits, dashboard_visits, host_set_up, ...: bench/costing/__init__).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import timedelta

from bench.costing.booking_views import BookingViews
from bench.costing.bot_visits import BotVisits
from bench.costing.calendar_pushes import CalendarPushes
from bench.costing.dashboard_session import DashboardSession
from bench.costing.dashboard_visits import (
    DashboardVisits,
    dashboard_parts,
    hidden_close_minutes,
    keepalive_minutes,
)
from bench.costing.harness import Harness
from bench.costing.host_set_up import HostSetUp, make_premium
from bench.costing.month_bookings import MonthBookings
from bench.costing.page_requests import PageRequests
from bench.costing.paid import PaidBookings
from bench.costing.sample_host import (
    CLIENT_ZONES,
    HOST_ZONES,
    MONTH_START,
    PAID_EVENT,
    PASSWORD,
    Host,
)
from bench.costing.scenario import MONTH_MINUTES, Scenario, Spread

# Where the month's importers find them (tests/unit/test_cost_model.py).
__all__ = ["Host", "Month", "dashboard_parts", "hidden_close_minutes", "keepalive_minutes"]


@dataclass
class Month(PageRequests, DashboardSession, CalendarPushes, BookingViews, MonthBookings,
            BotVisits, DashboardVisits, HostSetUp):
    """Runs the sample; what it measured is on `harness` (invocations, minutes, sandbox)."""

    scenario: Scenario
    harness: Harness
    booking_assets: list[str] = field(default_factory=list)
    dashboard_assets: list[str] = field(default_factory=list)
    bookings_made: int = 0
    paid_bookings: int = 0
    booking_failures: int = 0
    keepalive_minutes: float = 9.0
    hidden_close_minutes: float = 5.0
    stored_setup: int = 0       # bytes the sample hosts' set-up left (profile, event types)
    stored_kept: int = 0        # bytes at the month's end, kept for good (set-up included)
    stored_expiring: int = 0    # bytes at the month's end that expire by TTL
    unpushed_changes: int = 0   # calendar changes made while no push channel was live
    _warming: bool = False      # the unmetered warm-up month: each kind of request once
    _dashboard_open: Spread = field(default_factory=lambda: Spread(0.0))

    def __post_init__(self) -> None:
        self.paid = PaidBookings(self.harness)

    def run(self, hosts: range) -> None:
        rng = random.Random(self.scenario.seed + hosts.start)
        self.keepalive_minutes = keepalive_minutes()
        self.hidden_close_minutes = hidden_close_minutes()
        h = self.harness
        with h.unmetered():
            # A warm container: every module a request loads lazily is loaded, as after
            # the first request (cold starts are billed apart, from their own measure).
            warm = Host("costwarmup", HOST_ZONES[0])
            self._set_up(warm, 10_000)
            if self.scenario.premium_share > 0:
                make_premium(warm.slug)  # its briefs load google-genai here, not in the month
            if self.scenario.notes_share > 0:
                self._keep_notes(warm)  # and its notes notion-client
            self._probe_pages(warm)
            self._warming = True
            self._month(warm, rng, replace(self.scenario, bookings_per_host=2, paid_share=0.5,
                                           calendar_changes_per_host=2.0))
            # ...and Razorpay's paid path (the Stripe one was the warm month's second).
            rupees = Host("costwarmupinr", "Asia/Kolkata")
            self._set_up(rupees, 10_001)
            h.clock.current = MONTH_START + timedelta(days=2)
            self._book(rupees, PAID_EVENT, "Asia/Kolkata",
                       replace(self.scenario, paid_share=1.0), False, rng)
            self._warming = False
            h.empty_table()
            self.bookings_made = self.paid_bookings = self.booking_failures = 0
        # A booking finds the host's dashboard open for the share of the month the mix
        # keeps one connected; spread over all of this process's hosts (one host has too
        # few bookings for a share of 2%).
        parts = dashboard_parts()
        connected = sum(share * parts[f"dashboard:{name}"].connection_minutes
                        for name, share in self.scenario.dashboard_mix.items()) / MONTH_MINUTES
        self._dashboard_open = Spread(min(1.0, connected), start=0.5)
        for n in hosts:
            host = Host(f"costhost{n}", HOST_ZONES[n % len(HOST_ZONES)])
            with h.unmetered():
                self._set_up(host, n)
                kept, _ = h.stored()
            self.stored_setup += kept
            h.invocations.host = n
            self._month(host, rng, self.scenario)
            h.invocations.host = -1
            kept, expiring = h.empty_table()
            self.stored_kept += kept
            self.stored_expiring += expiring

    # ---- one host's month ------------------------------------------------------------

    def _month(self, host: Host, rng: random.Random, s: Scenario) -> None:
        h = self.harness
        h.clock.current = MONTH_START
        h.premium_weight = s.premium_share * s.sample_hosts
        h.notes_weight = s.notes_share * s.sample_hosts
        h.calibrate()
        login = {"email": f"{host.slug}@example.com", "password": PASSWORD}
        with h.weighted("account", 1):  # the host logs in to the dashboard once a month
            host.csrf = self._browser(host, "POST", "/auth/session", login)["csrf_token"]
        with h.unmetered():  # a bearer token for what stands in for the dashboard elsewhere
            tokens = h.json("POST", "/auth/login", body=login)
        host.access, host.refresh = tokens["access_token"], tokens["refresh_token"]
        parts = dashboard_parts()
        days = MONTH_MINUTES / 1440
        changes = min(4, round(s.calendar_changes_per_host))
        timeline = [(MONTH_START + timedelta(days=(k + 0.5) * days / s.bookings_per_host),
                     "booking", k) for k in range(s.bookings_per_host)]
        timeline += [(MONTH_START + timedelta(days=(j + 0.2) * days / changes), "calendar", j)
                     for j in range(changes)]
        timeline += [(MONTH_START + timedelta(days=10.4), "bots", 0),
                     (MONTH_START + timedelta(days=17.6), "dashboards", 0)]
        paid = Spread(s.paid_share)
        for when, kind, k in sorted(timeline):
            h.clock.current = when
            h.calibrate()
            if kind == "calendar":
                self._calendar_change(host, k, s.calendar_changes_per_host / changes)
            elif kind == "bots":
                self._bots(host, s)
            elif kind == "dashboards":
                for part, counts in list(parts.items())[:1 if self._warming else None]:
                    self._dashboard(host, part, counts)
            else:
                event = PAID_EVENT if paid.next() else "intro"
                self._book(host, event, CLIENT_ZONES[k % len(CLIENT_ZONES)], s,
                           bool(self._dashboard_open.next()), rng)
        h.calibrate()
