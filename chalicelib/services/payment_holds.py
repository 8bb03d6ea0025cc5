"""The end of a paid booking's hold: the one-time timer set at its end (`HoldTimers`:
EventBridge Scheduler in AWS, integrations/hold_timers.py) and the event it publishes
when it fires, which the payments worker turns into `PaymentService.expire_hold`.

A hold lapses on read anyway (domain/bookings.py): the timer ends the checkout at the
provider and marks the booking `expired`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.bookings import Booking
from chalicelib.domain.events import Event, EventKind


class HoldTimers(Protocol):
    def schedule(self, booking: Booking, at: datetime) -> None:
        """Run `expire_hold(booking.uid)` at `at` (once; scheduling again is harmless)."""
        ...


class NoHoldTimers:
    """No scheduler here: holds still lapse on read, and Stripe ends its own sessions."""

    def schedule(self, booking: Booking, at: datetime) -> None:
        return None


def hold_expired_event(booking: Booking, at: datetime) -> Event:
    """What the hold's timer publishes when it fires (integrations/hold_timers.py)."""
    from chalicelib.domain.events import event_id

    kind = EventKind.PAYMENT_HOLD_EXPIRED
    return Event(kind, event_id(f"hold:{booking.uid}", kind), at, booking.host_id,
                 {"uid": booking.uid})
