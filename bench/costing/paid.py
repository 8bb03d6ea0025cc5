"""Paid bookings in the simulated month (and in bench/payments.py): a host's payment
provider connected, and a paid booking from its hold to its confirmation, played as the
client, the vendor and AWS play it, through Penny's real handlers and the real stripe and
razorpay SDKs talking to the sandbox's fake Stripe and Razorpay.

- Hosts in India take INR through Razorpay with their own keys, the others EUR through
  Stripe Connect (docs/payments.md).
- Stripe: the client pays on Stripe's page (no request to Penny) and lands on the
  booking's page, which says it is waiting; the fake Stripe sends
  checkout.session.completed and payment_intent.succeeded to `POST /webhooks/stripe`;
  the page asks for the booking once (2 s later), finds it confirmed and reloads.
- Razorpay: Penny's pay page (when the app routes one) opens Checkout; its handler sends
  the signed payment to `POST /bookings/{uid}/payment/razorpay`, which confirms, then the
  booking's page; the host's webhook gets payment.authorized, payment.captured and
  order.paid, the events Penny asks hosts to send.
- The hold's timer fires at the hold's end whether or not the booking was paid: Scheduler
  publishes `payment.hold_expired`, and the payments worker finds it paid (or, for a
  checkout never paid, ends it at the provider and expires the booking).

Every webhook the fake vendors send goes to Penny's closed public URL and is recorded;
`Webhooks.deliver` hands each to Penny's route as it was sent (body and signature).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from bench.costing.harness import Harness

RAZORPAY_ZONES = ("Asia/Kolkata",)
# What Penny's dashboard tells a host to send to their Razorpay webhook (docs/payments.md).
RAZORPAY_EVENTS = ("payment.authorized", "payment.captured", "order.paid", "payment.failed",
                   "refund.processed")
PRICES = {"stripe": {"amount_minor": 5000, "currency": "EUR"},
          "razorpay": {"amount_minor": 150000, "currency": "INR"}}
PAY_PAGE = "/booking/{uid}/pay"


def provider_for(zone: str) -> str:
    return "razorpay" if zone in RAZORPAY_ZONES else "stripe"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@dataclass
class Webhooks:
    """Hands Penny the webhooks the fake vendors sent since the last call."""

    harness: Harness
    stripe_seen: int = 0
    razorpay_seen: int = 0
    redelivered: dict[str, int] | None = None  # per vendor: attempts that are no event's first
    handed: list[tuple[str, str]] | None = None  # (event type, Penny-Delivery), when kept

    def deliver(self) -> int:
        sandbox = self.harness.sandbox
        again = self.redelivered or {}
        sent = 0
        made = sandbox.stripe_wait_for_deliveries(len(sandbox.stripe_events())
                                                  + again.get("stripe", 0))
        for delivery in made[self.stripe_seen:]:
            self._post(delivery.event_type, "/webhooks/stripe", delivery.body,
                       {"stripe-signature": delivery.signature})
        sent += len(made) - self.stripe_seen
        self.stripe_seen = len(made)
        wanted = sum(1 for event in sandbox.razorpay_events() if event.url)
        made = sandbox.razorpay_wait_for_webhook_deliveries(wanted + again.get("razorpay", 0))
        for delivery in made[self.razorpay_seen:]:
            self._post(delivery.event, urlsplit(delivery.url).path, delivery.body,
                       dict(delivery.headers))
        sent += len(made) - self.razorpay_seen
        self.razorpay_seen = len(made)
        return sent

    def _post(self, kind: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        status, answer, text = self.harness.http("POST", path, body=body, headers=headers,
                                                 accept_encoding=None)
        if status != 200:
            raise RuntimeError(f"POST {path} ({kind}): {status} {text[:200]}")
        if self.handed is not None:
            self.handed.append((kind, answer.get("Penny-Delivery", "")))


class PaidBookings:
    """Connects hosts' payment providers and plays a paid booking after its hold."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.webhooks = Webhooks(harness)

    # ---- set-up ----------------------------------------------------------------------

    def connect(self, provider: str, token: str, email: str, name: str) -> None:
        """The host connects Stripe (and finishes its onboarding) or gives Razorpay keys."""
        h, sandbox = self.harness, self.harness.sandbox
        if provider == "stripe":
            h.json("POST", "/me/connections/stripe", token=token,
                   body={"features": ["payments"]})
            account = next(a for a in sandbox.stripe_accounts() if a["email"] == email)
            sandbox.stripe_complete_onboarding(account["id"])
            self.webhooks.deliver()  # account.updated: nothing Penny acts on
            status = h.json("POST", "/me/connections/stripe/test", token=token)["status"]
        else:
            merchant = sandbox.razorpay_add_merchant(name)
            answer = h.json("PUT", "/me/connections/razorpay", token=token, body={
                "key_id": merchant.key_id, "key_secret": merchant.key_secret,
                "webhook_secret": merchant.webhook_secret})
            sandbox.razorpay_webhook(merchant.key_id, answer["webhook_url"],
                                     events=RAZORPAY_EVENTS)
            status = answer["status"]
        if status != "connected":
            raise RuntimeError(f"connecting {provider}: {status}")

    # ---- after the hold ----------------------------------------------------------------

    def pay(self, booking: dict[str, Any], timer: bool = True) -> None:
        """The client pays and comes back; the vendor's webhooks; the hold's timer (unless
        `timer` is False: bench/payments.py measures it apart)."""
        h = self.harness
        payment, uid = booking["payment"], booking["uid"]
        view = path_of(booking["links"]["view"])
        token = view.rsplit("token=", 1)[-1]
        if payment["provider"] == "stripe":
            h.sandbox.stripe_pay(payment["checkout_url"].rsplit("/", 1)[-1])
            self._page(view)  # back from Stripe: waiting for the webhook
            self.webhooks.deliver()
            h.pump()
            # The page's first ask, 2 s later, finds it confirmed and reloads.
            status, body = h.http_json("GET", f"/bookings/{uid}?token={quote(token)}")
            if status != 200 or body["status"] != "confirmed":
                raise RuntimeError(f"paid booking {uid}: {status} {body}")
            self._page(view)
        else:
            if PAY_PAGE in h.routes:
                self._page(f"{PAY_PAGE.format(uid=uid)}?token={quote(token)}")
            paid = h.sandbox.razorpay_pay(payment["order_id"], notes={"booking_uid": uid})
            confirmed = h.json("POST", f"/bookings/{uid}/payment/razorpay",
                               body={"token": token, **paid})
            if confirmed["status"] != "confirmed":
                raise RuntimeError(f"paid booking {uid}: {confirmed['status']}")
            self._page(view)
            self.webhooks.deliver()  # they find it paid already: claimed, nothing to do
            h.pump()
        if timer:
            self.hold_ends(booking)

    def hold_ends(self, booking: dict[str, Any]) -> None:
        """The hold's end: Scheduler fires its timer, the payments worker takes it (and
        Stripe reports a session Penny ended)."""
        h = self.harness
        until = datetime.fromisoformat(booking["payment"]["hold_until"])
        h.clock.current = max(h.clock.current, until + timedelta(seconds=1))
        if not h.fire_schedules():
            raise RuntimeError(f"no hold timer fired for {booking['uid']}")
        h.pump()
        if self.webhooks.deliver():  # Stripe's checkout.session.expired, for one never paid
            h.pump()

    def _page(self, path: str) -> None:
        status, headers, _ = self.harness.http("GET", path)
        if status != 200 or "html" not in headers.get("Content-Type", "").lower():
            raise RuntimeError(f"GET {path}: {status} {headers.get('Content-Type')}")
