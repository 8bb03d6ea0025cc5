"""A host's (re)connected calendar or Zoom catches up: their upcoming confirmed bookings
asked of the calendar job (services/calendar_sync.py) again, and their cancelled ones
whose event or meeting a broken connection kept. So does one that works again with no
reconnect (a late refresh saved over a refused one's mark: `connection.repaired`, heard
by the calendar worker) when it left a booking out of date.

Paced, as the notes catch-up is (services/notes_catch_up.py): CATCH_UP_AT_ONCE are asked
at once (`calendar_requested_at`, which the table's stream makes `calendar.requested`),
the others wait in the catch-up (`calendar_catch_up_at`, which wakes no worker), and each
asked job that ends (done, or refused for good) asks for the next one waiting. Microsoft
Graph answers 429 past 4 concurrent requests per mailbox, and Google limits requests per
user per minute: 200 calendar jobs at once for one host would mostly be refused, and
their retries (as concurrent) would end in the dead-letter queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.services.calendar_event_deletes import CALENDAR
from chalicelib.services.jobs import ProviderRefs
from chalicelib.services.notes_bookings import NotesBookings, save_on_latest
from chalicelib.services.zoom_meeting_writes import ZOOM

CATCH_UP = 200        # upcoming bookings a (re)connection asks the calendar worker for again
CATCH_UP_AT_ONCE = 2  # calendar jobs a catch-up runs at once (Graph: 4 requests per mailbox)


def catch_up(bookings: NotesBookings, refs: ProviderRefs, host_id: str,
             now: datetime, behind: str | None = None) -> int:
    """The host (re)connected a calendar or Zoom: their confirmed bookings still to come
    are asked of the calendar worker again (`calendar.requested`), so those made while the
    connection was broken, or before it existed, reach the calendar with their link. It
    reconciles each from the booking as it is, so one already written costs a read.
    A cancelled one still to come is asked too while Penny still holds a record of its
    event or Zoom meeting: the cancel could not delete it (the connection was broken),
    and its job gave up for good. CATCH_UP_AT_ONCE are asked now, the others wait their
    turn (`catch_up_next`); how many in all.
    `behind`: a provider whose connection works again with no reconnect (a late refresh
    saved over a refused one's mark): only when one of those bookings says that provider
    still holds it as it was (`out_of_date`); otherwise the break (seconds, mostly) left
    nothing behind, and nothing is asked."""
    upcoming = bookings.for_host(host_id, after=now, limit=CATCH_UP)
    if behind is not None and not any(behind in b.out_of_date for b in upcoming):
        return 0
    owed = 0
    for booking in upcoming:
        if _owed(booking, refs) and save_on_latest(
                bookings, booking, _marked(now, asked=owed < CATCH_UP_AT_ONCE)):
            owed += 1
    return owed


def _marked(now: datetime, asked: bool) -> Callable[[Booking], Booking]:
    """The catch-up's mark: asked now, or waiting in the catch-up begun `now`."""
    if asked:
        return lambda b: replace(b, calendar_requested_at=now)
    return lambda b: replace(b, calendar_catch_up_at=now)


def catch_up_next(bookings: NotesBookings, refs: ProviderRefs, host_id: str,
                  now: datetime) -> None:
    """A job asked for by `calendar.requested` ended (done, or refused for good): ask for
    the host's next booking waiting in a catch-up, soonest first, so one more runs. Any
    asked job goes on with the chain (a "Put it back" too): the bookings waiting are one
    queue, each asked once."""
    for booking in bookings.for_host(host_id, after=now, limit=CATCH_UP):
        if _waiting(booking) and _owed(booking, refs) and _ask(bookings, booking):
            return  # one more: the chain goes on (another job took the one before)


def _waiting(booking: Booking) -> bool:
    at, asked = booking.calendar_catch_up_at, booking.calendar_requested_at
    return at is not None and (asked is None or asked < at)


def _ask(bookings: NotesBookings, booking: Booking) -> bool:
    """Ask for the waiting booking (`calendar.requested`); False when another job asked
    for it first (nothing is marked again)."""
    asked: list[bool] = []

    def mark(b: Booking) -> Booking:
        asked.append(_waiting(b))
        return replace(b, calendar_requested_at=b.calendar_catch_up_at) if asked[-1] else b

    return save_on_latest(bookings, booking, mark) is not None and asked[-1]


def _owed(booking: Booking, refs: ProviderRefs) -> bool:
    if booking.status is BookingStatus.CONFIRMED:
        return True
    return booking.status is BookingStatus.CANCELLED and any(
        refs.get(job, booking.uid) is not None for job in (CALENDAR, ZOOM))
