"""What Penny asks of a host's Razorpay account beyond the PaymentProvider port: that
Checkout's handler fields are genuine, a payment as Razorpay has it, its capture, and
one call that checks the keys before Penny keeps them.

RazorpayPayments (razorpay_payments.py) is made of these and the port; it gives the keys,
the SDK's client and the call that turns its answers into the port's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from razorpay.errors import SignatureVerificationError  # type: ignore[import-untyped]

from chalicelib.domain.errors import ConnectionBrokenError, ProviderRejectedError
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import PaymentAccount, ProviderPayment
from chalicelib.integrations.razorpay_session import RazorpayKeys
from chalicelib.integrations.razorpay_wire import PROVIDER, check_payment_id

ALREADY_CAPTURED = "already been captured"  # Razorpay's 400 for a second capture


class RazorpayAccountCalls:
    """Checkout's handler, and connecting: the calls on the host's account that the port
    does not name."""

    keys: RazorpayKeys
    _client: Any
    _call: Callable[[str, Callable[[], Any]], dict[str, Any]]

    def verify_callback(self, order_id: str, payment_id: str, signature: str) -> bool:
        """Checkout handler's fields are genuine: `signature` is the key secret's HMAC of
        "{order_id}|{payment_id}". False on any mismatch."""
        if not (order_id and payment_id and signature):
            return False
        try:
            return bool(self._client.utility.verify_payment_signature({
                "razorpay_order_id": order_id, "razorpay_payment_id": payment_id,
                "razorpay_signature": signature}))
        except (SignatureVerificationError, TypeError):
            return False

    def payment(self, payment_id: str) -> ProviderPayment:
        """The payment as Razorpay has it now: `authorized` on an account set to capture
        manually, until it is captured (or lapses back to the client after some days)."""
        check_payment_id(payment_id)
        found = self._call("read a payment", lambda: self._client.payment.fetch(payment_id, {}))
        amount = None
        if isinstance(found.get("amount"), int) and found.get("currency"):
            amount = Price(int(found["amount"]), str(found["currency"]).upper())
        return ProviderPayment(id=str(found.get("id") or payment_id),
                               status=str(found.get("status") or ""), amount=amount)

    def capture(self, payment_id: str, amount: Price) -> None:
        """Capture an authorized payment for the order's amount. Captures take no key: a
        retry after a lost answer is told "already been captured" (a 400), which is the
        capture done."""
        check_payment_id(payment_id)
        try:
            self._call("capture a payment", lambda: self._client.payment.capture(
                payment_id, amount.amount_minor, {"currency": amount.currency.upper()}))
        except ProviderRejectedError as exc:
            if ALREADY_CAPTURED not in exc.message:
                raise

    def check_keys(self) -> PaymentAccount:
        """One cheap authenticated call, before Penny keeps the keys."""
        try:
            self._call("check the keys", lambda: self._client.order.all({"count": 1}))
        except ConnectionBrokenError as exc:
            raise ProviderRejectedError(PROVIDER, "Razorpay did not accept this key id and "
                                        "key secret: copy both again from Razorpay's "
                                        "Dashboard (Account & Settings → API keys)") from exc
        return PaymentAccount(id=self.keys.key_id, name=self.keys.key_id, ready=True)
