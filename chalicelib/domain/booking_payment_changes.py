"""A booking's payment, as the Booking changes it (bookings.py's Booking is made of
this): paid, its hold lapsed unpaid, refunded, released, a refund refused or failed, and
what of it is owed back. The payment record (payment_record.py) makes each change; the
booking checks it applies.

A mixin: it declares the fields it reads, which the Booking dataclass has.
"""

from __future__ import annotations

from dataclasses import Field, replace
from datetime import datetime
from typing import Any, ClassVar, Self

from chalicelib.domain.booking_parts import BookingStatus
from chalicelib.domain.errors import BookingStateError
from chalicelib.domain.payment_record import Payment
from chalicelib.domain.refund_asks import REFUSED


class BookingPaymentChanges:
    """Paid, expired, refunded, released; the refund owed or held."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
    status: BookingStatus
    hold_until: datetime | None
    payment: Payment | None

    def paid(self, payment_id: str, amount_minor: int | None, now: datetime) -> Self:
        """Confirmed by a verified payment: the hold becomes the booking."""
        payment = self._payment().with_payment(payment_id, amount_minor, now)
        return replace(self, status=BookingStatus.CONFIRMED, hold_until=None, payment=payment)

    def expired(self) -> Self:
        """Its hold lapsed unpaid: the time is free again."""
        return replace(self, status=BookingStatus.EXPIRED)

    def as_of(self, now: datetime) -> Self:
        """As it stands at `now`: a hold that lapsed unpaid is expired, whether or not the
        hold's timer has written it so yet (what pages and the API show)."""
        lapsed = self.status is BookingStatus.PENDING_PAYMENT and \
            self.hold_until is not None and self.hold_until <= now and \
            not (self.payment is not None and self.payment.paid)
        return self.expired() if lapsed else self

    def refunded(self, refund_id: str, amount_minor: int, now: datetime,
                 reason: str) -> Self:
        return replace(self, payment=self._payment().with_refund(refund_id, amount_minor,
                                                                 now, reason))

    def refunded_in_all(self, total_minor: int) -> Self:
        """More of its payment went back at the provider (another part refunded in the
        dashboard): see `Payment.with_refunded_in_all`."""
        p = self.payment
        if p is None:
            return self
        kept = p.with_refunded_in_all(total_minor)
        return self if kept is p else replace(self, payment=kept)

    def released(self, payment_id: str, amount_minor: int | None, reason: str,
                 now: datetime) -> Self:
        """An authorized payment left uncaptured (it lapses back to the client), for a time
        it no longer holds: recorded, and a hold still waiting ends as its timer would."""
        if self.payment is None or self.payment.paid:
            return self
        kept = replace(self, payment=self.payment.with_release(payment_id, amount_minor,
                                                               reason, now))
        return kept.expired() if kept.status is BookingStatus.PENDING_PAYMENT else kept

    def refund_refused(self, now: datetime, reason: str = REFUSED) -> Self:
        """The provider refused the refund it owes, once more (or it could not be asked:
        `reason` NOT_CONNECTED): at the REFUND_ASKS-th refusal Penny stops asking
        (`refund_owed` turns false) and the host refunds by hand."""
        p = self.payment
        if p is None or not self.refund_owed:
            return self
        return replace(self, payment=p.with_refund_refused(now, reason))

    def refund_failed(self, now: datetime) -> Self:
        """Its refund came back: the host must give the money back another way."""
        if self.payment is None or not self.payment.refunded:
            raise BookingStateError("this booking has no refund")
        return replace(self, payment=self.payment.with_refund_failed(now))

    @property
    def refund_owed(self) -> bool:
        """Paid for a time it does not hold (late, taken, cancelled while it waited, or
        cancelled in time), and not all of it back yet: the refund not made, or only a
        part the host gave back at the provider meanwhile (the rest is still Penny's to
        give). A refund that came back, or that the provider refused at every ask, is the
        host's to make another way; one whose payment's dispute is open or lost is held
        (`refund_held`), and never asked for (nor counted as refused) while it is."""
        p = self.payment
        return self._refund_due and p is not None and not p.dispute_holds_money

    @property
    def refund_held(self) -> bool:
        """A refund it would owe, held while its payment's dispute is open or lost: the
        bank decides the money. A dispute won (or closed as an inquiry) makes it owed."""
        p = self.payment
        return self._refund_due and p is not None and p.dispute_holds_money

    @property
    def _refund_due(self) -> bool:
        p = self.payment
        return (p is not None and p.paid and p.refund_reason not in (None, "provider")
                and not p.refund_failed and not p.refund_refused
                and self.status is not BookingStatus.CONFIRMED
                and (not p.refunded or self.refund_rest_minor > 0))

    @property
    def refund_rest_minor(self) -> int:
        """What of its payment has not gone back, as the provider's total counts it."""
        return 0 if self.payment is None else self.payment.rest_minor

    def _payment(self) -> Payment:
        if self.payment is None:
            raise BookingStateError("this booking takes no payment")
        return self.payment

    def _paid_payment(self) -> Payment:
        if self.payment is None or not self.payment.paid:
            raise BookingStateError("this booking has not been paid")
        return self.payment
