"""The host's "Put it back": the event Penny made for a booking, which the host deleted
in their calendar (a sync flagged the booking: services/calendar_event_owners.py), is
asked of the calendar worker again. The booking is marked `calendar_requested_at`, which
the table's stream turns into `calendar.requested` for that worker only; it makes the
event again, under a new id (Google never reuses a deleted one), and clears the flag.

A host who writes bookings to no calendar is refused, and nothing is asked: the worker
would make no event (it clears the flag instead, as the booking expects none)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import (
    BookingStateError,
    CalendarEventPresentError,
    NoDestinationCalendarError,
    NotFoundError,
)
from chalicelib.services.notes_bookings import NotesBookings, save_on_latest
from chalicelib.services.ports import Clock

if TYPE_CHECKING:  # the jobs' module stays off the API's booking path
    from chalicelib.services.jobs import HostConfigs


def put_back(bookings: NotesBookings, hosts: HostConfigs, clock: Clock, host_id: str,
             uid: str) -> Booking:
    """The host's booking as asked for again; NotFoundError when it is not theirs,
    BookingStateError when it no longer stands, CalendarEventPresentError when its event
    was not deleted, NoDestinationCalendarError when the host chose no calendar for new
    bookings."""
    booking = bookings.get(uid)
    if booking is None or booking.host_id != host_id:
        raise NotFoundError("booking not found")
    destination = hosts.config(host_id).calendars.destination
    now = clock.now()

    def ask(current: Booking) -> Booking:
        # Checked on each version read: a cancel that got there first wins.
        if current.status is not BookingStatus.CONFIRMED:
            raise BookingStateError(f"this booking is {current.status.value}: it has no "
                                    "event to put back")
        if current.calendar_event_removed_at is None:
            raise CalendarEventPresentError("this booking's event is in your calendar: "
                                            "there is nothing to put back")
        if destination is None:
            raise NoDestinationCalendarError("new bookings go to no calendar, so there is "
                                             "none to put the event back in: choose a "
                                             "calendar for new bookings on the Connections "
                                             "page first")
        return replace(current, calendar_requested_at=now)

    saved = save_on_latest(bookings, booking, ask)
    if saved is None:
        raise NotFoundError("booking not found")
    return saved
