"""The payment port (Stripe, Razorpay): a booking's checkout, its refunds, the host's
account and the vendor's webhook events.

Money goes to the host's own account, never through Penny's. Stripe: a Connect
(Standard) account the host onboards through an Account Link, charged directly
(`Stripe-Account`), its events reaching the platform's one webhook with `account`.
Razorpay: the host's own key id, key secret and webhook secret, checked with a test
call before they are kept (encrypted) in the credential store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.event_types import Price


@dataclass(frozen=True)
class CheckoutRequest:
    key: str                       # the booking's hold: one checkout per hold
    booking_uid: str
    description: str
    price: Price
    customer_email: str
    customer_name: str
    success_url: str               # where the client lands after paying (never proof of it)
    cancel_url: str
    expires_at: datetime           # the slot hold's end; a vendor may insist on later


@dataclass(frozen=True)
class Checkout:
    id: str                        # Stripe: the Checkout Session (cs_...); Razorpay: the order
    url: str | None                # Stripe: its hosted page; Razorpay: None (Checkout.js opens
                                   # the order on Penny's own pay page, with `public_key`)
    expires_at: datetime | None    # as the vendor set it (Stripe: 30 min at the least);
                                   # None: the vendor's checkout does not expire (Razorpay)
    public_key: str | None = None  # Razorpay Checkout's key id


@dataclass(frozen=True)
class Refund:
    id: str
    payment_id: str
    amount: Price


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the vendor has it now."""

    id: str
    status: str                    # Razorpay: "created", "authorized", "captured",
                                   # "refunded", "failed"
    amount: Price | None


@dataclass(frozen=True)
class PaymentAccount:
    """The host's account at a payment provider, as Penny shows it."""

    id: str                        # Stripe: acct_...; Razorpay: the key id (rzp_test_...)
    name: str                      # the business name or e-mail the vendor knows it by
    ready: bool                    # it can take payments now (Stripe: charges_enabled)


class PaymentEventKind(StrEnum):
    PAID = "paid"
    # Authorized but not captured (Razorpay with manual capture): the money is only held on
    # the client's card, and lapses back to them unless Penny captures it.
    AUTHORIZED = "authorized"
    FAILED = "failed"
    EXPIRED = "expired"            # the checkout ended unpaid
    REFUNDED = "refunded"
    # A refund that had gone through came back (a closed or replaced card): the money is
    # in the host's balance again, and the client still has not got it.
    REFUND_FAILED = "refund_failed"
    # The client disputed the payment with their bank (a chargeback): the host answers
    # it at the provider, or the money is taken back.
    DISPUTED = "disputed"
    # The bank decided the dispute: `outcome` says how ("won", "lost", "closed").
    DISPUTE_CLOSED = "dispute_closed"
    # The host's account no longer lets Penny in (Stripe: it disconnected the platform):
    # about no booking; the event's `account` names it.
    ACCOUNT_REVOKED = "account_revoked"


@dataclass(frozen=True)
class PaymentEvent:
    id: str                        # the vendor's event id: webhooks are deduplicated by it
    kind: PaymentEventKind
    booking_uid: str               # from the metadata/notes Penny set; checked against the
                                   # booking's own checkout id before anything is done
    checkout_id: str
    payment_id: str | None = None
    amount: Price | None = None
    account: str | None = None     # Stripe Connect: the connected account it happened on
    refund_id: str | None = None   # a refund's events: which refund
    dispute_id: str | None = None  # a dispute's events: which dispute
    reason: str | None = None      # a dispute's reason, in the vendor's words (`fraudulent`)
    outcome: str | None = None     # a dispute's close: "won", "lost" or "closed"
    # A refund's events: how much of the payment has gone back in all, as the provider
    # counts it (Stripe's charge `amount_refunded`, Razorpay's payment `amount_refunded`).
    # Recorded as it is, never added to: a redelivered or late event cannot count twice.
    refunded_minor: int | None = None


class PaymentProvider(Protocol):
    def create_checkout(self, request: CheckoutRequest) -> Checkout: ...

    def expire_checkout(self, checkout_id: str) -> None:
        """End an unpaid checkout now (a hold shorter than the vendor's minimum); one
        already completed or expired is not an error. Razorpay orders cannot be ended:
        nothing happens, and a late payment is handled as any late payment."""
        ...

    def refund(self, payment_id: str, amount: Price, key: str) -> Refund: ...

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent | None:
        """The event a webhook carries, checked on the raw body with the vendor's own
        verifier; None for a genuine event Penny does not act on. A missing, wrong or
        stale signature raises AuthenticationError."""
        ...
