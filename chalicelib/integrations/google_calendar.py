"""Google Calendar v3 through google-api-python-client: the CalendarProvider of a host's
Google connection.

GoogleCalendar is made of its parts, each a role: google_calendar_reads.py (the calendar
list, free/busy, each calendar's changes), google_calendar_channels.py (watch channels
started and stopped), google_calendar_moves.py (the calendar an event the host moved is
in now) and, here, the event writes (an event made under the id Penny chooses, updated,
deleted). Each call is google_calendar_calls.py's: one request, one answer, no retries
but the token's one refresh after a 401, and every vendor failure leaving as a provider
error of domain/errors.py; what Google's JSON means (events, busy, error bodies) is
google_calendar_wire.py's. Imported only on the code paths that talk to Google: the
client is large, and its resources are made from the bundled discovery document once
per container (google_services.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain.errors import EventGoneError, ProviderUnavailableError
from chalicelib.domain.providers.calendars import CalendarEvent, TaggedEvent, WrittenEvent
from chalicelib.integrations.google_calendar_channels import GoogleCalendarChannels
from chalicelib.integrations.google_calendar_moves import GoogleEventMoves
from chalicelib.integrations.google_calendar_wire import (
    PROVIDER,
    at_time,
    conference_version,
    event_body,
    google_event_id,
    meet_pending,
    written_event,
)
from chalicelib.provider_settings import OAuthApp

API_ROOT = "https://www.googleapis.com/calendar/v3/"
# The pauses before each read of an event whose Meet conference Google is still making
# (it answers the write `pending`, with no link): short, inside the calendar job's time.
MEET_WAITS = (0.25, 0.5, 1.0)


class GoogleCalendar(GoogleEventMoves, GoogleCalendarChannels):
    def __init__(self, entry: OAuthApp, token: Callable[[bool], str], timeout: float = 5.0,
                 *, page_size: int = 250,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._root = f"{entry.base_url}/calendar/v3/" if entry.base_url else API_ROOT
        self._token, self._timeout, self._page_size = token, timeout, page_size
        self._sleep = sleep

    def create_event(self, calendar_id: str, event: CalendarEvent) -> WrittenEvent:
        event_id = google_event_id(event.key)
        events = self._api("events")
        answer = self._call(events.insert(calendarId=calendar_id,
                                          body={"id": event_id, **event_body(event)},
                                          sendUpdates="all", **conference_version(event)),
                            "creating an event", tolerate={409})
        if answer is None:
            # The id is taken: an earlier attempt made the event (a retry after a timeout).
            answer = self._call(events.get(calendarId=calendar_id, eventId=event_id),
                                "reading an event")
            if answer.get("status") == "cancelled" or not at_time(answer, event.when):
                # Google keeps a deleted event's id for good: bring the event back. And
                # one made before the booking moved (its answer lost) is moved now.
                answer = self._call(events.patch(
                    calendarId=calendar_id, eventId=event_id,
                    body={**event_body(event), "status": "confirmed"}, sendUpdates="all",
                    **conference_version(event)), "restoring an event")
        return written_event(self._with_meet(calendar_id, event_id, answer))

    def _with_meet(self, calendar_id: str, event_id: str, answer: Mapping[str, Any],
                   or_fail: bool = True) -> Mapping[str, Any]:
        """The event once Google has made its Meet conference: read again after a short
        pause while it answers `pending`. Still pending after them: unavailable, so the
        job is retried (it finds the event by its id, with the link by then) rather than
        tell the client the host will send a link the event is about to have."""
        for pause in MEET_WAITS:
            if not meet_pending(answer):
                return answer
            self._sleep(pause)
            answer = self._call(self._api("events").get(calendarId=calendar_id,
                                                        eventId=event_id),
                                "reading an event's Meet link")
        if meet_pending(answer) and or_fail:
            raise ProviderUnavailableError(PROVIDER, "Google Meet is still making the "
                                           "event's link; try again later")
        return answer

    def event_id_for(self, calendar_id: str, key: str) -> str | None:
        return google_event_id(key)

    def booking_events(self, calendar_id: str, booking_uid: str
                       ) -> list[TaggedEvent] | None:
        # Penny chooses Google's ids: a booking's events are deleted by them, unlisted.
        return None

    def update_event(self, calendar_id: str, event_id: str,
                     event: CalendarEvent) -> WrittenEvent:
        answer = self._call(self._api("events").patch(
            calendarId=calendar_id, eventId=event_id, body=event_body(event, invite=False),
            sendUpdates="all",
            **conference_version(event)), "updating an event", gone=EventGoneError)
        # The host deleted it in Google Calendar: 404 or 410, or (Google keeps a deleted
        # event's id) a patch that answers it still cancelled.
        if answer.get("status") == "cancelled":
            raise EventGoneError(PROVIDER, "Google Calendar refused updating an event (it "
                                           "was deleted in the calendar)")
        # Still pending after the reads: the answer as it is, no link in it. The caller
        # keeps the link the booking has (a move keeps its conference); failing for a
        # retry would patch again and send the client and guests a second update.
        return written_event(self._with_meet(calendar_id, event_id, answer, or_fail=False))

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        self._call(self._api("events").delete(calendarId=calendar_id, eventId=event_id,
                                             sendUpdates="all"),
                   "deleting an event", tolerate={404, 410})
