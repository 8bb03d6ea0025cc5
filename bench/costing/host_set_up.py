"""A sample host as a month finds them, set up before the month and not part of it:
signed up, hours set, calendar and payments connected, event types made; the premium
host, and the one who keeps client notes."""

from __future__ import annotations

from datetime import timedelta

from bench.costing.harness import Harness
from bench.costing.paid import PRICES, PaidBookings, provider_for
from bench.costing.sample_host import MONTH_START, PASSWORD, Host
from bench.costing.scenario import Scenario

NOTES_HOST = 1            # the sample host who keeps notes (0 is the premium one)


class HostSetUp:
    """Sets a sample host up (unmetered in the month: called by `Month.run`)."""

    harness: Harness
    paid: PaidBookings
    scenario: Scenario

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
            make_premium(host.slug)
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


def make_premium(slug: str) -> None:
    from chalicelib.store.hosts import HostRepository

    HostRepository().set_premium(slug, True)  # as `make premium` does
