"""The host's Google Calendar in the month: changes the host makes, and Penny's own writes,
pushed by Google to Penny as the sandbox sends them, and what each one sets off."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bench.costing.harness import Harness
from bench.costing.sample_host import Host


class CalendarPushes:
    """Google's push notifications, handed to Penny."""

    harness: Harness
    unpushed_changes: int

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


def _wait_for(sandbox: Any, seen: int) -> list[Any]:
    """The notifications the sandbox sent after the first `seen` (it sends from a thread
    of its own; a change that sent none fails the run)."""
    deadline = time.monotonic() + 10
    while len(sandbox.notifications("google")) <= seen:
        if time.monotonic() > deadline:
            raise RuntimeError("the sandbox sent no notification for a calendar change")
        time.sleep(0.005)
    return list(sandbox.notifications("google")[seen:])
