"""Fake Razorpay, mounted at `/razorpay` with Razorpay's real paths below it: the REST API
(`/v1/orders`, `/v1/payments`, `/v1/refunds`), Checkout (`/v1/checkout.js` and its page)
and webhooks to each merchant's registered URL.

Razorpay is not an OAuth provider: each host brings their own key id, key secret and
webhook secret. The sandbox seeds one merchant with the fixed, public credentials below
(they open nothing but this fake); tests add more. ProviderSandbox's `razorpay_*` methods
(sandbox/razorpay_control.py) drive it.
"""

from __future__ import annotations

import dataclasses
import secrets
import string
from html import escape
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import pages
from sandbox.api_gate import ApiGate
from sandbox.razorpay_api import RazorpayApi
from sandbox.razorpay_checkout import RazorpayCheckout, money
from sandbox.razorpay_disputes import OUTCOMES, decide_dispute, open_dispute
from sandbox.razorpay_store import Merchant, RazorpayError, RazorpayStore, new_id
from sandbox.razorpay_webhooks import RazorpayWebhooks
from sandbox.wire import html_response

SANDBOX_MERCHANT = Merchant(name="Ada's Studio", key_id="rzp_test_PennySandbox01",
                            key_secret="pennySandboxKeySecret001",
                            webhook_secret="penny-sandbox-razorpay-webhook-secret",
                            account_id="acc_PennySandbox01")


