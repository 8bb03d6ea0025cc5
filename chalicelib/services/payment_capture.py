"""A Razorpay payment Penny learns of before it is captured: Checkout's handler, or the
`payment.authorized` webhook. A Razorpay account set to capture manually leaves every
payment `authorized` (the money held on the client's card, given back to them by
Razorpay after some days unless captured), and Checkout's signature is as valid for it
as for a captured one: confirming on it alone confirmed bookings whose host was never
paid.

So the payment is read first (one call) and the booking confirmed only once it is
captured: an authorized one is captured by Penny for the order's amount (a second call;
"already been captured" is the capture done), but only while the booking can take it.
One for a time the booking no longer holds (the hold lapsed and the time was taken, the
booking cancelled, its start passed) is left uncaptured and recorded as not taken: it
lapses back to the client at Razorpay, so there is nothing to refund. A capture that
fails for now (Razorpay down, a timeout) is a retryable error: the webhook answers 503
and Razorpay delivers it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import (
    NotConnectedError,
    PaymentNotConnectedError,
    PaymentUnavailableError,
    ProviderRejectedError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import PaymentEvent, PaymentEventKind
from chalicelib.services.owed_refunds import NOT_MADE
from chalicelib.services.payment_confirmation import PaymentConfirmation
from chalicelib.services.payment_ports import RazorpayCallbacks, Settlement
from chalicelib.services.reservations import Reservations

log = logging.getLogger("penny.payments")
T = TypeVar("T")

AUTHORIZED, CAPTURED = "authorized", "captured"


class PaymentCapture(PaymentConfirmation):
    """Held by PaymentService, which has these fields."""

    reservations: Reservations

    def _authorized(self, booking: Booking, event: PaymentEvent,
                    account: RazorpayCallbacks | None = None) -> Settlement:
        """A payment that may not be captured yet (see the module's docstring), at the
        host's Razorpay `account` (looked up when not given)."""
        payment = booking.payment
        assert payment is not None and event.payment_id
        if payment.paid and event.payment_id in (payment.payment_id, payment.checkout_id):
            return self._paid(booking, event)  # told again: nothing to read or capture
        if payment.released_payment_id == event.payment_id:
            return Settlement("ignored", booking)  # left to lapse already
        try:
            gateway = account or self._call(booking, self.adapters.razorpay_for)
            found = self._call(booking, lambda b: gateway.payment(event.payment_id or ""))
        except ProviderRejectedError as exc:  # not a payment of this account
            log.warning("payment not read: %s", exc.message, extra={"booking_uid": booking.uid})
            return Settlement("ignored", booking)
        amount = Price(booking.price_minor or 0, booking.currency or "")
        if found.status == CAPTURED:
            return self._paid(booking, self._captured(event, found.amount or amount))
        if found.status != AUTHORIZED:
            return Settlement("ignored", booking)  # failed, or refunded: nothing to take
        if payment.paid:
            # Another payment for a booking paid already (a second tab): never captured,
            # so it lapses back to the client by itself.
            log.warning("a second payment left uncaptured", extra={"booking_uid": booking.uid})
            return Settlement("ignored", booking)
        reason = self._unwanted_now(booking)
        if reason is not None:
            log.warning("an authorized payment left uncaptured: %s", reason,
                        extra={"booking_uid": booking.uid})
            now = self.clock.now()
            return Settlement("released", self._update(booking.uid, lambda b: b.released(
                event.payment_id or "", amount.amount_minor, reason, now)))
        try:
            self._call(booking, lambda b: gateway.capture(event.payment_id or "", amount))
        except ProviderRejectedError as exc:  # not the order's amount, say: never confirmed
            log.warning("capture refused: %s", exc.message, extra={"booking_uid": booking.uid})
            return Settlement("ignored", booking)
        return self._paid(booking, self._captured(event, amount))

    def _unwanted_now(self, booking: Booking) -> str | None:
        """Why the booking cannot take a payment now (None: it can): the reasons a
        captured payment would be refunded for (services/payment_confirmation.py)."""
        now = self.clock.now()
        if booking.status is BookingStatus.CANCELLED:
            return "cancelled"
        if booking.start <= now:
            return "late"
        held = booking.status is BookingStatus.PENDING_PAYMENT and \
            booking.hold_until is not None and booking.hold_until > now
        if held:
            return None
        # The hold lapsed: the time is the booking's again only if nobody took it.
        return None if self.reservations.free_for(booking) else "taken"

    def _captured(self, event: PaymentEvent, amount: Price) -> PaymentEvent:
        return replace(event, kind=PaymentEventKind.PAID, amount=amount)

    def _call(self, booking: Booking, call: Callable[[Booking], T]) -> T:
        """One call for the booking to its Razorpay account; one that may work later (an
        outage, a timeout, keys withdrawn) fails the event for a retry. Razorpay removed
        from Penny is no outage: said as it is (409 `payment_not_connected` to Checkout's
        handler; a webhook's refusal for good), never a 503 retried for as long as the
        host stays away."""
        try:
            return call(booking)
        except (ProviderRejectedError, PaymentNotConnectedError, NotConnectedError):
            raise
        except NOT_MADE as exc:
            log.warning("payment not captured yet: %s", exc.code,
                        extra={"booking_uid": booking.uid})
            raise PaymentUnavailableError(
                "razorpay", "Razorpay has the payment, and Penny is still confirming it: "
                "your booking's page shows it confirmed as soon as Razorpay tells Penny "
                "again") from exc
