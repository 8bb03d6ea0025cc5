"""An event Penny made for a booking, deleted by the host in their calendar, noticed.

Beside each event the calendar job makes (Google's and Outlook's), it writes an owner
record keyed by the provider and the event's id, naming the host, the calendar and the
booking (`own`). Google's push-notified incremental sync lists the deleted event as
cancelled (`notice_removed`); Graph's change notification names it, `deleted`
(`notice_deleted`: Penny reads Outlook as a full window, where it is simply absent). For
each event so named Penny reads that record (one GetItem; none for an event that did not
change) and, when the record is the host's, in that calendar, for a meeting still to
end, flags the booking (one transaction, only while the record is still there and the
booking confirmed and not flagged yet): its table change is `booking.updated` for the
host's dashboards, which offer to put the event back. The record checked with the flag
keeps a sync that read it just before the event was made again from flagging the
booking once more. An event the host moved to another of their Google calendars is
followed there instead (services/calendar_event_moves.py).

Penny's own removals are never flagged: a cancel leaves the booking cancelled, and each
event Penny deletes or replaces while its booking stands (another calendar chosen, none,
an event made again) has its record forgotten first (`disown`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.domain.bookings import Booking
from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.providers.calendars import CalendarChanges
from chalicelib.services.calendar_event_moves import EventMoves
from chalicelib.services.calendar_ports import EventOwners

# The providers that tell Penny of a deleted event: Google's incremental listing, Graph's
# `deleted` change notification.
TELLS_REMOVALS = frozenset({"google", "microsoft"})


def own(owners: EventOwners | None, booking: Booking, where: CalendarRef, event_id: str,
        keep_until: datetime) -> None:
    if owners is not None and where.provider in TELLS_REMOVALS:
        owners.put(EventOwner(where.provider, event_id, booking.host_id, booking.uid,
                              where.key, booking.end, keep_until))


def disown(owners: EventOwners | None, where: CalendarRef, event_id: str) -> None:
    if owners is not None and where.provider in TELLS_REMOVALS:
        owners.forget(where.provider, event_id)


def notice_removed(owners: EventOwners | None, host_id: str, ref: CalendarRef,
                   changes: CalendarChanges, now: datetime,
                   moves: EventMoves | None = None) -> list[str]:
    """Flag each booking whose event this incremental listing says was deleted, unless
    the host moved it to another calendar (`moves`: then followed); the bookings flagged."""
    if changes.full:
        return []  # a full listing leaves deleted events out
    return notice_deleted(owners, host_id, ref, (c.id for c in changes.changes if c.removed),
                          now, moves)


def notice_deleted(owners: EventOwners | None, host_id: str, ref: CalendarRef,
                   event_ids: Iterable[str], now: datetime,
                   moves: EventMoves | None = None) -> list[str]:
    """Flag each booking whose event in the host's calendar `ref` the provider says was
    deleted (one read each), unless `moves` finds it moved; the bookings flagged."""
    if owners is None:
        return []
    flagged: list[str] = []
    for event_id in dict.fromkeys(event_ids):  # Graph may name one twice in a batch
        owner = owners.owner(ref.provider, event_id)
        if owner is None or not owner.owned_by(host_id, ref.key, now):
            continue
        if moves is not None and moves.follow(owner, ref):
            continue  # the host moved it: followed, not removed
        if owners.flag_removed(owner, now):
            flagged.append(owner.booking_uid)
    return flagged
