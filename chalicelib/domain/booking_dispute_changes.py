"""A paid booking's payments after the first and the disputes of each, as the Booking
changes them (bookings.py's Booking is made of this): a second payment recorded, its
refund made, failed or refused, a dispute opened or closed, a refund refused as
disputed. second_payments.py and payment_disputes.py make each change.

A mixin: it declares the fields and checks it reads, which the Booking has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from chalicelib.domain import payment_disputes, second_payments
from chalicelib.domain.payment_disputes import Dispute
from chalicelib.domain.payment_record import Payment


class BookingDisputeChanges:
    """Second payments and disputes."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
    payment: Payment | None

    if TYPE_CHECKING:
        def _payment(self) -> Payment: ...
        def _paid_payment(self) -> Payment: ...

    def second_payment(self, payment_id: str, amount_minor: int | None) -> Self:
        """Another payment after the one it was paid with: recorded as owed back."""
        p = self._paid_payment()
        kept = p.with_second_payment(payment_id, amount_minor)
        return self if kept is p else replace(self, payment=kept)

    def second_payment_refunded(self, payment_id: str, refund_id: str, amount_minor: int,
                                now: datetime) -> Self:
        p = self._payment()
        return replace(self, payment=replace(p, second_payments=second_payments.refunded(
            p.second_payments, payment_id, refund_id, amount_minor, now)))

    def second_refund_failed(self, refund_id: str, now: datetime) -> Self:
        """A second payment's refund came back: the host must give it back another way."""
        p = self._payment()
        return replace(self, payment=replace(p, second_payments=second_payments.refund_failed(
            p.second_payments, refund_id, now)))

    def disputed(self, dispute_id: str, reason: str | None, amount_minor: int | None,
                 now: datetime, payment_id: str | None = None) -> Self:
        """Its payment (or the second payment `payment_id` names) was disputed with the
        client's bank: the host is to answer it."""
        return self._disputes_changed(payment_id, lambda ds: payment_disputes.opened(
            ds, dispute_id, reason, amount_minor, now))

    def dispute_closed(self, dispute_id: str, outcome: str, reason: str | None,
                       amount_minor: int | None, now: datetime,
                       payment_id: str | None = None) -> Self:
        """The bank decided a dispute of its payment (or of the second payment
        `payment_id` names): `outcome`, one of DISPUTE_OUTCOMES."""
        return self._disputes_changed(payment_id, lambda ds: payment_disputes.closed(
            ds, dispute_id, outcome, reason, amount_minor, now))

    def refund_disputed(self, dispute_id: str | None, now: datetime,
                        payment_id: str | None = None) -> Self:
        """The provider refused the refund it owes (or the second payment `payment_id`
        names is owed) because that payment is disputed, before the dispute's webhook
        came: held as an open dispute (`refund_held`), never counted as a refused ask."""
        return self._disputes_changed(payment_id, lambda ds: payment_disputes.refund_refused(
            ds, dispute_id, now))

    def _disputes_changed(self, payment_id: str | None, change: Callable[
            [tuple[Dispute, ...]], tuple[Dispute, ...]]) -> Self:
        p = self._paid_payment()
        kept = p.with_disputes(payment_id, change)
        return self if kept is p else replace(self, payment=kept)

    def second_refund_refused(self, payment_id: str, now: datetime) -> Self:
        """A second payment's refund refused once more (see `refund_refused`)."""
        p = self._payment()
        return replace(self, payment=replace(p, second_payments=second_payments.refund_refused(
            p.second_payments, payment_id, now)))
