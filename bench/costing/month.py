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
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from bench.costing.harness import PUBLIC_URL, Harness
from bench.costing.paid import PRICES, PaidBookings, provider_for
from bench.costing.scenario import (
    DASHBOARDS,
    MONTH_MINUTES,
    PAID,
    UNPAID,
    DashboardCounts,
    Scenario,
    Spread,
    dashboard_counts,
)
from chalicelib.web.embedded_slots import sent_starts

MONTH_START = datetime(2026, 12, 1, tzinfo=UTC)
HOST_ZONES = ("America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles",
              "Europe/London")
CLIENT_ZONES = ("America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney",
                "America/Los_Angeles", "Europe/Berlin")
PASSWORD = "a long cost-model passphrase"
STATIC_REF = re.compile(r"""["'(](/[^"'()\s]*?/static/[^"'()\s]+|/static/[^"'()\s]+)["')]""")
PAGE_DATA = re.compile(r'<script type="application/json" id="penny-page">(.*?)</script>')
DASHBOARD_SCRIPT = Path(__file__).resolve().parents[2] / "chalicelib/web/static/app-api.js"
BOT_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
KEPT_OPEN = ":kept-open"  # a dashboard part as it was before hidden tabs closed the socket
PAID_EVENT = "session"    # each host's priced event type ("intro" is free)
NOTES_HOST = 1            # the sample host who keeps notes (0 is the premium one)


def script_minutes(name: str) -> float:
    """One of the dashboard script's `const NAME = a * b * c;` (ms), in minutes, read from
    the script so the model and the dashboard cannot drift."""
    found = re.search(rf"{name}\s*=\s*([\d\s*]+);", DASHBOARD_SCRIPT.read_text())
    if not found:
        raise LookupError(f"no {name} = ...; in {DASHBOARD_SCRIPT}")
    ms = 1
    for factor in found[1].split("*"):
        ms *= int(factor)
    return ms / 60000


def keepalive_minutes() -> float:
    """The dashboard's keepalive interval."""
    return script_minutes("KEEPALIVE_MS")


def hidden_close_minutes() -> float:
    """How long a hidden dashboard tab keeps its socket."""
    return script_minutes("HIDDEN_CLOSE_MS")


def dashboard_parts() -> dict[str, DashboardCounts]:
    """Each dashboard part of the month and what it sends."""
    keepalive, hidden = keepalive_minutes(), hidden_close_minutes()
    parts = {}
    for name, pattern in DASHBOARDS.items():
        parts[f"dashboard:{name}"] = dashboard_counts(pattern, keepalive, hidden)
        parts[f"dashboard:{name}{KEPT_OPEN}"] = dashboard_counts(pattern, keepalive, None)
    return parts


@dataclass
class Host:
    slug: str
    zone: str
    google_account: str = ""
    host_id: str = ""
    access: str = ""
    refresh: str = ""
    sessions: int = 0
    abandoned: bool = False  # its month's abandoned checkout has run
    # The dashboard's cookie session, as the browser holds it: name -> (value, path).
    jar: dict[str, tuple[str, str]] = field(default_factory=dict)
    csrf: str = ""


