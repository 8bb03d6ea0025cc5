"""A paid booking as it is now, and a change written at the version read: what every
step of the payment service (services/payments.py) builds on.

Events come at least once and in any order, and a booking may be cancelled or moved
while a payment is on its way: each write reads the booking again and is conditioned on
its version, so nothing another request wrote meanwhile is undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import BookingContentionError, NotFoundError
from chalicelib.services.ports import Bookings
from chalicelib.services.reservations import Reservations

SAVE_ROUNDS = 5


class PaidBookingWrites:
    """Held by PaymentService, which has these fields."""

    bookings: Bookings
    reservations: Reservations

    def _settle_expired(self, uid: str) -> Booking:
        def expired(now: datetime) -> Booking:
            current = self._current(uid)
            if current.status is not BookingStatus.PENDING_PAYMENT or \
                    (current.payment is not None and current.payment.paid):
                return current
            return current.expired()

        return self.reservations.settle(expired)

    def _current(self, uid: str) -> Booking:
        booking = self.bookings.get(uid)
        if booking is None:
            raise NotFoundError("booking not found")
        return booking

    def _update(self, uid: str, change: Callable[[Booking], Booking]) -> Booking:
        """`change` applied to the booking as it is now, written at the version read."""
        for _ in range(SAVE_ROUNDS):
            current = self._current(uid)
            changed = change(current)
            if changed == current:
                return current
            if self.bookings.save(changed):
                # As stored: the save bumped the version (no second read for it).
                return replace(changed, version=(changed.version or 0) + 1)
        raise BookingContentionError("this booking is being changed elsewhere; try again")
