"""The Razorpay half of the sandbox's control surface for tests (ProviderSandbox mixes it
in): merchants and their webhooks, what Penny made (orders, payments, refunds), paying
without a browser, and what the webhook sender does (retries, copies, holds, forgeries)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sandbox.razorpay import FakeRazorpay
from sandbox.razorpay_store import Entity, Merchant
from sandbox.razorpay_webhooks import WebhookDelivery, WebhookEvent


class RazorpayControl:
    razorpay: FakeRazorpay

    # -- merchants -------------------------------------------------------------------

    def razorpay_merchant(self, key_id: str | None = None) -> Merchant:
        """A merchant's credentials (default: the seeded one, `rzp_test_PennySandbox01`)."""
        return self.razorpay.merchant(key_id)

    def razorpay_add_merchant(self, name: str = "Grace's Studio") -> Merchant:
        """Another host's Razorpay account, with fresh credentials."""
        return self.razorpay.add_merchant(name)

    def razorpay_webhook(self, key_id: str, url: str, secret: str | None = None,
                         events: Iterable[str] | None = None) -> None:
        """The merchant points its webhook at `url` (with a new secret, and only these
        events, when given), as a host does in Razorpay's dashboard."""
        with self.razorpay.store.lock:
            merchant = self.razorpay.merchant(key_id)
            merchant.webhook_url = url
            merchant.webhook_secret = secret or merchant.webhook_secret
            merchant.webhook_events = None if events is None else frozenset(events)

    def razorpay_manual_capture(self, key_id: str | None = None, manual: bool = True) -> None:
        """The merchant sets payment capture to manual (Account & Settings): payments stay
        `authorized`, and only payment.authorized is sent, until the merchant (Penny)
        captures them."""
        with self.razorpay.store.lock:
            self.razorpay.merchant(key_id).manual_capture = manual

    # -- what Penny made -------------------------------------------------------------

    def razorpay_orders(self, key_id: str | None = None) -> list[Entity]:
        """The merchant's orders, newest first, as `GET /v1/orders/{id}` answers them."""
        return self.razorpay.store.listed(self.razorpay.merchant(key_id), "orders")

    def razorpay_payments(self, key_id: str | None = None) -> list[Entity]:
        return self.razorpay.store.listed(self.razorpay.merchant(key_id), "payments")

    def razorpay_refunds(self, key_id: str | None = None) -> list[Entity]:
        return self.razorpay.store.listed(self.razorpay.merchant(key_id), "refunds")

    # -- paying ----------------------------------------------------------------------

    def razorpay_pay(self, order_id: str, method: str = "upi",
                     notes: dict[str, Any] | None = None,
                     opened_before_paid: bool = False) -> dict[str, Any]:
        """Pay the order as Checkout would (with Checkout's `notes` option): the handler's
        `razorpay_payment_id`, `razorpay_order_id` and `razorpay_signature`, or, when a
        failure was queued, the `payment.failed` callback's `{"error": {...}}`.
        `opened_before_paid`: paid in a second tab opened before the order was paid,
        which Razorpay captures too (the order paid twice)."""
        return self.razorpay.pay(order_id, method, notes, opened_before_paid)

    def razorpay_fail_refund(self, refund_id: str, key_id: str | None = None) -> Entity:
        """The refund fails after the fact: refund.failed is sent; the refund afterwards."""
        return self.razorpay.refund_failed(self.razorpay.merchant(key_id), refund_id)

    def razorpay_refund_in_dashboard(self, payment_id: str, amount: int | None = None,
                                     key_id: str | None = None) -> Entity:
        """The host refunds the payment in Razorpay's dashboard (what is left of it, or
        `amount`): refund.created and refund.processed are sent; the refund afterwards."""
        return self.razorpay.refund_in_dashboard(self.razorpay.merchant(key_id), payment_id,
                                                 amount)

    def razorpay_dispute(self, payment_id: str, reason_code: str = "fraud",
                         key_id: str | None = None) -> Entity:
        """The client's bank disputes the payment: payment.dispute.created is sent (with
        the payment and the dispute); the dispute afterwards."""
        return self.razorpay.dispute(self.razorpay.merchant(key_id), payment_id, reason_code)

    def razorpay_close_dispute(self, dispute_id: str, status: str = "won",
                               key_id: str | None = None) -> Entity:
        """The bank decides the dispute (`won`, `lost`, `closed`): payment.dispute.<status>
        is sent; the dispute afterwards."""
        return self.razorpay.decide_dispute(self.razorpay.merchant(key_id), dispute_id,
                                            status)

    def razorpay_fail_next_payments(self, times: int = 1) -> None:
        """The next `times` payments fail (Checkout or razorpay_pay)."""
        self.razorpay.store.fail_next_payments(times)

    # -- webhooks --------------------------------------------------------------------

    def razorpay_events(self) -> list[WebhookEvent]:
        """Every event raised so far, sent or not (no webhook registered)."""
        return self.razorpay.webhooks.events()

    def razorpay_webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every delivery attempt so far, in the order they were answered."""
        return self.razorpay.webhooks.deliveries()

    def razorpay_wait_for_webhook_deliveries(self, count: int,
                                             timeout: float = 10) -> list[WebhookDelivery]:
        """The first `count` attempts, once made (AssertionError at the deadline)."""
        return self.razorpay.webhooks.wait_for(count, timeout)

    def razorpay_webhook_retries(self, max_attempts: int, backoff: float,
                                 timeout: float | None = None) -> None:
        """Tries per delivery in all, the first wait between them (it doubles), and how
        long a receiver has to answer (default 5 s)."""
        webhooks = self.razorpay.webhooks
        webhooks.max_attempts, webhooks.backoff = max_attempts, backoff
        webhooks.timeout = webhooks.timeout if timeout is None else timeout

    def razorpay_webhook_copies(self, copies: int) -> None:
        """Send every new event this many times (the same id and body each time)."""
        self.razorpay.webhooks.copies = copies

    def razorpay_redeliver_webhook(self, event_id: str, threads: int = 1) -> None:
        """Send the event again; on `threads` > 1, that many at once (returns when they
        are answered)."""
        self.razorpay.webhooks.redeliver(event_id, threads)

    def razorpay_hold_webhooks(self) -> None:
        """Keep new deliveries back until razorpay_release_webhooks."""
        self.razorpay.webhooks.hold()

    def razorpay_held_webhooks(self) -> list[WebhookEvent]:
        return self.razorpay.webhooks.held()

    def razorpay_release_webhooks(self, event_ids: Sequence[str] | None = None) -> None:
        """Send the held deliveries in this order of event ids (None: as they came)."""
        self.razorpay.webhooks.release(event_ids)

    def razorpay_sign_next_webhooks_with(self, secret: str, times: int = 1) -> None:
        """The next `times` delivery attempts are signed with this (wrong) secret."""
        self.razorpay.webhooks.tamper_next(secret, times)

    def razorpay_unsign_next_webhooks(self, times: int = 1) -> None:
        """The next `times` delivery attempts carry no X-Razorpay-Signature."""
        self.razorpay.webhooks.tamper_next(None, times)

    # -- API faults and counters -----------------------------------------------------

    def razorpay_fail_next_api_calls(self, status: int = 429, times: int = 1,
                                     retry_after: int | None = None,
                                     endpoint: str | None = None) -> None:
        """The next `times` API calls (to `endpoint` only, when named: `payments.refund`...)
        answer `status` in Razorpay's error shape; a 409 as a refund whose idempotency key
        is still being processed."""
        self.razorpay.gate.fail_next(status, times, retry_after, endpoint)

    def razorpay_set_api_delay(self, seconds: float) -> None:
        """Every API call waits this long before it answers (0: no delay)."""
        self.razorpay.gate.delay = seconds

    def razorpay_api_calls(self, endpoint: str | None = None) -> int:
        """Authenticated API calls (all, or one: `orders.create`, `orders.all`,
        `payments.refund`, `payments.refunds`, ...); refused ones count under
        `"<endpoint> (refused)"`."""
        return self.razorpay.gate.calls(endpoint)

    def razorpay_api_call_counts(self) -> dict[str, int]:
        return self.razorpay.gate.counts()

    def razorpay_reset_api_calls(self) -> None:
        self.razorpay.gate.reset()
