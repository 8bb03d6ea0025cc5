"""The payment service's ports and results: the hosts' payment providers (implemented by
services/payment_accounts.py) and what a verified provider event did to its booking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.bookings import Booking
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import PaymentProvider, ProviderPayment


@dataclass(frozen=True)
class HostPayment:
    """The payment provider that takes a host's money for one booking."""

    name: str                      # "stripe", "razorpay"
    provider: PaymentProvider
    account: str | None            # the host's account there (Stripe Connect), if any


class PaymentAdapters(Protocol):
    """The hosts' payment providers (services/payment_accounts.py)."""

    def for_new_booking(self, host_id: str, price: Price) -> HostPayment:
        """The provider that takes this price for the host; raises
        PaymentNotConnectedError when none is ready."""
        ...

    def for_booking(self, booking: Booking) -> PaymentProvider:
        """The provider the booking's checkout was made at."""
        ...

    def razorpay_for(self, booking: Booking) -> RazorpayCallbacks:
        """The host's Razorpay account the booking's order was made at."""
        ...

    def account_lost(self, provider: str, account_id: str | None, host_id: str | None,
                     reason: str) -> None:
        """The host's account no longer lets Penny in: its connection is shown broken.
        `host_id` when known (a checkout refused), else found by the account."""
        ...


class RazorpayCallbacks(Protocol):
    def verify_callback(self, order_id: str, payment_id: str, signature: str) -> bool:
        """Razorpay Checkout's handler signature: HMAC-SHA256 of "order|payment" with
        the host's key secret."""
        ...

    def payment(self, payment_id: str) -> ProviderPayment:
        """The payment as Razorpay has it now (authorized, captured, ...)."""
        ...

    def capture(self, payment_id: str, amount: Price) -> None:
        """Capture an authorized payment for `amount`, the order's; one captured already
        is done, not an error."""
        ...


@dataclass(frozen=True)
class Settlement:
    """What a verified payment event did to its booking."""

    outcome: str                   # "confirmed", "refunded", "released", "expired",
                                   # "recorded", "ignored"
    booking: Booking | None = None
