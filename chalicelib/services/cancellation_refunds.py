"""Cancelling a paid booking refunds it by the event type's policy (services/refund_policy.py):
the payments worker does it on `booking.cancelled`, so a provider outage is retried and
ends in its DLQ instead of losing the refund. The refund carries a key derived from the
booking, so a retried Lambda replays instead of paying out twice.

A payment disputed with the client's bank (open, or lost) is not refunded: the bank decides
the money, and Stripe refuses to refund a disputed charge. The refund the policy gives is
recorded as held (`Booking.refund_held`), and made when the dispute is won or closed as an
inquiry (services/payment_settlement.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotConnectedError,
    PaymentNotConnectedError,
    ProviderRejectedError,
)
from chalicelib.services.owed_refunds import OwedRefunds
from chalicelib.services.payment_ports import PaymentAdapters
from chalicelib.services.ports import Clock
from chalicelib.services.refund_policy import given_back_in_part, refund_due

log = logging.getLogger("penny.payments")


class CancellationRefunds(OwedRefunds):
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
        if payment is None:
            return booking
        if booking.refund_held:
            return booking   # recorded already; the dispute's end decides
        if not booking.refund_owed:
            in_part = given_back_in_part(booking)
            if (payment.refunded and not in_part) or payment.refund_refused:
                # Given back already (all of it), its refund came back, or the provider
                # refused it at every ask: the host refunds it by hand.
                return booking
            if not refund_due(booking):
                log.info("no refund under the policy", extra={"booking_uid": uid})
                return booking
            # Owed first, on the booking (the dashboard says "Refund owed", the client's
            # page that it is on its way): the money is never out of sight, whatever
            # happens next. A part the host gave back before stays recorded: the refund is
            # the rest (`_refund_rest`).
            booking = self._update(uid, lambda b: replace(b, payment=replace(
                b.payment, refund_reason="cancelled"))
                if b.payment is not None and (not b.payment.refunded or given_back_in_part(b))
                else b)
        if booking.refund_held:
            # Never asked of the provider, so never counted as a refused ask: when the
            # dispute is won its refund is the first ask, under the plain key.
            log.info("refund held while the payment's dispute is open or lost",
                     extra={"booking_uid": uid})
            return booking
        # Down: the job fails for its retries and then its DLQ, whose redrive tries again;
        # never recorded done with the money still out. Refused (a balance too low, keys
        # withdrawn, Stripe disconnected): the same, counted, and at the third refusal (the
        # worker's last try) recorded as refused, for the host to refund by hand.
        return self._refund_rest(booking, "cancelled", "a cancelled booking")

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