@dataclass
class Month:
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
                _premium(warm.slug)  # its briefs load google-genai here, not in the month
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

    def _book(self, host: Host, event: str, zone: str, s: Scenario, dashboard_open: bool,
              rng: random.Random) -> None:
        h = self.harness
        paid = event == PAID_EVENT
        part = PAID if paid else UNPAID
        # The views come in two groups, the day before and just before the booking: the
        # month's reads are spread over its days (what renews the calendar's channel).
        booked_at = h.clock.current
        for when in (booked_at - timedelta(hours=18), booked_at):
            h.clock.current = when
            starts = self._views(host, event, zone, s, s.views_per_booking / 2)
        if paid and not host.abandoned and s.abandoned_share > 0:
            # A checkout never paid, before the host's first paid booking: it stands for
            # the host's month of them (abandoned_share of the checkouts opened).
            host.abandoned = True
            with h.weighted(PAID, s.bookings_per_host * s.paid_share * s.abandoned_share
                            / (1 - s.abandoned_share)):
                held = self._hold(host, event, zone, starts, rng)
                if held is not None:
                    self.paid.hold_ends(held)  # the timer ends it; the slot is free again
        socket = self._open_dashboard(host) if dashboard_open else None
        seen = len(h.sandbox.notifications("google"))
        with h.weighted(part, 1):
            booking = self._hold(host, event, zone, starts, rng)
        if booking is None:
            self.booking_failures += 1
            return
        self.bookings_made += 1
        self.paid_bookings += paid
        with h.weighted(part, 1):
            if booking["status"] == "pending_payment":
                self.paid.pay(booking)
            else:
                token = booking["links"]["cancel_token"]
                self._page(f"/booking/{booking['uid']}?token={quote(token)}")
                h.pump()
            self._own_pushes(host, seen)
            if socket is not None:
                # The dashboard reloads its list once per burst of events it receives.
                bursts = h.sender.bursts_to(socket)
                if bursts:
                    access = self._fresh_access(host)
                    for _ in range(bursts):
                        h.http("GET", "/me/bookings?status=upcoming&limit=100", token=access)
        if socket is not None:
            with h.unmetered():
                h.ws_forget(host.host_id, socket)

    def _hold(self, host: Host, event: str, zone: str, starts: list[str],
              rng: random.Random) -> dict[str, Any] | None:
        """The booking request, on one of the starts offered (three tries); the booking."""
        for _ in range(3):
            if not starts:
                break
            start = starts.pop(rng.randrange(len(starts)))
            status, body = self.harness.http_json(
                "POST", f"/hosts/{host.slug}/{event}/bookings",
                # One client per booking: a real month's bookings come from many
                # people (and one address is capped at a few bookings a day per host).
                body={"start": start,
                      "attendee": {"name": "Cost Client",
                                   "email": f"client-{start[:16]}@example.com",
                                   "timezone": zone}},
                headers={"idempotency-key": f"cost-{host.slug}-{start}"})
            if status == 201:
                return dict(body)
        return None

    def _views(self, host: Host, event: str, zone: str, s: Scenario, views: float
               ) -> list[str]:
        """`views` views of a booking page: the page with its first two months of slots,
        its assets on a miss, the slots of each later month shown. The starts it offered."""
        h = self.harness
        # The first view runs alone: its slots may find the calendar copy expired and
        # refresh it, which the views right after it then do not.
        html = ""
        for weight in (min(1.0, views), max(0.0, views - 1)):
            if weight > 0:
                with h.weighted("bookings", weight):
                    html = self._page(f"/{host.slug}/{event}")
        with h.weighted("bookings", views * s.asset_miss_rate):
            for path in self.booking_assets:
                h.http("GET", path)
        sent = _sent(html)
        if sent is None:   # a page sent without its slots: the picker asks for them
            with h.weighted("bookings", views):
                starts = self._slots(host, event, zone, 0)
        else:
            starts = sent_starts(sent)
        # The next month: from the page's slots when they hold it in the visitor's zone
        # (they hold this month and the next as the server's clock sees them), else asked.
        if sent is None or not _holds(sent, *self._month_days(zone, 1)):
            with h.weighted("bookings", views * max(0.0, s.months_per_view - 1)):
                starts += self._slots(host, event, zone, 1)
        return starts

    def _month_days(self, zone: str, month: int) -> tuple[date, date]:
        """The days of the visitor's month (0: this one, from today) in their zone."""
        today = self.harness.clock.current.astimezone(ZoneInfo(zone)).date()
        first = today if month == 0 else _add_months(today.replace(day=1), month)
        return first, _add_months(first.replace(day=1), 1) - timedelta(days=1)

    def _slots(self, host: Host, event: str, zone: str, month: int) -> list[str]:
        first, last = self._month_days(zone, month)
        status, body = self.harness.http_json(
            "GET", f"/hosts/{host.slug}/{event}/slots?start={first}&end={last}"
                   f"&timeZone={quote(zone, safe='')}")
        if status != 200:
            return []
        return [slot["start"] for day in body["slots"].values() for slot in day]

    def _calendar_change(self, host: Host, k: int, weight: float) -> None:
        """The host changes their own Google calendar; Google pushes it to Penny, which
        re-reads what changed (and, on its way, refreshes its token and renews the
        channel when they are due)."""
        h = self.harness
        sandbox = h.sandbox
        day = (h.clock.current + timedelta(days=2)).date()
        seen = len(sandbox.notifications("google"))
        with h.unmetered():
            at = datetime.combine(day, datetime.min.time(), ZoneInfo(host.zone)) + \
                timedelta(hours=8, minutes=15 * k)
            sandbox.add_event("google", f"Own event {k}", at.astimezone(UTC),
                              (at + timedelta(minutes=30)).astimezone(UTC),
                              account=host.google_account)
        if not self._watched(host):
            # No live channel (it lapsed with no request to renew it): Google sends
            # nothing, and the change reaches Penny when a read finds the copy expired.
            self.unpushed_changes += 1
            return
        with h.weighted("calendar", weight):
            self._deliver(_wait_for(sandbox, seen))

    def _own_pushes(self, host: Host, seen: int) -> None:
        """Google's notifications of Penny's own writes: the calendar worker's new event
        (and a renewed channel's first message) in a watched calendar are pushed like
        any change, and each one's sync runs in the API (it finds the event already in
        the copy)."""
        sandbox = self.harness.sandbox
        self._deliver(_wait_for(sandbox, seen) if self._watched(host)
                      else list(sandbox.notifications("google")[seen:]))

    def _watched(self, host: Host) -> bool:
        """Whether a live Google channel watches the host's calendar."""
        return any(host.google_account in w.calendar_ids
                   for w in self.harness.sandbox.watches("google"))

    def _deliver(self, sent: list[Any]) -> None:
        """Hand Penny the notifications the sandbox sent, each as Google posts it, and
        what each one sets off."""
        h = self.harness
        for delivery in sent:
            h.http("POST", urlsplit(delivery.url).path, body=delivery.body,
                   headers=dict(delivery.headers), accept_encoding=None)
            h.pump()

    def _bots(self, host: Host, s: Scenario) -> None:
        """Crawlers fetch the public pages; a share of them run the booking page's script."""
        h = self.harness
        pages = [f"/{host.slug}", f"/{host.slug}/intro", f"/{host.slug}/session"]
        bot = {"user-agent": BOT_AGENT}
        with h.weighted("bots", s.bot_views_per_host / len(pages)):
            for path in pages:
                self._page(path, bot)
        # The month's slots came with the page: a bot running its script asks for none.
        rendered = s.bot_views_per_host * s.bot_render_share
        with h.weighted("bots", rendered * s.asset_miss_rate):
            for path in self.booking_assets:
                h.http("GET", path, headers=bot)

    def _dashboard(self, host: Host, part: str, counts: DashboardCounts) -> None:
        """A month of one dashboard pattern: each kind of request once, by its count, as
        the page makes it (app-api.js), with the cookie session.

        A page load: the page, a refresh (the 15-minute access cookie ran out since the
        last visit, and the page knows it from the last session answer), the profile, the
        bookings list (read while the ticket is on its way; read again once the socket is
        open, below) and a ticket. A return (the tab shown after its socket closed) and a
        reconnect (API Gateway's 2-hour limit): a refresh that brings the ticket
        (?realtime=true). Every connection: $connect and the bookings list, and its close
        (no function runs: its record waits for its TTL or the next push).
        """
        h = self.harness
        h.clock.current += timedelta(minutes=20)  # the last access cookie has run out
        with h.weighted(part, counts.page_loads):
            self._page("/app")
            self._browser(host, "POST", "/auth/session/refresh")
            self._browser(host, "GET", "/me/profile")
            self._browser(host, "GET", "/me/bookings?status=upcoming&limit=100")
            self._browser(host, "POST", "/me/realtime/ticket")
        with h.weighted(part, 1.0):  # hashed, immutable: fetched once a month at most
            for path in self.dashboard_assets:
                h.http("GET", path)
        with h.weighted(part, counts.returns + counts.reconnects):
            ticket = self._browser(host, "POST", "/auth/session/refresh?realtime=true")
        with h.weighted(part, counts.connections):
            socket = h.ws_connect({"ticket": ticket["realtime"]["ticket"]})
            self._browser(host, "GET", "/me/bookings?status=upcoming&limit=100")
        with h.weighted(part, counts.keepalives):
            h.ws_message(socket, json.dumps({"action": "keepalive"}))  # as app-api.js
        h.ws_close(socket)
        h.add_connection_minutes(part, counts.connection_minutes)

    def _browser(self, host: Host, method: str, path: str, body: Any = None) -> Any:
        """A dashboard request as the browser sends it: the session's cookies (each to
        its path), the page's Origin and, for a change, the CSRF token; the cookies it
        sets are kept."""
        h = self.harness
        route = path.split("?")[0]
        headers = {"origin": PUBLIC_URL, "sec-fetch-site": "same-origin", "cookie": "; ".join(
            f"{name}={value}" for name, (value, at) in host.jar.items() if route.startswith(at))}
        if method != "GET":
            headers["x-csrf-token"] = host.csrf
        status, answer = h.http_json(method, path, body=body, headers=headers)
        for line in h.last_cookies:
            for name, morsel in SimpleCookie(line).items():
                if morsel.value and morsel["max-age"] != "0":
                    host.jar[name] = (morsel.value, morsel["path"] or "/")
                else:
                    host.jar.pop(name, None)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {answer}")
        return answer

    def _refresh(self, host: Host) -> None:
        tokens = self.harness.json("POST", "/auth/refresh", body={"refresh_token": host.refresh})
        host.access, host.refresh = tokens["access_token"], tokens["refresh_token"]

    def _open_dashboard(self, host: Host) -> str:
        with self.harness.unmetered():
            return self.harness.ws_connect({"token": self._fresh_access(host)})

    def _fresh_access(self, host: Host) -> str:
        with self.harness.unmetered():
            self._refresh(host)
        return host.access

    # ---- set-up, not part of the month -----------------------------------------------

    def _set_up(self, host: Host, n: int) -> None:
        """A host as a month finds them: signed up, hours set, Google Calendar connected
        (its primary calendar checked and written to), Stripe or Razorpay connected
        (paid.py), two event types with Google Meet, one of them priced."""
        from sandbox.model import Account

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
        account = Account(f"{100000000000000000000 + n}", f"{host.slug}@sandbox.test",
                          f"Host {n}")
        h.sandbox.add_account("google", account)
        host.google_account = account.email
        h.connect("google", token, ["calendar"], account=account.id)
        provider = provider_for(host.zone)
        self.paid.connect(provider, token, f"{host.slug}@example.com", f"Host {host.slug}")
        if n == 0 and self.scenario.premium_share > 0:
            # One premium host stands for them all: its brief jobs count
            # premium_share x sample_hosts times (harness.premium_weight).
            _premium(host.slug)
        if n == NOTES_HOST % self.scenario.sample_hosts and self.scenario.notes_share > 0:
            # One host who keeps notes stands for them all: its notes jobs count
            # notes_share x sample_hosts times (harness.notes_weight).
            self._keep_notes(host, token)
        h.json("POST", "/me/event-types", token=token, body={
            "slug": "intro", "title": "Intro call", "duration_minutes": 30,
            "location": {"kind": "google_meet"}})
        h.json("POST", "/me/event-types", token=token, body={
            "slug": "session", "title": "Coaching session", "duration_minutes": 60,
            "location": {"kind": "google_meet"}, "buffer_after_minutes": 10,
            "price": PRICES[provider]})

    def _keep_notes(self, host: Host, token: str | None = None) -> None:
        """The host connects Notion for client notes (its one database is chosen)."""
        h = self.harness
        token = token or h.json("POST", "/auth/login", body={
            "email": f"{host.slug}@example.com", "password": PASSWORD})["access_token"]
        h.connect("notion", token, ["notes"])

    def _page(self, path: str, headers: dict[str, str] | None = None) -> str:
        """A page's HTML; a page that does not answer with one fails the run."""
        status, headers, html = self.harness.http("GET", path, headers=headers)
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


def _premium(slug: str) -> None:
    from chalicelib.store.hosts import HostRepository

    HostRepository().set_premium(slug, True)  # as `make premium` does


def _wait_for(sandbox: Any, seen: int) -> list[Any]:
    """The notifications the sandbox sent after the first `seen` (it sends from a thread
    of its own; a change that sent none fails the run)."""
    deadline = time.monotonic() + 10
    while len(sandbox.notifications("google")) <= seen:
        if time.monotonic() > deadline:
            raise RuntimeError("the sandbox sent no notification for a calendar change")
        time.sleep(0.005)
    return list(sandbox.notifications("google")[seen:])


def _sent(html: str) -> dict[str, Any] | None:
    """The slots a booking page was sent with (its page data), or None without them."""
    found = PAGE_DATA.search(html)
    return json.loads(found[1]).get("slots") if found else None


def _holds(sent: dict[str, Any], first: date, last: date) -> bool:
    """Do the page's slots hold the visitor's days first..last, as the picker decides
    (a zone's day lies within the UTC days either side of it)?"""
    return (date.fromisoformat(sent["first"]) <= first - timedelta(days=1)
            and date.fromisoformat(sent["last"]) >= last + timedelta(days=1))


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)