class FakeRazorpay:
    name = "razorpay"
    title = "Razorpay"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.store = RazorpayStore()
        self.store.add(dataclasses.replace(SANDBOX_MERCHANT))
        self.gate = ApiGate()
        self.webhooks = RazorpayWebhooks()
        self.api = RazorpayApi(self.store, self.webhooks, self.gate)
        self.checkout = RazorpayCheckout(self.store, self.webhooks)

    def rules(self) -> list[Rule]:
        return [*self.api.rules(), *self.checkout.rules(),
                Rule("/_sandbox", endpoint=self.control, methods=["GET"]),
                Rule("/_sandbox/refunds/<refund_id>/fail", endpoint=self.fail_refund,
                     methods=["POST"]),
                Rule("/_sandbox/disputes/<dispute_id>/decide", endpoint=self.decide,
                     methods=["POST"])]

    def fail_refund(self, request: Request, refund_id: str) -> Response:
        """The sandbox page's "Fail it" button: the refund comes back (a closed account),
        and refund.failed is sent to the merchant's webhook."""
        with self.store.lock:
            merchants = list(self.store.merchants.values())
        for merchant in merchants:
            if any(r["id"] == refund_id for r in self.store.listed(merchant, "refunds")):
                self.refund_failed(merchant, refund_id)
                return Response(status=303, headers={"Location": f"{self.base_url}/_sandbox"})
        return html_response(pages.error(self.title, "No such refund", refund_id), 404)

    def refund_failed(self, merchant: Merchant, refund_id: str) -> dict[str, Any]:
        refund, events = self.store.fail_refund(merchant, refund_id)
        self.webhooks.publish(merchant, events)
        return refund

    def dispute(self, merchant: Merchant, payment_id: str, reason_code: str
                ) -> dict[str, Any]:
        """The client's bank opens a dispute on the payment: payment.dispute.created."""
        with self.store.lock:
            opened, events = open_dispute(self.store.books(merchant), payment_id, reason_code)
        self.webhooks.publish(merchant, events)
        return opened

    def decide_dispute(self, merchant: Merchant, dispute_id: str, status: str
                       ) -> dict[str, Any]:
        """The bank decides the dispute (won, lost, closed): payment.dispute.<status>."""
        with self.store.lock:
            decided, events = decide_dispute(self.store.books(merchant), dispute_id, status)
        self.webhooks.publish(merchant, events)
        return decided

    def decide(self, request: Request, dispute_id: str) -> Response:
        """The sandbox page's Won / Lost / Closed buttons: the bank decides the dispute."""
        with self.store.lock:
            merchants = [m for m in self.store.merchants.values()
                         if dispute_id in self.store.books(m).disputes]
        try:
            if not merchants:
                raise RazorpayError("No such dispute", "id")
            self.decide_dispute(merchants[0], dispute_id, request.form.get("status", ""))
        except (RazorpayError, ValueError) as exc:
            return html_response(pages.error(self.title, "Not decided", str(exc)), 404)
        return Response(status=303, headers={"Location": f"{self.base_url}/_sandbox"})

    def refund_in_dashboard(self, merchant: Merchant, payment_id: str,
                            amount: int | None) -> dict[str, Any]:
        """The merchant refunds a payment in Razorpay's own dashboard: a refund without
        Penny's receipt or notes; refund.created and refund.processed are sent."""
        refund, events = self.store.refund(merchant, payment_id, amount, "normal", None, None)
        self.webhooks.publish(merchant, events)
        return refund

    def merchant(self, key_id: str | None = None) -> Merchant:
        """A merchant by key id (default: the seeded one)."""
        with self.store.lock:
            return self.store.merchants[key_id or SANDBOX_MERCHANT.key_id]

    def add_merchant(self, name: str) -> Merchant:
        alphabet = string.ascii_letters + string.digits
        return self.store.add(Merchant(
            name=name, key_id=f"rzp_test_{new_id('x')[2:]}",
            key_secret="".join(secrets.choice(alphabet) for _ in range(24)),
            webhook_secret=secrets.token_urlsafe(18), account_id=new_id("acc")))

    def pay(self, order_id: str, method: str = "upi",
            notes: dict[str, Any] | None = None, opened_before_paid: bool = False
            ) -> dict[str, Any]:
        return self.checkout.pay(self.store.owner(order_id), order_id, method, notes,
                                 opened_before_paid=opened_before_paid)

    def stop(self) -> None:
        self.webhooks.stop()

    def control(self, request: Request) -> Response:
        """The sandbox page: merchants, their orders, and the webhook deliveries."""
        with self.store.lock:
            merchants = list(self.store.merchants.values())
        rows = "".join(
            f"<tr><td>{escape(m.name)}</td><td><code>{escape(m.key_id)}</code></td>"
            f"<td><code>{escape(m.account_id)}</code></td>"
            f"<td><code>{escape(m.webhook_url or '(none)')}</code></td></tr>"
            for m in merchants)
        orders = "".join(
            f"<li><code>{escape(o['id'])}</code> {escape(money(o['amount'], o['currency']))}"
            f" {escape(o['status'])}</li>"
            for m in merchants for o in self.store.listed(m, "orders"))
        refunds = "".join(
            f"<li><code>{escape(r['id'])}</code> {escape(money(r['amount'], r['currency']))}"
            f" {escape(r['status'])}"
            + (f' <form method="post" action="{escape(self.base_url)}/_sandbox/refunds/'
               f'{escape(r["id"])}/fail" style="display:inline"><button>Fail it (the card '
               "is closed)</button></form>" if r["status"] == "processed" else "")
            + "</li>"
            for m in merchants for r in self.store.listed(m, "refunds"))
        argued = "".join(
            f"<li><code>{escape(d['id'])}</code> {escape(d['status'])}"
            + (f' <form method="post" action="{escape(self.base_url)}/_sandbox/disputes/'
               f'{escape(d["id"])}/decide" style="display:inline">' + "".join(
                   f'<button name="status" value="{o}">{o.title()}</button>' for o in OUTCOMES)
               + "</form>" if d["status"] not in OUTCOMES else "")
            + "</li>"
            for m in merchants for d in self.store.listed(m, "disputes"))
        sent = "".join(
            f"<li><code>{escape(d.event_id)}</code> {escape(d.event)} try {d.attempt}: "
            f"{d.status or escape(d.error or '')}</li>"
            for d in reversed(self.webhooks.deliveries()))
        page = pages.error(self.title, "Razorpay sandbox", f"Base URL {self.base_url}")
        extra = (f"<h2>Merchants</h2><table><tr><th>name</th><th>key id</th><th>account</th>"
                 f"<th>webhook</th></tr>{rows}</table><h2>Orders</h2><ul>"
                 f"{orders or '<li>None yet.</li>'}</ul><h2>Refunds</h2><ul>"
                 f"{refunds or '<li>None yet.</li>'}</ul><h2>Disputes</h2><ul>"
                 f"{argued or '<li>None yet.</li>'}</ul><h2>Webhook deliveries</h2><ul>"
                 f"{sent or '<li>None yet.</li>'}</ul>")
        return html_response(page.replace("</main>", f"{extra}</main>"))
