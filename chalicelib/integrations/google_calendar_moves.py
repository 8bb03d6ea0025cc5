"""Where an event the host moved to another of their Google calendars went, for the
adapter (google_calendar.py): events.move keeps the event's id, so it is looked for by
that id in each other calendar Penny may write (from the calendar list)."""

from __future__ import annotations

from chalicelib.integrations.google_calendar_reads import GoogleCalendarReads


class GoogleEventMoves(GoogleCalendarReads):
    """Held by GoogleCalendar (integrations/google_calendar.py)."""

    def moved_to(self, calendar_id: str, event_id: str) -> str | None:
        # events.move keeps the id, and the calendar it left lists it cancelled: it is
        # read in each other calendar Penny may write (a 404, or cancelled: not there).
        events = self._api("events")
        for other in self.calendars():
            if not other.writable or other.id == calendar_id or \
                    (other.primary and calendar_id == "primary"):
                continue
            found = self._call(events.get(calendarId=other.id, eventId=event_id,
                                          fields="id,status"),
                               "looking for a moved event", tolerate={404, 410})
            if found is not None and found.get("status") != "cancelled":
                return other.id
        return None
