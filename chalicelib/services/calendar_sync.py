"""The calendar job: the host's calendar holds an event for every confirmed booking.

It reconciles rather than replays: whichever booking event arrives (confirmed,
rescheduled, cancelled; SNS keeps no order), it reads the booking as it is now and makes
the calendar match: a confirmed booking has one event at its current time, anything
else has none. So a late `booking.confirmed` for a booking cancelled since creates
nothing, and a reschedule that overtook its confirmation still ends at the new time.

The event's id at the provider is kept per booking (ProviderRef), with the booking's
sequence it was written for. The create is keyed by the booking uid (domain/providers.py),
so a retry after a create that timed out finds the first event instead of making a
second. Two runs for one booking may overlap (two events pushed at once): each reads the
booking again after writing and goes round once more if it changed meanwhile, so the
last writer always leaves the calendar at the booking's latest state.

Not in the deployed worker list yet: there is no calendar vendor until the connections
issue; tests wire it with the in-memory fake (tests/functional/test_jobs.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.providers import CalendarEvent, CalendarProvider, ProviderRef
from chalicelib.services.jobs import CurrentBookings
from chalicelib.services.ports import Calendars

ROUNDS = 3
KEEP_AFTER_MEETING = timedelta(days=30)


class ProviderRefs(Protocol):
    def get(self, job: str, booking_uid: str) -> ProviderRef | None: ...
    def put(self, ref: ProviderRef) -> None: ...
    def delete(self, ref: ProviderRef) -> None: ...


def calendar_event(b: Booking) -> CalendarEvent:
    return CalendarEvent(key=b.uid, title=f"{b.event_title} with {b.attendee.name}",
                         when=b.meeting, attendee_name=b.attendee.name,
                         attendee_email=b.attendee.email)


def _state(b: Booking | None) -> tuple[BookingStatus, int] | None:
    return None if b is None else (b.status, b.sequence)


@dataclass(frozen=True)
class CalendarSync:
    bookings: CurrentBookings
    calendars: Calendars
    refs: ProviderRefs
    name: str = "calendar"
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CONFIRMED, EventKind.BOOKING_RESCHEDULED,
                                    EventKind.BOOKING_CANCELLED)
    announces: EventKind | None = None

    def run(self, event: Event) -> None:
        calendar = self.calendars.for_host(event.host_id)
        if calendar is None:
            return
        uid = str(event.booking["uid"])
        booking = self.bookings.get(uid)
        for _ in range(ROUNDS):
            self._reconcile(calendar, uid, booking)
            again = self.bookings.get(uid)
            if _state(again) == _state(booking):
                return
            booking = again

    def _reconcile(self, calendar: CalendarProvider, uid: str, booking: Booking | None) -> None:
        ref = self.refs.get(self.name, uid)
        if booking is None or booking.status is not BookingStatus.CONFIRMED:
            if ref is not None:
                calendar.delete_event(ref.external_id)
                self.refs.delete(ref)
            return
        if ref is None:
            external_id = calendar.create_event(calendar_event(booking))
            self.refs.put(ProviderRef(self.name, uid, external_id, booking.sequence,
                                      booking.end + KEEP_AFTER_MEETING))
        elif ref.sequence < booking.sequence:
            calendar.update_event(ref.external_id, calendar_event(booking))
            self.refs.put(replace(ref, sequence=booking.sequence,
                                  keep_until=booking.end + KEEP_AFTER_MEETING))
