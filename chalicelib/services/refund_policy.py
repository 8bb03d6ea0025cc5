"""A cancelled paid booking's refund policy: full refund up to `refund_hours_before` the
start (the deadline moves with a reschedule made in time), none after; a host's
cancellation always refunds. A part the host gave back at the provider before the
cancellation leaves the rest to the policy. Pure: the booking in, the answer out."""

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


def given_back_in_part(booking: Booking) -> bool:
    """The host gave back part of the payment at the provider (a goodwill refund) before
    any cancellation: the policy's refund is still the rest's to make. One made after it
    (the host's own, once Penny's came back) is the host's business."""
    p = booking.payment
    return (p is not None and p.refunded and p.refund_reason == "provider"
            and not p.refund_failed and p.refunded_at is not None
            and (booking.cancelled_at is None or p.refunded_at <= booking.cancelled_at)
            and (p.refunded_minor or 0) < (p.paid_minor or 0))
