"""A simulated month of sample hosts, through Penny's real handlers on the embedded AWS.

Every request goes in as production sends it: HTTP as the Function URL's payload 2.0
event to the app's handler, WebSocket routes as API Gateway's events to the ws_*
handlers, table changes from the table's stream (filtered as infra/ filters the event
source) to `booking_events` one change at a time (at Penny's traffic nothing else
is in the shard when Lambda polls), and each SNS notification pushed to its worker.
Per sample host: a login, dashboard visits (page, token refresh, realtime ticket,
$connect, bookings list, a keepalive every KEEPALIVE_MS, $disconnect) and bookings, each
after its slot-page views (page, static assets on a cache miss, one slots request per
month shown), followed by the attendee's confirmation page.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bench.costing.harness import Harness
from bench.costing.scenario import MONTH_MINUTES, Scenario, Spread

MONTH_START = datetime(2026, 12, 1, tzinfo=UTC)
HOST_ZONES = ("America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles",
              "Europe/London")
CLIENT_ZONES = ("America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney",
                "America/Los_Angeles", "Europe/Berlin")
PASSWORD = "a long cost-model passphrase"
STATIC_REF = re.compile(r"""["'(](/[^"'()\s]*?/static/[^"'()\s]+|/static/[^"'()\s]+)["')]""")
KEEPALIVE_SOURCE = Path(__file__).resolve().parents[2] / "chalicelib/web/static/app-api.js"


def keepalive_minutes() -> float:
    """The dashboard's keepalive interval, read from its script so the two cannot drift."""
    found = re.search(r"KEEPALIVE_MS\s*=\s*([\d\s*]+);", KEEPALIVE_SOURCE.read_text())
    if not found:
        raise LookupError(f"no KEEPALIVE_MS = ...; in {KEEPALIVE_SOURCE}")
    ms = 1
    for factor in found[1].split("*"):
        ms *= int(factor)
    return ms / 60000


@dataclass
class Host:
    slug: str
    zone: str
    host_id: str = ""
    access: str = ""
    refresh: str = ""
    sessions: int = 0


@dataclass
class Month:
    """Runs the sample; what it measured is on `harness` (meter, invocations, counts)."""

    scenario: Scenario
    harness: Harness
    booking_assets: list[str] = field(default_factory=list)
    dashboard_assets: list[str] = field(default_factory=list)
    bookings_made: int = 0
    booking_failures: int = 0
    keepalive_minutes: float = 9.0
    _dashboard_open: Spread = field(default_factory=lambda: Spread(0.0))
    stored_bytes: int = 0               # what the sample hosts left in the table

    def run(self, hosts: range) -> None:
        rng = random.Random(self.scenario.seed + hosts.start)
        self.keepalive_minutes = keepalive_minutes()
        # A booking finds the host's dashboard open for the share of the month it is open;
        # spread over all of this process's hosts (one host has too few bookings).
        self._dashboard_open = Spread(min(1.0, self.scenario.dashboard_minutes_per_host
                                          / MONTH_MINUTES), start=0.5)
        with self.harness.unmetered():
            # A warm container: every module a request loads lazily is loaded, as after
            # the first request (cold starts are billed apart, from their own measure).
            warm = Host("costwarmup", HOST_ZONES[0])
            self._set_up(warm)
            self._probe_pages(warm)
            self._month(warm, rng, replace(self.scenario, bookings_per_host=2,
                                           views_per_booking=2.0,
                                           dashboard_minutes_per_host=60.0))
            self.harness.empty_table()
            self.bookings_made = self.booking_failures = 0
            self._dashboard_open = Spread(self._dashboard_open.rate, start=0.5)
        for n in hosts:
            host = Host(f"costhost{n}", HOST_ZONES[n % len(HOST_ZONES)])
            with self.harness.unmetered():
                self._set_up(host)
            self._month(host, rng, self.scenario)
            self.stored_bytes += self.harness.empty_table()

    # ---- one host's month ------------------------------------------------------------

    def _month(self, host: Host, rng: random.Random, s: Scenario) -> None:
        h = self.harness
        h.clock.current = MONTH_START
        tokens = h.json("POST", "/auth/login", body={"email": f"{host.slug}@example.com",
                                                       "password": PASSWORD})
        host.access, host.refresh = tokens["access_token"], tokens["refresh_token"]
        sessions = round(s.dashboard_minutes_per_host / s.dashboard_session_minutes)
        days = MONTH_MINUTES / 1440
        timeline = [(MONTH_START + timedelta(days=(k + 0.5) * days / s.bookings_per_host),
                     "booking", k) for k in range(s.bookings_per_host)]
        timeline += [(MONTH_START + timedelta(days=(j + 0.3) * days / max(1, sessions)),
                      "session", j) for j in range(sessions)]
        paid, views = Spread(s.paid_share), Spread(s.views_per_booking)
        months, assets = Spread(s.months_per_view), Spread(s.asset_miss_rate)
        for when, kind, k in sorted(timeline):
            h.clock.current = when
            if kind == "session":
                self._dashboard_visit(host, s)
                continue
            event = "session" if paid.next() else "intro"
            client_zone = CLIENT_ZONES[k % len(CLIENT_ZONES)]
            self._book(host, event, client_zone, views.next(), months, assets,
                       bool(self._dashboard_open.next()), rng)

    def _book(self, host: Host, event: str, zone: str, views: int, months: Spread,
              assets: Spread, dashboard_open: bool, rng: random.Random) -> None:
        h = self.harness
        starts: list[str] = []
        for _ in range(max(1, views)):
            self._page(f"/{host.slug}/{event}")
            if assets.next():
                for path in self.booking_assets:
                    h.http("GET", path)
            shown = max(1, months.next())
            starts = [start for month in range(shown)
                      for start in self._slots(host, event, zone, month)]
        socket = self._open_dashboard(host) if dashboard_open else None
        booking = None
        for _ in range(3):
            if not starts:
                break
            start = starts.pop(rng.randrange(len(starts)))
            status, body = h.http_json(
                "POST", f"/hosts/{host.slug}/{event}/bookings",
                # One client per booking: a real month's bookings come from many people
                # (and one address is capped at a few bookings a day per host).
                body={"start": start, "attendee": {"name": "Cost Client",
                                                   "email": f"client-{start[:16]}@example.com",
                                                   "timezone": zone}},
                headers={"idempotency-key": f"cost-{host.slug}-{start}"})
            if status == 201:
                booking = body
                break
        if booking is None:
            self.booking_failures += 1
            return
        self.bookings_made += 1
        token = booking["links"]["cancel_token"]
        self._page(f"/booking/{booking['uid']}?token={quote(token)}")
        h.pump()
        if socket is not None:
            # The dashboard reloads its list once per burst of events it receives.
            bursts = h.sender.bursts_to(socket)
            if bursts:
                access = self._fresh_access(host)
                for _ in range(bursts):
                    h.http("GET", "/me/bookings?status=upcoming&limit=100", token=access)
            with h.unmetered():
                h.realtime_services().realtime.disconnect(socket)

    def _slots(self, host: Host, event: str, zone: str, month: int) -> list[str]:
        today = self.harness.clock.current.astimezone(ZoneInfo(zone)).date()
        first = today if month == 0 else _add_months(today.replace(day=1), month)
        last = _add_months(first.replace(day=1), 1) - timedelta(days=1)
        status, body = self.harness.http_json(
            "GET", f"/hosts/{host.slug}/{event}/slots?start={first}&end={last}"
                   f"&timeZone={quote(zone, safe='')}")
        if status != 200:
            return []
        return [slot["start"] for day in body["slots"].values() for slot in day]

    def _dashboard_visit(self, host: Host, s: Scenario) -> None:
        """One visit: the access cookie has expired since the last one."""
        h = self.harness
        h.http("GET", "/me/profile", token=host.access)  # 401: refresh, then again
        tokens = h.json("POST", "/auth/refresh", body={"refresh_token": host.refresh})
        host.access, host.refresh = tokens["access_token"], tokens["refresh_token"]
        self._page("/app")
        if host.sessions == 0:  # hashed, immutable assets: fetched once a month at most
            for path in self.dashboard_assets:
                h.http("GET", path)
        host.sessions += 1
        h.http("GET", "/me/profile", token=host.access)
        minutes = s.dashboard_session_minutes
        first = True
        while minutes > 0:  # API Gateway closes a connection after 2 hours
            stint = min(minutes, 120.0)
            if not first:  # the 15-minute access token has run out meanwhile
                tokens = h.json("POST", "/auth/refresh", body={"refresh_token": host.refresh})
                host.access, host.refresh = tokens["access_token"], tokens["refresh_token"]
            socket = h.ws_connect(self._credential(host))
            if first:
                h.http("GET", "/me/bookings?status=upcoming&limit=100", token=host.access)
            first = False
            for _ in range(int(stint // self.keepalive_minutes)):
                h.clock.current += timedelta(minutes=self.keepalive_minutes)
                h.ws_message(socket, json.dumps({"action": "keepalive"}))  # as app-api.js
            h.ws_disconnect(socket)
            h.add_connection_minutes(stint)
            minutes -= stint

    def _credential(self, host: Host) -> dict[str, str]:
        body = self.harness.json("POST", "/me/realtime/ticket", token=host.access)
        return {"ticket": body["ticket"]}

    def _open_dashboard(self, host: Host) -> str:
        with self.harness.unmetered():
            return self.harness.ws_connect({"token": self._fresh_access(host)})

    def _fresh_access(self, host: Host) -> str:
        with self.harness.unmetered():
            tokens = self.harness.json("POST", "/auth/refresh",
                                       body={"refresh_token": host.refresh})
        host.access, host.refresh = tokens["access_token"], tokens["refresh_token"]
        return host.access

    # ---- set-up, not part of the month -----------------------------------------------

    def _set_up(self, host: Host) -> None:
        h = self.harness
        h.clock.current = MONTH_START - timedelta(days=1)
        signup = h.json("POST", "/auth/signup", body={
            "email": f"{host.slug}@example.com", "password": PASSWORD, "slug": host.slug,
            "display_name": f"Host {host.slug}", "timezone": host.zone})
        host.host_id, token = signup["host_id"], signup["access_token"]
        ranges = [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
        week = {day: ranges for day in ("monday", "tuesday", "wednesday", "thursday",
                                        "friday")}
        h.json("PUT", "/me/schedule", token=token, body={"weekly": week})
        h.json("POST", "/me/event-types", token=token, body={
            "slug": "intro", "title": "Intro call", "duration_minutes": 30,
            "location": {"kind": "zoom"}})
        h.json("POST", "/me/event-types", token=token, body={
            "slug": "session", "title": "Coaching session", "duration_minutes": 60,
            "location": {"kind": "zoom"}, "buffer_after_minutes": 10,
            "price": {"amount_minor": 5000, "currency": "EUR"}})

    def _page(self, path: str) -> str:
        """A page's HTML; a page that does not answer with one fails the run."""
        status, headers, html = self.harness.http("GET", path)
        if status != 200 or "html" not in headers.get("Content-Type", "").lower():
            raise RuntimeError(f"GET {path}: {status} {headers.get('Content-Type')}")
        return html

    def _probe_pages(self, host: Host) -> None:
        """The static assets each page pulls in."""
        self.booking_assets = self._crawl(self._page(f"/{host.slug}/intro"))
        self.dashboard_assets = self._crawl(self._page("/app"))
        self.harness.pump()

    def _crawl(self, html: str) -> list[str]:
        """The static files a page links, and what they link in turn (a stylesheet's
        `url(...)`); one that does not answer fails the run."""
        found: list[str] = []
        todo = list(STATIC_REF.findall(html))
        while todo:
            path = todo.pop(0)
            if path in found:
                continue
            status, _, body = self.harness.http("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status}")
            found.append(path)
            todo += STATIC_REF.findall(body)
        return found


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)

