"""Whose booking an event Penny made in a host's calendar is, kept beside the event by
its provider's id: a sync that sees the event deleted finds the booking in one read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EventOwner:
    provider: str
    event_id: str                  # the provider's id of the event
    host_id: str
    booking_uid: str
    calendar: str                  # CalendarRef.key of the calendar it was made in
    ends_at: datetime              # the meeting's end
    keep_until: datetime           # TTL: nothing is flagged after the meeting

    def owned_by(self, host_id: str, calendar: str, now: datetime) -> bool:
        """Is it the event of a meeting still to end, in this host's calendar? The
        attendee's copy of an invitation has the same id in their own calendar (another
        Penny host's), and an event deleted after its meeting is the host tidying up."""
        return (self.host_id, self.calendar) == (host_id, calendar) and self.ends_at > now
