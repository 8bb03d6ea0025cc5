"""A cancelled paid booking's refund policy: full refund up to `refund_hours_before` the
start (the deadline moves with a reschedule made in time), none after; a host's
cancellation always refunds. Pure: the booking in, the answer out."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.bookings import Booking


def refund_due(booking: Booking) -> bool:
    """Full refund when the host cancelled, or the attendee did by the refund deadline;
    none after."""
    if booking.payment is None or booking.cancelled_at is None:
        return False
    if booking.cancelled_by == "host":
        return True
    return booking.cancelled_at <= refund_deadline(booking)


def refund_deadline(booking: Booking) -> datetime:
    """The policy's hours before the start; a move made by then sets a new deadline from
    the new start, one made after it does not (moving a booking far out, once its refund
    has gone, does not bring the refund back)."""
    assert booking.payment is not None
    before = timedelta(hours=booking.payment.refund_hours_before)
    starts = [entry.start for entry in booking.history] + [booking.start]
    deadline = starts[0] - before
    for entry, start in zip(booking.history, starts[1:], strict=True):
        if entry.changed_at <= deadline:
            deadline = start - before
    return deadline
