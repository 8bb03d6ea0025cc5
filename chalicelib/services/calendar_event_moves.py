"""An event of Penny's that the host moved to another of their calendars, followed.

Google Calendar's "move to calendar" (the API's events.move) keeps the event's id, and
the calendar it left lists it `cancelled` in its incremental sync, as it lists a deleted
one. Before that listing flags the booking (services/calendar_event_owners.py), Penny
reads the event in each other calendar of the host's that it may write (the calendar
list, then one events.get each): found there, and not cancelled, the host moved it, and
the booking's record of its event (services/calendar_event_records.py) and the event's
owner record name that calendar from then on, so a reschedule patches it and a cancel
deletes it there. Not found (deleted; moved to a calendar of someone else's): flagged.

Only for an owner record of this host's calendar whose meeting is still to end (an
event of Penny's, for a booking that stands: Penny forgets the record before it deletes
its own), so an ordinary sync asks nothing more. Graph gives a moved event a new id: its
adapter finds nothing, and Outlook's `deleted` notifications never ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.providers.calendars import CalendarProvider
from chalicelib.services.calendar_event_records import CALENDAR, moved, recorded
from chalicelib.services.calendar_ports import EventOwners

if TYPE_CHECKING:  # services.jobs is the workers': the API's sync path does not load it
    from chalicelib.services.jobs import ProviderRefs


@dataclass(frozen=True)
class EventMoves:
    """Where the host's events went, asked of their calendar at the provider."""

    calendar: CalendarProvider
    owners: EventOwners
    refs: ProviderRefs

    def follow(self, owner: EventOwner, left: CalendarRef) -> bool:
        """Is the owner's event, listed deleted in calendar `left`, in another of the
        host's calendars now? If so the booking's records name it there; whether they
        do (False: flag it)."""
        found = self.calendar.moved_to(left.calendar_id, owner.event_id)
        if found is None:
            return False
        ref = self.refs.get(CALENDAR, owner.booking_uid)
        if ref is None or recorded(ref)[1] != owner.event_id:
            return False  # the booking records another event now: this one is not its
        to = CalendarRef(left.provider, found).key
        return self.owners.follow(owner, to, ref, moved(ref, to))
