"""Cancelling a paid booking refunds it by the event type's policy (services/refund_policy.py):
the payments worker does it on `booking.cancelled`, so a provider outage is retried and
ends in its DLQ instead of losing the refund. The refund carries a key derived from the
booking, so a retried Lambda replays instead of paying out twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotConnectedError,
    PaymentNotConnectedError,
    PaymentUnavailableError,
    ProviderError,
    ProviderRejectedError,
)
from chalicelib.domain.event_types import Price
from chalicelib.services.paid_booking_writes import PaidBookingWrites
from chalicelib.services.payment_ports import PaymentAdapters
from chalicelib.services.ports import Clock
from chalicelib.services.refund_policy import given_back_in_part, refund_due

log = logging.getLogger("penny.payments")


class CancellationRefunds(PaidBookingWrites):
    """Held by PaymentService, which has these fields."""

    adapters: PaymentAdapters
    clock: Clock

    def refund_cancelled(self, uid: str) -> Booking | None:
        """A cancelled, paid booking's refund under its policy (once); an unpaid one's
        checkout ended."""
        booking = self.bookings.get(uid)
        if booking is None or booking.status is not BookingStatus.CANCELLED:
            return booking
        payment = booking.payment
        if payment is not None and not payment.paid:
            # Cancelled while it waited for the money: no one can pay for it any more.
            self._end_checkout(booking)
            return booking
        in_part = given_back_in_part(booking)
        if payment is None or (payment.refunded and not in_part):
            return booking
        if not refund_due(booking):
            log.info("no refund under the policy", extra={"booking_uid": uid})
            return booking
        # Owed first, on the booking (the dashboard says "Refund owed", the client's page
        # that it is on its way): the money is never out of sight, whatever happens next.
        booking = self._update(uid, lambda b: replace(b, payment=replace(
            b.payment, refund_reason="cancelled"))
            if b.payment is not None and not b.payment.refunded else b)
        back = (payment.refunded_minor or 0) if in_part else 0  # what the host gave back
        try:
            refund = self.adapters.for_booking(booking).refund(
                payment.payment_id or "",
                Price((payment.paid_minor or 0) - back, booking.currency or ""),
                key=f"{uid}-cancelled")
        except (ProviderError, PaymentNotConnectedError, NotConnectedError) as exc:
            # Refused (a balance too low, keys withdrawn, Stripe disconnected) or down: the
            # job fails for its retries and then its DLQ, whose redrive tries again (after
            # the host reconnects); never recorded done with the money still out.
            log.warning("cancellation refund owed, not made yet: %s", exc.code,
                        extra={"booking_uid": uid})
            raise PaymentUnavailableError(
                payment.provider, "the refund of a cancelled booking could not be made yet; "
                "it is tried again") from exc
        now = self.clock.now()
        return self._update(uid, lambda b: b.refunded(
            refund.id, back + refund.amount.amount_minor, now, "cancelled")
            if b.payment is not None and (not b.payment.refunded
                                          or b.payment.refund_id == payment.refund_id) else b)

    def _end_checkout(self, booking: Booking) -> None:
        """End an unpaid booking's checkout at its provider. One the host's account no
        longer lets Penny reach (disconnected at the provider or in Penny) cannot be ended
        by any retry: the booking ends all the same, and a payment that still comes is a
        late one. An outage fails the job for its retries."""
        assert booking.payment is not None
        try:
            self.adapters.for_booking(booking).expire_checkout(booking.payment.checkout_id)
        except (ConnectionBrokenError, ProviderRejectedError, PaymentNotConnectedError,
                NotConnectedError) as exc:
            log.warning("checkout not ended: %s", exc.code, extra={"booking_uid": booking.uid})
