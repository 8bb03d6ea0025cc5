"""Paid bookings: a held slot, a checkout, and confirmation only by a verified payment.

Booking a paid event type writes the booking as `pending_payment`, holding its time
through the same atomic write as any booking for `hold` (15 minutes by default), then
asks the host's payment provider (Stripe or Razorpay, services/payment_accounts.py) for
a checkout keyed by the booking uid, so a retried request finds the first one. If the
provider cannot start one, the hold is let go at once (the booking `expired`) and the
client is told to try again: nothing is left holding a time nobody can pay for.

The hold ends on its own: an expired hold no longer blocks the slot (enforced on read,
domain/bookings.py), and a one-time timer at its end (`HoldTimers`: EventBridge
Scheduler in AWS) runs `expire_hold`, which ends the checkout at the provider (a Stripe
session cannot be made to expire sooner than 30 minutes) and marks the booking `expired`.

Only a verified provider event confirms (`settle`, services/payment_settlement.py): never
a success redirect. A payment for a time the booking no longer holds is given back in
full (services/payment_confirmation.py).

Cancelling a paid booking refunds it by the event type's policy (full refund up to
`refund_hours_before` the start, none after; a host's cancellation always refunds:
services/refund_policy.py), in the payments worker (services/cancellation_refunds.py).
Rescheduling keeps the payment: never a second charge. Every call that moves money
carries a key derived from the booking, so a retried Lambda replays instead of paying
out twice.

`PaymentService` holds the fields; what it does on a provider's word and on a
cancellation it inherits from those modules, which share the writes at the version read
(services/paid_booking_writes.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.bookings import Booking, BookingStatus, Payment
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    PaymentRefusedError,
    PaymentUnavailableError,
    ProviderError,
    ProviderRejectedError,
)
from chalicelib.domain.event_types import EventType
from chalicelib.domain.providers.payments import CheckoutRequest
from chalicelib.domain.reservations import NewBooking
from chalicelib.services.cancellation_refunds import CancellationRefunds
from chalicelib.services.payment_holds import HoldTimers, NoHoldTimers
from chalicelib.services.payment_ports import HostPayment, PaymentAdapters
from chalicelib.services.payment_settlement import PaymentSettlement
from chalicelib.services.ports import Bookings, Clock
from chalicelib.services.reservations import BookingResult, Idempotency, Reservations

log = logging.getLogger("penny.payments")

DEFAULT_HOLD = timedelta(minutes=15)


@dataclass(frozen=True)
class PaymentService(PaymentSettlement, CancellationRefunds):
    bookings: Bookings
    reservations: Reservations
    adapters: PaymentAdapters
    clock: Clock
    return_url: Callable[[str], str]          # booking uid -> where the client comes back
    timers: HoldTimers = field(default_factory=NoHoldTimers)
    hold: timedelta = DEFAULT_HOLD

    # ---- booking ---------------------------------------------------------------------

    def book(self, new: NewBooking, idempotency: Idempotency | None) -> BookingResult:
        """Hold the time, then open a checkout for it (see the module's docstring)."""
        et = new.event_type
        assert et.price is not None  # only paid event types come here
        host_payment = self.adapters.for_new_booking(new.host_id, et.price)
        result = self.reservations.reserve(new, BookingStatus.PENDING_PAYMENT,
                                           hold_for=self.hold, idempotency=idempotency)
        booking = result.booking
        if booking.payment is not None or booking.status is not BookingStatus.PENDING_PAYMENT:
            return result  # a replay of a request that got its checkout (or lapsed)
        try:
            booking = self._open_checkout(booking, et, host_payment)
        except (PaymentUnavailableError, PaymentRefusedError):
            # Nothing was booked: a retry under the same Idempotency-Key tries again,
            # rather than replaying a hold that never had a checkout.
            if idempotency is not None:
                self.bookings.forget_idempotency(idempotency.key)
            raise
        if booking.hold_until is not None:
            try:
                self.timers.schedule(booking, booking.hold_until)
            except Exception:  # the hold still lapses on read; the session ends itself
                log.exception("hold timer not scheduled", extra={"booking_uid": booking.uid})
        return replace(result, booking=booking)

    def _open_checkout(self, booking: Booking, et: EventType, host: HostPayment) -> Booking:
        assert et.price is not None and booking.hold_until is not None
        name = host.name
        request = CheckoutRequest(
            key=booking.uid, booking_uid=booking.uid,
            description=f"{et.title} · {_on_clients_clock(booking)}",
            price=et.price, customer_email=booking.attendee.email,
            customer_name=booking.attendee.name, success_url=self.return_url(booking.uid),
            cancel_url=self.return_url(booking.uid), expires_at=booking.hold_until)
        try:
            checkout = host.provider.create_checkout(request)
        except ProviderError as exc:
            self._let_go(booking.uid)
            if isinstance(exc, ProviderRejectedError | ConnectionBrokenError):
                # Retrying cannot help until the host changes something.
                if isinstance(exc, ConnectionBrokenError) and name == "razorpay":
                    # The host's own keys refused (Stripe's 401 may be the platform's).
                    self.adapters.account_lost(name, None, booking.host_id, exc.message)
                log.warning("checkout refused", extra={"booking_uid": booking.uid,
                                                       "provider": name, "reason": exc.message})
                raise PaymentRefusedError(
                    f"{name.title()} would not take this payment, so nothing was booked; "
                    "please tell the host: their price or their payment account needs a "
                    "change") from exc
            raise PaymentUnavailableError(
                name, f"{name.title()} could not start the payment, so nothing was booked; "
                "try again in a moment") from exc
        payment = Payment(provider=name, checkout_id=checkout.id, checkout_url=checkout.url,
                          public_key=checkout.public_key,
                          account=host.account,
                          refund_hours_before=et.refund_hours_before)
        return self._update(booking.uid, lambda b: replace(b, payment=payment)
                            if b.payment is None else b)

    def _let_go(self, uid: str) -> None:
        """The checkout failed: the hold is released now, not left to lapse, and the
        attendee's count for it given back (Reservations.let_go)."""
        try:
            self.reservations.let_go(lambda: self._current(uid))
        except Exception:  # it lapses on read anyway
            log.exception("hold not released", extra={"booking_uid": uid})

    # ---- the hold's end ----------------------------------------------------------------

    def expire_hold(self, uid: str) -> Booking | None:
        """The hold's timer: end the checkout at the provider, then the booking (if it is
        still unpaid: a payment that won the race is left alone)."""
        booking = self.bookings.get(uid)
        if booking is None or booking.payment is None or booking.payment.paid:
            return booking
        if booking.status is BookingStatus.PENDING_PAYMENT:
            now = self.clock.now()
            if booking.hold_until is not None and booking.hold_until > now:
                return booking  # early (a clock skew): the hold still stands
            # A provider that cannot be reached fails the job: its retries run it again.
            self._end_checkout(booking)
            return self._settle_expired(uid)
        return booking


def _on_clients_clock(booking: Booking) -> str:
    """The time as the client chose it, on their clock ("Tue 8 Dec 2026, 15:00 GMT"): the
    checkout page shows it beside the price. It said UTC, which the client never picked."""
    local = booking.start.astimezone(ZoneInfo(booking.attendee.timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M %Z}"
