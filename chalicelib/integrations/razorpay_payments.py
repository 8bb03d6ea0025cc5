"""Razorpay payments with the host's own keys (the PaymentProvider port), through the
razorpay SDK: Orders + Checkout.js, refunds, and the webhook's verification.

The host's key id, key secret and webhook secret come from the credential store; money
goes straight to the host's Razorpay account. A payment is confirmed only from verified
data: a webhook whose `X-Razorpay-Signature` matches the raw body, or Checkout's handler
fields whose `razorpay_signature` matches "{order_id}|{payment_id}" (verify_callback).

Orders take no idempotency key. A create whose answer was lost (a timeout, which the SDK
retries once) leaves an unpaid order at Razorpay: it charges nobody and nobody sees it,
because Penny's pay page opens only the order id the caller stored right after
create_checkout; its receipt, derived from the hold's key, tells a person whose it was.
Orders cannot be ended either (expire_checkout does nothing): a payment after the hold
ran out arrives as a webhook like any other and is handled as a late payment. Refunds
carry a receipt derived from Penny's key, so a retried refund finds the first one, and
Razorpay's idempotency key (`X-Refund-Idempotency`) derived from it too, so two asked at
once make one; Razorpay answers 409 while the first is still being made (a retry then).

The SDK's traps met here: its resource methods share a mutable default `data` (every
call gets a fresh dict); verify_webhook_signature raises, never returns False, and needs
the exact bytes as text. The wire is razorpay_session.py, what Penny writes and reads
beside it razorpay_wire.py, a webhook's event razorpay_events.py, and the calls beyond
the port razorpay_account_calls.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from razorpay.errors import SignatureVerificationError  # type: ignore[import-untyped]

from chalicelib.domain.errors import (
    AuthenticationError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import Checkout, CheckoutRequest, PaymentEvent, Refund
from chalicelib.integrations.razorpay_account_calls import RazorpayAccountCalls
from chalicelib.integrations.razorpay_events import payment_event
from chalicelib.integrations.razorpay_session import (
    ATTEMPTS,
    RETRY_DELAY,
    RazorpayKeys,
    RazorpaySession,
)
from chalicelib.integrations.razorpay_wire import (
    PROVIDER,
    check_payment_id,
    idempotency_key,
    note,
    read_refund,
    receipt,
)
from chalicelib.provider_settings import RazorpayPlatform

REFUNDS_PAGE = 100      # Razorpay's largest page: a payment has a few refunds at most

# Where bootstrap/payments.py, tests/sandbox/ and tests/unit/ import them from.
__all__ = ["ATTEMPTS", "RETRY_DELAY", "RazorpayKeys", "RazorpayPayments", "idempotency_key",
           "receipt"]


class RazorpayPayments(RazorpayAccountCalls):
    """The host's Razorpay account, acting with the host's own keys."""

    def __init__(self, entry: RazorpayPlatform, keys: RazorpayKeys,
                 timeout: float = 5.0, attempts: int = ATTEMPTS) -> None:
        self.keys = keys
        self.timeout = timeout
        self._session = RazorpaySession(entry, keys, timeout, attempts)
        self._client = self._session.client
        self._call = self._session.call

    # -- the port --------------------------------------------------------------------

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        order = self._call("create an order", lambda: self._client.order.create(data={
            "amount": request.price.amount_minor, "currency": request.price.currency.upper(),
            "receipt": receipt(request.key), "notes": {"booking_uid": request.booking_uid}}))
        if not order.get("id"):
            raise ProviderUnavailableError(PROVIDER, "Razorpay answered without an order id")
        return Checkout(id=str(order["id"]), url=None, expires_at=None,
                        public_key=self.keys.key_id)

    def expire_checkout(self, checkout_id: str) -> None:
        """Razorpay orders cannot be ended: nothing to do (see the module's docstring)."""

    def refund(self, payment_id: str, amount: Price, key: str) -> Refund:
        check_payment_id(payment_id)
        mark = receipt(key)
        listed = self._call("list refunds", lambda: self._client.payment.fetch_multiple_refund(
            payment_id, {"count": REFUNDS_PAGE}))
        items = [item for item in listed.get("items") or [] if isinstance(item, dict)]
        for item in items:
            if item.get("receipt") == mark or note(item, "penny_refund_key") == key:
                return read_refund(item)
        wanted = self._left(payment_id, amount, items)
        if not wanted:
            # All of it went back already (the host gave back the rest in the dashboard,
            # or Penny's refund capped at what was left): Razorpay would refuse any refund,
            # each refusal counted until the booking told the host to refund by hand money
            # the client has. Done, by the refund that ended it (they come newest first).
            ended = next(item for item in items if item.get("status") != "failed")
            return Refund(str(ended["id"]), payment_id, amount)
        notes = {"penny_refund_key": key} if len(key) <= 256 else {}
        # Two asks at once (an event delivered twice) both find no refund above: the key
        # makes Razorpay answer the second with the first's refund, not make another.
        made = self._call("refund a payment", lambda: self._client.payment.refund(payment_id, {
            "amount": wanted, "speed": "normal", "receipt": mark, "notes": notes},
            headers={"X-Refund-Idempotency": idempotency_key(key)}))
        return read_refund(made)

    def _left(self, payment_id: str, amount: Price, refunds: list[dict[str, Any]]) -> int:
        """At most what is left of the payment: a part the host gave back in Razorpay's
        dashboard, whose refund.processed may not have reached the booking yet (or, at
        normal speed, not be sent for days), would otherwise make Razorpay refuse the
        rest, every time it is asked again. 0: Razorpay's payment says it is all back.
        Read only when the payment has refunds."""
        given = sum(int(item.get("amount") or 0) for item in refunds
                    if item.get("status") != "failed")
        if not given:
            return amount.amount_minor
        paid = self.payment(payment_id)
        if paid.amount is None or paid.amount.currency != amount.currency:
            return amount.amount_minor
        left = paid.amount.amount_minor - given
        if left <= 0 and paid.status == "refunded":
            return 0
        return left if 0 < left < amount.amount_minor else amount.amount_minor

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent | None:
        named = {name.lower(): value for name, value in headers.items()}
        signature = named.get("x-razorpay-signature", "")
        if not self.keys.webhook_secret:
            raise AuthenticationError("No webhook secret is kept for this Razorpay account")
        if not signature:
            raise AuthenticationError("A Razorpay webhook came without X-Razorpay-Signature")
        try:
            # The SDK signs text: decoding the exact bytes as UTF-8 gives them back exactly.
            self._client.utility.verify_webhook_signature(body.decode("utf-8"), signature,
                                                          self.keys.webhook_secret)
        except (SignatureVerificationError, UnicodeDecodeError, TypeError) as exc:
            raise AuthenticationError("A Razorpay webhook's signature does not match") from exc
        event_id = named.get("x-razorpay-event-id", "")
        if not event_id:
            # Signed, but without its id Penny could not tell a redelivery from a new event.
            raise AuthenticationError("A Razorpay webhook came without x-razorpay-event-id")
        try:
            event = json.loads(body)
        except (ValueError, RecursionError) as exc:  # nested past the parser's depth
            raise ProviderRejectedError(PROVIDER, "A signed Razorpay webhook is not JSON") \
                from exc
        return payment_event(event_id, event) if isinstance(event, dict) else None
