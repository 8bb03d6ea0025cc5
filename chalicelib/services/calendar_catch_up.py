"""A host's (re)connected calendar or Zoom catches up: their upcoming confirmed bookings
asked of the calendar job (services/calendar_sync.py) again, and their cancelled ones
whose event or meeting a broken connection kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.services.calendar_event_deletes import CALENDAR
from chalicelib.services.jobs import ProviderRefs
from chalicelib.services.notes_bookings import NotesBookings, save_on_latest
from chalicelib.services.zoom_meeting_writes import ZOOM

CATCH_UP = 200   # upcoming bookings a (re)connection asks the calendar worker for again


def catch_up(bookings: NotesBookings, refs: ProviderRefs, host_id: str,
             now: datetime) -> int:
    """The host (re)connected a calendar or Zoom: their confirmed bookings still to come
    are asked of the calendar worker again (`calendar.requested`), so those made while the
    connection was broken, or before it existed, reach the calendar with their link. It
    reconciles each from the booking as it is, so one already written costs a read.
    A cancelled one still to come is asked too while Penny still holds a record of its
    event or Zoom meeting: the cancel could not delete it (the connection was broken),
    and its job gave up for good. How many were asked."""
    asked = 0
    for booking in bookings.for_host(host_id, after=now, limit=CATCH_UP):
        if _owed(booking, refs) and save_on_latest(
                bookings, booking, lambda b: replace(b, calendar_requested_at=now)):
            asked += 1
    return asked


def _owed(booking: Booking, refs: ProviderRefs) -> bool:
    if booking.status is BookingStatus.CONFIRMED:
        return True
    return booking.status is BookingStatus.CANCELLED and any(
        refs.get(job, booking.uid) is not None for job in (CALENDAR, ZOOM))
