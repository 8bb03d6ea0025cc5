"""Money: a paid booking's payment state, and Razorpay's own keys, connection and
Checkout callback.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.functions.schemas.base import Strict
from chalicelib.functions.schemas.connections import ConnectionOut


class DisputeOut(Strict):
    """The client disputed the payment with their bank (a chargeback)."""

    reason: str | None = Field(description="the provider's word for it: fraudulent, "
                               "product_not_received, duplicate, ...")
    amount_minor: int | None
    outcome: str | None = Field(
        default=None, description="once the bank decided: won (the money stays), lost (it "
        "was taken back), closed (an inquiry closed without a chargeback); null while open")


class DisputeRecordOut(DisputeOut):
    """One of a payment's disputes, by its id."""

    id: str | None = Field(description="the provider's id for it (Stripe's dp_..., "
                           "Razorpay's disp_...); null while Penny knows of it only because "
                           "the provider refused a refund as disputed, until its webhook")
    opened_at: str | None = Field(description="when Penny heard of it")
    closed_at: str | None = Field(default=None, description="when the bank's decision "
                                  "reached Penny; null while open")


class SecondPaymentOut(Strict):
    """A payment after the one the booking was paid with (paid twice, in two tabs)."""

    amount_minor: int | None
    refunded: bool = Field(description="given back in full (false: Penny tries again)")
    refund_failed: bool = Field(default=False, description="its refund came back after it "
                                "was made (the card was closed): the host refunds the client "
                                "another way; Penny never makes it again")
    refund_refused: bool = Field(default=False, description="the provider refused its "
                                 "refund at each of Penny's 3 asks: Penny asks no more, and "
                                 "the host refunds the client by hand")
    refund_held: bool = Field(default=False, description="not refunded because one of its "
                              "own disputes is open or lost: the bank decides the money "
                              "(Penny refunds it if the dispute is won or closed without a "
                              "chargeback, never if lost)")
    disputes: list[DisputeRecordOut] = Field(
        default_factory=list, description="its own disputes with the client's bank, apart "
        "from the booking's payment's")


class ReleasedPaymentOut(Strict):
    """An authorized payment Penny left uncaptured (a Razorpay account on manual capture)
    for a time the booking no longer held: it lapses back to the client by itself."""

    amount_minor: int | None
    reason: str | None = Field(description="taken (the hold lapsed and the time was "
                               "booked), cancelled, late (after the meeting's start)")


class PaymentOut(Strict):
    """A paid booking's money: how to pay while it waits, what happened after."""

    provider: Literal["stripe", "razorpay"]
    state: Literal["awaiting", "paid", "refunded", "expired", "refund_owed",
                   "refund_failed"] = Field(
        description="awaiting: held until `hold_until`; expired: the hold lapsed unpaid; "
        "refund_owed: paid for a time the booking does not hold (`refund_reason`), its "
        "refund not made yet (Penny tries again); refund_failed: the refund was made and "
        "came back (a closed card), or, with `refund_refused`, the provider refused it at "
        "each of Penny's 3 asks: the host refunds the client another way")
    amount_minor: int | None
    currency: str | None
    hold_until: str | None = Field(description="the slot is held for payment until then")
    checkout_url: str | None = Field(
        description="Stripe: the hosted checkout page to send the client to")
    order_id: str | None = Field(description="Razorpay: the order Checkout opens")
    key_id: str | None = Field(description="Razorpay: the key id Checkout opens it with")
    refunded_minor: int | None = None
    refund_refused: bool = Field(default=False, description="the refund owed was refused "
                                 "by the provider at each of Penny's 3 asks (a balance too "
                                 "low, keys withdrawn): Penny asks no more, and the host "
                                 "refunds the client by hand")
    refund_refused_reason: Literal["refused", "not_connected"] | None = Field(
        default=None, description="with `refund_refused`, why: refused (the provider said "
        "no), or not_connected (the host removed the provider's connection in Penny, so "
        "the refund could not be asked for)")
    refund_reason: str | None = Field(
        default=None, description="cancelled (the refund policy), taken (paid after the "
        "hold lapsed and the time was booked), late (paid after the meeting's start), "
        "provider (refunded at the provider)")
    refund_hours_before: int = Field(description="the refund policy: full refund when "
                                     "cancelled at least this many hours before the start")
    refund_held: bool = Field(
        default=False, description="cancelled inside the refund policy while the payment's "
        "dispute is open or lost: no refund, the bank's dispute decides the money (the "
        "refund is made if the dispute is won or closed without a chargeback)")
    dispute: DisputeOut | None = Field(
        default=None, description="the client disputed the payment with their bank: the "
        "host answers it in the provider's dashboard, or the money is taken back. The "
        "latest of `disputes`")
    disputes: list[DisputeRecordOut] = Field(
        default_factory=list, description="every dispute of the payment, in the order Penny "
        "heard of them (an inquiry closed, then a chargeback); the refund a cancellation "
        "gives is held while any is open or lost")
    second_payments: list[SecondPaymentOut] = Field(
        default_factory=list, description="payments after the first (the client paid "
        "twice): each refunded in full, automatically; the booking keeps the first")
    released: ReleasedPaymentOut | None = Field(
        default=None, description="a payment authorized for a time the booking no longer "
        "held, not taken: it goes back to the client by itself, with nothing to refund")


class RazorpayKeysIn(Strict):
    # ASCII only: the key id and secret travel in an HTTP Basic header (Latin-1), and
    # Razorpay's are letters and digits.
    key_id: Annotated[str, Field(min_length=8, max_length=64,
                                 pattern=r"^rzp_(test|live)_[A-Za-z0-9]+$",
                                 description="from Razorpay's API keys page")]
    key_secret: Annotated[str, Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9]+$")]
    webhook_secret: Annotated[str, Field(min_length=8, max_length=128, pattern=r"^[!-~]+$",
                                         description=(
        "the secret you gave the webhook pointing at Penny (see webhook_url): printable "
        "ASCII, no spaces"))]


class RazorpayConnectionOut(ConnectionOut):
    webhook_url: str | None = Field(description="add a webhook at Razorpay with this URL and "
                                    "the events payment.authorized, payment.captured, "
                                    "order.paid, payment.failed, refund.processed, "
                                    "refund.failed, payment.dispute.created, "
                                    "payment.dispute.won, payment.dispute.lost and "
                                    "payment.dispute.closed")


class RazorpayCallbackIn(Strict):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    razorpay_order_id: Annotated[str, Field(min_length=1, max_length=64)]
    razorpay_payment_id: Annotated[str, Field(min_length=1, max_length=64)]
    razorpay_signature: Annotated[str, Field(min_length=1, max_length=128)]
