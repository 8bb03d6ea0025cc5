"""One booking of the month: the page views, a checkout never paid (once a host), the
booking request, then the booking's own requests (paid or not), the pushes of Penny's own
calendar writes and any open dashboard's reloads."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from bench.costing.harness import Harness
from bench.costing.paid import PaidBookings
from bench.costing.sample_host import PAID_EVENT, Host
from bench.costing.scenario import PAID, UNPAID, Scenario

# A time someone else took meanwhile (409 slot_taken) or no longer offered (422
# slot_unavailable): another start is tried.
TAKEN = (409, 422)


class MonthBookings:
    """A host's bookings, each counted in its part (paid or unpaid)."""

    harness: Harness
    paid: PaidBookings
    bookings_made: int
    paid_bookings: int
    booking_failures: int
    _views: Callable[..., list[str]]
    _page: Callable[..., str]
    _own_pushes: Callable[[Host, int], None]
    _open_dashboard: Callable[[Host], str]
    _fresh_access: Callable[[Host], str]

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
                # The dashboard reads the booking once per burst of events it receives
                # (its row placed alone: app-bookings.js).
                bursts = h.sender.bursts_to(socket)
                if bursts:
                    access = self._fresh_access(host)
                    for _ in range(bursts):
                        h.http("GET", f"/me/bookings/{booking['uid']}", token=access)
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
                                   "email": f"client-{start[:16].replace(':', '')}@example.com",
                                   "timezone": zone}},
                headers={"idempotency-key": f"cost-{host.slug}-{start}"})
            if status == 201:
                return dict(body)
            if status not in TAKEN:
                # Any other refusal is the model's own fault (a request the API no longer
                # takes): priced, it would be a month of bookings never made.
                raise RuntimeError(f"a booking of {host.slug}/{event} was refused: {status} "
                                   f"{body}")
        return None
