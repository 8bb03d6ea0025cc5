"""A payment arriving for a booking: it confirms the booking while the time is held
(one ledger write: the hold becomes the booking), or, when the time is no longer the
booking's (the hold lapsed and the slot was taken, the booking was cancelled, or its
start has passed), it is recorded with the refund it is owed and given back in full.
A refund told before its payment is recorded too, and the payment never confirms; a
second payment for a booking paid already (two tabs) is recorded and given back in full.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import (
    PaymentUnavailableError,
    RefundDisputedError,
    SlotTakenError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import PaymentEvent
from chalicelib.services.owed_refunds import NOT_MADE, OwedRefunds, ask_key
from chalicelib.services.payment_ports import PaymentAdapters, Settlement
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.payments")


class _AlreadyPaid(Exception):
    """The booking, read again, was confirmed by another delivery of the payment."""

    def __init__(self, booking: Booking) -> None:
        super().__init__(booking.uid)
        self.booking = booking


class _Unwanted(Exception):
    """A payment for a time the booking no longer holds, and why (a refund reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PaymentConfirmation(OwedRefunds):
    """Held by PaymentService, which has these fields."""

    adapters: PaymentAdapters
    clock: Clock

    def _paid(self, booking: Booking, event: PaymentEvent) -> Settlement:
        payment = booking.payment
        assert payment is not None
        payment_id = event.payment_id or event.checkout_id
        amount = event.amount.amount_minor if event.amount else booking.price_minor
        if payment.paid:
            if booking.refund_owed and payment.payment_id == payment_id:
                # Its refund failed when first told: told again, it is tried again.
                return Settlement("refunded", self._refund_unwanted(
                    booking, payment_id, payment.paid_minor, payment.refund_reason or ""))
            if _another(booking, event):
                return self._refund_second(booking, event.payment_id or "", amount)
            return Settlement("ignored", booking)  # the same payment, told again

        def confirmed(now: datetime) -> Booking:
            # Read again on every attempt: a cancellation that lands meanwhile is seen
            # here (the write is conditioned on the version read), never undone.
            current = self._current(booking.uid)
            if current.payment is not None and current.payment.paid:
                raise _AlreadyPaid(current)  # told twice at once: the other one wrote it
            if current.status is BookingStatus.CANCELLED:
                raise _Unwanted("cancelled")   # cancelled while it waited for the money
            if current.start <= now:
                raise _Unwanted("late")        # the meeting's time has come and gone
            return current.paid(payment_id, amount, now)

        try:
            done = self.reservations.settle(confirmed)
        except _AlreadyPaid as paid:
            if _another(paid.booking, event):  # two payments at once: this one is second
                return self._refund_second(paid.booking, event.payment_id or "", amount)
            return Settlement("ignored", paid.booking)  # nothing written, nothing told again
        except _Unwanted as unwanted:
            return Settlement("refunded", self._refund_unwanted(booking, payment_id, amount,
                                                                unwanted.reason))
        except SlotTakenError:
            return Settlement("refunded", self._refund_unwanted(booking, payment_id, amount,
                                                                "taken"))
        return Settlement("confirmed", done)

    def _refund_second(self, booking: Booking, payment_id: str, amount: int | None
                       ) -> Settlement:
        """A payment after the one the booking was paid with (a client paying one
        Razorpay order twice, in two tabs): it bought nothing, so it is recorded as owed
        back, then refunded in full under a key derived from it (a redelivery replays the
        refund). A refund that cannot be made now fails the event for a retry, as a late
        payment's does. While one of its own disputes is open or lost it is held, never
        asked for: the close of a dispute won (or closed as an inquiry) makes it."""
        booking = self._update(booking.uid, lambda b: b.second_payment(payment_id, amount))
        assert booking.payment is not None
        second = next((s for s in booking.payment.second_payments
                       if s.payment_id == payment_id), None)
        if second is not None and second.refund_held:
            # Its own dispute is open or lost: the bank decides that money, as for the
            # booking's own refund; won (or closed as an inquiry), the close refunds it.
            log.warning("a second payment's refund held by its dispute",
                        extra={"booking_uid": booking.uid})
            return Settlement("recorded", booking)
        if second is None or not second.refund_owed:
            return Settlement("ignored", booking)  # refunded, or given up on: told again
        log.warning("a second payment for a paid booking: refunded",
                    extra={"booking_uid": booking.uid})
        try:
            refund = self.adapters.for_booking(booking).refund(
                payment_id, Price(second.amount_minor or booking.price_minor or 0,
                                  booking.currency or ""),
                key=ask_key(f"{booking.uid}-second-{payment_id}", second.refund_refusals
                            + second.refunds_refused_as_disputed))
        except RefundDisputedError as exc:
            # Disputed before its webhook came: held as an open dispute of that payment.
            now, named = self.clock.now(), exc.dispute_id
            return Settlement("recorded", self._update(
                booking.uid, lambda b: b.refund_disputed(named, now, payment_id)
                if _second_due(b, payment_id) else b))
        except NOT_MADE as exc:
            log.warning("second payment's refund owed, not made yet: %s", exc.code,
                        extra={"booking_uid": booking.uid})
            # Counted; at the last ask Penny stops and the host refunds it by hand.
            counted = self._count_refusal(
                booking.uid, exc, lambda b, now: b.second_refund_refused(payment_id, now),
                lambda b: b.payment is not None and any(
                    s.payment_id == payment_id and s.refund_refused_at is not None
                    for s in b.payment.second_payments))
            if counted is not None:
                return Settlement("recorded", counted)
            raise PaymentUnavailableError(
                booking.payment.provider, "the refund of a second payment for a booking "
                "paid already could not be made yet; it is tried again") from exc
        now = self.clock.now()
        return Settlement("refunded", self._update(booking.uid, lambda b: b.second_payment_refunded(
            payment_id, refund.id, refund.amount.amount_minor, now)))

    def _refunded_unpaid(self, booking: Booking, event: PaymentEvent) -> Booking:
        """A refund told before its payment: the payment and its refund are recorded, and
        a booking still waiting for the money ends (its hold let go) as if unpaid."""
        amount = event.amount.amount_minor if event.amount else booking.price_minor or 0
        back = amount if event.refunded_minor is None else event.refunded_minor

        def recorded(now: datetime) -> Booking:
            current = self._current(booking.uid)
            if current.payment is None or current.payment.paid:
                return current
            paid = replace(current.payment, payment_id=event.payment_id, paid_minor=amount,
                           paid_at=now)
            settled = replace(current, payment=paid).refunded(
                event.refund_id or event.payment_id or "", back, now, "provider")
            return settled.expired() if settled.status is BookingStatus.PENDING_PAYMENT \
                else settled

        return self.reservations.settle(recorded)

    def _refund_unwanted(self, booking: Booking, payment_id: str, amount: int | None,
                         reason: str) -> Booking:
        """A payment for a time the booking no longer holds: recorded first (with the
        refund it is owed, so the money is never out of sight), then given back. A refund
        that cannot be made now fails the event for a retry (the provider tells it
        again, and its second telling tries the refund again): never acknowledged and
        forgotten."""
        assert booking.payment is not None
        paid_at = self.clock.now()

        def owed(b: Booking) -> Booking:
            if b.payment is None or b.payment.paid:
                return b
            kept = replace(b, payment=replace(
                b.payment, payment_id=payment_id, paid_minor=amount, paid_at=paid_at,
                refund_reason=reason))
            # A hold whose timer has not run yet (late, taken: its time is gone) ends here,
            # as the timer would end it: the timer leaves a paid booking alone.
            return kept.expired() if kept.status is BookingStatus.PENDING_PAYMENT else kept

        booking = self._update(booking.uid, owed)
        if booking.payment is None or booking.payment.payment_id != payment_id:
            return booking
        # A part the host gave back meanwhile (the refund failed when first told, and the
        # host refunded by hand) leaves the rest; all of it, nothing.
        return self._refund_rest(booking, reason, "a payment for a time the booking no "
                                 "longer holds")


def _another(booking: Booking, event: PaymentEvent) -> bool:
    """Whether the event is a payment other than the one the booking was paid with. Only
    a payment the vendor named (never the checkout's id standing in for one) counts: a
    Stripe session is paid once, and its events all name its one PaymentIntent."""
    paid = booking.payment
    return paid is not None and paid.paid and bool(event.payment_id) and \
        event.payment_id not in (paid.payment_id, paid.checkout_id) and \
        paid.payment_id != paid.checkout_id


def _second_due(booking: Booking, payment_id: str) -> bool:
    """Whether that second payment's refund is still to make (owed, or held)."""
    return booking.payment is not None and any(
        s.payment_id == payment_id and (s.refund_owed or s.refund_held)
        for s in booking.payment.second_payments)
