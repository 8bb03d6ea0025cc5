"""A host's (re)connected calendar or Zoom catches up: their upcoming confirmed bookings
asked of the calendar job (services/calendar_sync.py) again."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.domain.bookings import BookingStatus
from chalicelib.services.notes import NotesBookings, save_on_latest

CATCH_UP = 200   # upcoming bookings a (re)connection asks the calendar worker for again


def catch_up(bookings: NotesBookings, host_id: str, now: datetime) -> int:
    """The host (re)connected a calendar or Zoom: their confirmed bookings still to come
    are asked of the calendar worker again (`calendar.requested`), so those made while the
    connection was broken, or before it existed, reach the calendar with their link. It
    reconciles each from the booking as it is, so one already written costs a read.
    How many were asked."""
    asked = 0
    for booking in bookings.for_host(host_id, after=now, limit=CATCH_UP):
        if booking.status is BookingStatus.CONFIRMED and save_on_latest(
                bookings, booking, lambda b: replace(b, calendar_requested_at=now)):
            asked += 1
    return asked
