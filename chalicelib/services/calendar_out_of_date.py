"""Which providers still hold a booking's meeting or event as it was, for the host to be
told (`Booking.out_of_date`): the calendar job (services/calendar_sync.py) could not move
or delete it there because the connection was broken or disconnected.

Read from the job's own records (ProviderRef): a record written for an older sequence of
a confirmed booking is a meeting or event at the old time; any record of a cancelled one
is a meeting or event still there. Only a provider the run found unreachable is flagged,
so an outage (retried, with its own words) says nothing; a flag stays while its record
is behind, and goes with the run that brings it up to date (a reconnect's catch-up, or
a repair's: services/calendar_catch_up.py).
"""

from __future__ import annotations

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.calendar_refs import CalendarRef
from chalicelib.services.calendar_event_records import CALENDAR, recorded
from chalicelib.services.jobs import ProviderRefs
from chalicelib.services.zoom_meeting_writes import ZOOM


def out_of_date(refs: ProviderRefs, booking: Booking, unreachable: set[str]
                ) -> tuple[str, ...]:
    """The providers to flag on `booking` after a run that found the jobs `unreachable`
    (ZOOM, CALENDAR) broken or disconnected. Reads nothing when there is nothing to flag
    nor a flag to clear."""
    if not unreachable and not booking.out_of_date:
        return booking.out_of_date
    behind = []
    for job in (ZOOM, CALENDAR):
        ref = refs.get(job, booking.uid)
        if ref is None or (booking.status is BookingStatus.CONFIRMED
                           and ref.sequence >= booking.sequence):
            continue
        provider = ZOOM if job == ZOOM else CalendarRef.parse(recorded(ref)[0]).provider
        if job in unreachable or provider in booking.out_of_date:
            behind.append(provider)
    return tuple(sorted(behind))
