"""A booking page's views before a booking: the page with its first two months of slots,
its assets on a miss, the slots of each later month shown; the starts they offered."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bench.costing.harness import Harness
from bench.costing.sample_host import Host
from bench.costing.scenario import Scenario
from chalicelib.web.embedded_slots import sent_starts

PAGE_DATA = re.compile(r'<script type="application/json" id="penny-page">(.*?)</script>')


class BookingViews:
    """The views of a host's booking page, weighted for the month's."""

    harness: Harness
    booking_assets: list[str]
    _page: Callable[..., str]

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
