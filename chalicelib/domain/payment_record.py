"""A paid booking's money, as the payment provider reported it (never as a success
redirect claimed it): the record the booking keeps, and its pure transitions.

Each transition returns a new record; the booking (bookings.py) decides whether one
applies (a payment taken, a refund owed). Disputes are payment_disputes.py's, payments
after the first second_payments.py's (each with disputes of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.domain import payment_disputes, second_payments
from chalicelib.domain.payment_disputes import Dispute
from chalicelib.domain.refund_asks import REFUSED, refusal_counted
from chalicelib.domain.second_payments import SecondPayment


@dataclass(frozen=True)
class Payment:
    """A booking's payment. Amounts are in the currency's minor unit."""

    provider: str                       # "stripe", "razorpay"
    checkout_id: str                    # the Checkout Session or the order
    checkout_url: str | None = None     # where the client pays (Stripe's hosted page)
    public_key: str | None = None       # Razorpay Checkout's key id
    account: str | None = None          # the host's account there (Stripe Connect)
    refund_hours_before: int = 24       # the event type's refund policy when booked
    payment_id: str | None = None       # once paid: the PaymentIntent, the payment
    paid_minor: int | None = None
    paid_at: datetime | None = None
    refund_id: str | None = None
    refunded_minor: int | None = None
    refunded_at: datetime | None = None
    # Why money went back: "cancelled" (the refund policy), "taken" (paid after the hold
    # lapsed and someone else booked the time), "late" (paid after the meeting's start),
    # "provider" (refunded at the provider).
    refund_reason: str | None = None
    # The refund came back after it was made (the card was closed): the provider says so
    # and gives the money back to the host, who must refund the client another way.
    # `refund_id` stays: the refund was made, and is never made again by Penny.
    refund_failed_at: datetime | None = None
    # The refund Penny owed, refused by the provider at each of REFUND_ASKS asks: Penny
    # asks no more, and the host refunds the client by hand (`refund_refused_at`).
    refund_refusals: int = 0
    refund_refused_at: datetime | None = None
    refund_refused_reason: str | None = None  # why, at the last ask (refund_asks.py)
    # The client disputed the payment with their bank (a chargeback), once or more: the
    # host must answer each at the provider, or the money is taken back. Every dispute,
    # by its id, in the order Penny heard of them (payment_disputes.py).
    disputes: tuple[Dispute, ...] = ()
    # Payments after the first, each refunded in full (they bought nothing).
    second_payments: tuple[SecondPayment, ...] = ()
    # An authorized payment Penny did not capture (a Razorpay account on manual capture)
    # because the booking could no longer take it ("taken", "cancelled", "late"): the
    # provider gives it back to the client by itself, so there is nothing to refund.
    released_payment_id: str | None = None
    released_minor: int | None = None
    released_reason: str | None = None
    released_at: datetime | None = None
    # The keys of its stored document that this version does not know (a newer version
    # wrote them, store/newer_keys.py): written back as they were, no part of what it equals.
    unknown_keys: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def paid(self) -> bool:
        return self.payment_id is not None

    @property
    def refunded(self) -> bool:
        """A refund was made (it may have failed since: `refund_failed`)."""
        return self.refund_id is not None

    @property
    def refund_failed(self) -> bool:
        return self.refund_failed_at is not None

    @property
    def refund_refused(self) -> bool:
        return self.refund_refused_at is not None

    @property
    def dispute_holds_money(self) -> bool:
        """A dispute open or lost, of any of them: the bank, not Penny, decides where the
        money goes (Stripe refuses a refund of a disputed charge, and one made anyway may
        be paid twice when the bank takes it back). Each won, or an inquiry closed without
        a chargeback: the money is the host's again, and a refund owed can be made."""
        return payment_disputes.holds_money(self.disputes)

    @property
    def dispute_lost(self) -> bool:
        """The money held by a dispute the bank decided for the client, none still open."""
        return self.dispute_holds_money and all(d.outcome is not None for d in self.disputes)

    @property
    def refunds_refused_as_disputed(self) -> int:
        """Asks the provider refused because the payment was disputed: never counted as
        refused (the dispute decides), yet each was made, so the next ask is numbered."""
        return sum(1 for d in self.disputes if d.refused_refund)

    @property
    def rest_minor(self) -> int:
        """What of it has not gone back, as the provider's total counts it."""
        if not self.paid:
            return 0
        back = (self.refunded_minor or 0) if self.refunded and not self.refund_failed else 0
        return max((self.paid_minor or 0) - back, 0)

    def with_payment(self, payment_id: str, amount_minor: int | None,
                     now: datetime) -> Payment:
        return replace(self, payment_id=payment_id, paid_minor=amount_minor, paid_at=now)

    def with_refund(self, refund_id: str, amount_minor: int, now: datetime,
                    reason: str) -> Payment:
        return replace(self, refund_id=refund_id, refunded_minor=amount_minor,
                       refunded_at=now, refund_reason=reason, refund_failed_at=None,
                       refund_refused_at=None, refund_refused_reason=None)

    def with_refunded_in_all(self, total_minor: int) -> Payment:
        """More of it went back at the provider: `total_minor` is the provider's own count
        of all of it, so a late or repeated event (lower or the same) changes nothing."""
        if not self.refunded or self.refund_failed or \
                total_minor <= (self.refunded_minor or 0):
            return self
        return replace(self, refunded_minor=total_minor)

    def with_release(self, payment_id: str, amount_minor: int | None, reason: str,
                     now: datetime) -> Payment:
        """An authorized payment left uncaptured: it lapses back to the client."""
        return replace(self, released_payment_id=payment_id, released_minor=amount_minor,
                       released_reason=reason, released_at=now)

    def with_refund_refused(self, now: datetime, reason: str = REFUSED) -> Payment:
        """Its refund refused once more: at the REFUND_ASKS-th, refused for good, for
        `reason` (REFUSED, NOT_CONNECTED)."""
        count, refused_at = refusal_counted(self.refund_refusals, now)
        return replace(self, refund_refusals=count, refund_refused_at=refused_at,
                       refund_refused_reason=None if refused_at is None else reason)

    def with_refund_failed(self, now: datetime) -> Payment:
        return replace(self, refund_failed_at=now)

    def with_second_payment(self, payment_id: str, amount_minor: int | None) -> Payment:
        """Another payment after the one it was paid with, recorded once as owed back."""
        if payment_id == self.payment_id:
            return self
        seconds = second_payments.added(self.second_payments, payment_id, amount_minor)
        return self if seconds is self.second_payments else \
            replace(self, second_payments=seconds)

    def with_disputes(self, payment_id: str | None,
                      change: Callable[[tuple[Dispute, ...]], tuple[Dispute, ...]]) -> Payment:
        """`change` (a payment_disputes transition) made to the disputes of the payment
        `payment_id` names: this one (None, or its own id), or a second payment, whose
        disputes are its own. Unchanged, the same record."""
        if payment_id is None or payment_id == self.payment_id:
            kept = change(self.disputes)
            return self if kept is self.disputes else replace(self, disputes=kept)
        seconds = second_payments.with_disputes(self.second_payments, payment_id, change)
        return self if seconds is self.second_payments else \
            replace(self, second_payments=seconds)
