"""The host's dashboard in the month: each pattern's page loads, returns, reconnects,
connections and keepalives (scenario.py counts them), with the timings read from the
dashboard's own script."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.costing.harness import Harness
from bench.costing.sample_host import Host
from bench.costing.scenario import DASHBOARDS, DashboardCounts, dashboard_counts

DASHBOARD_SCRIPT = Path(__file__).resolve().parents[2] / "chalicelib/web/static/app-live.js"
KEPT_OPEN = ":kept-open"  # a dashboard part as it was before hidden tabs closed the socket


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


class DashboardVisits:
    """A month of one dashboard pattern, as the page makes its requests."""

    harness: Harness
    dashboard_assets: list[str]
    _page: Callable[..., str]
    _browser: Callable[..., Any]

    def _dashboard(self, host: Host, part: str, counts: DashboardCounts) -> None:
        """A month of one dashboard pattern: each kind of request once, by its count, as
        the page makes it (app-api.js, app-live.js), with the cookie session.

        A page load: the page, a refresh (the 15-minute access cookie ran out since the
        last visit, and the page knows it from the last session answer), the profile, the
        bookings list and the connections (its notice of a broken one: both read while
        the ticket is on its way; read again once the socket is open, below) and a ticket.
        A return (the tab shown after its socket closed) and a reconnect (API Gateway's
        2-hour limit): a refresh that brings the ticket (?realtime=true). Every
        connection: $connect, the bookings list and the connections, and its close (no
        function runs: its record waits for its TTL or the next push).
        """
        h = self.harness
        h.clock.current += timedelta(minutes=20)  # the last access cookie has run out
        with h.weighted(part, counts.page_loads):
            self._page("/app")
            self._browser(host, "POST", "/auth/session/refresh")
            self._browser(host, "GET", "/me/profile")
            self._browser(host, "GET", "/me/bookings?status=upcoming&limit=100")
            self._browser(host, "GET", "/me/connections")
            self._browser(host, "POST", "/me/realtime/ticket")
        with h.weighted(part, 1.0):  # hashed, immutable: fetched once a month at most
            for path in self.dashboard_assets:
                h.http("GET", path)
        with h.weighted(part, counts.returns + counts.reconnects):
            ticket = self._browser(host, "POST", "/auth/session/refresh?realtime=true")
        with h.weighted(part, counts.connections):
            socket = h.ws_connect({"ticket": ticket["realtime"]["ticket"]})
            self._browser(host, "GET", "/me/bookings?status=upcoming&limit=100")
            self._browser(host, "GET", "/me/connections")
        with h.weighted(part, counts.keepalives):
            h.ws_message(socket, json.dumps({"action": "keepalive"}))  # as app-live.js
        h.ws_close(socket)
        h.add_connection_minutes(part, counts.connection_minutes)
