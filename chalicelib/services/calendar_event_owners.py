"""An event Penny made for a booking, deleted by the host in their calendar, noticed.

Beside each Google event the calendar job makes, it writes an owner record keyed by the
event's id, naming the host, the calendar and the booking (`own`). A push-notified sync
of that calendar lists the deleted event as cancelled; for each event so listed it reads
that record (one GetItem; none for an event that did not change) and, when the record
is the host's, in that calendar, for a meeting still to end, flags the booking (one
conditional write, only while it is confirmed and not flagged yet): its table change is
`booking.updated` for the host's dashboards, which offer to put the event back.

Penny's own removals are never flagged: a cancel leaves the booking cancelled, and each
event Penny deletes or replaces while its booking stands (another calendar chosen, none,
an event made again) has its record forgotten first (`disown`).
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.bookings import Booking
from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.providers.calendars import CalendarChanges
from chalicelib.services.calendar_ports import EventOwners

# The providers whose sync lists a deleted event: only Google's is incremental (Graph's
# is a listing of the window, where a deleted event is simply absent).
TELLS_REMOVALS = frozenset({"google"})


def own(owners: EventOwners | None, booking: Booking, where: CalendarRef, event_id: str,
        keep_until: datetime) -> None:
    if owners is not None and where.provider in TELLS_REMOVALS:
        owners.put(EventOwner(where.provider, event_id, booking.host_id, booking.uid,
                              where.key, booking.end, keep_until))


def disown(owners: EventOwners | None, where: CalendarRef, event_id: str) -> None:
    if owners is not None and where.provider in TELLS_REMOVALS:
        owners.forget(where.provider, event_id)


def notice_removed(owners: EventOwners | None, host_id: str, ref: CalendarRef,
                   changes: CalendarChanges, now: datetime) -> list[str]:
    """Flag each booking whose event this incremental listing says was deleted; the
    bookings flagged."""
    if owners is None or changes.full:
        return []  # a full listing leaves deleted events out
    flagged: list[str] = []
    for change in changes.changes:
        if not change.removed:
            continue
        owner = owners.owner(ref.provider, change.id)
        if owner is not None and owner.owned_by(host_id, ref.key, now) and \
                owners.flag_removed(owner.booking_uid, now):
            flagged.append(owner.booking_uid)
    return flagged
