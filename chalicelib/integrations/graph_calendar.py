"""Outlook calendars over Microsoft Graph v1.0 (the CalendarProvider port), with requests.

Busy time and changes both read `calendarView`, which expands recurring series into
their occurrences (`events/delta` gives only series masters: recurring Outlook events
then block nothing); every request sends `Prefer: outlook.timezone="UTC"`, so times come
back in UTC rather than in the mailbox's zone. Each event becomes an ExternalEvent and
domain/external_busy.py alone decides what blocks.

Graph has no client-chosen event id; a create carries `transactionId` (a UUID derived
from the booking's key), and Graph answers a retried POST with the first event. Each
event carries the booking's uid in a single-value extended property Penny owns, so a
cancel finds all of a booking's events in a calendar with one filtered listing. Update
and delete address the event under the calendar it is in,
`/me/calendars/{calendar}/events/{id}`: the one address Microsoft documents for the
events of a calendar shared to the host (its local copy in the host's mailbox), which
the host may choose as the destination when it is shared with edit rights; for the
host's own calendars it is the same event as `/me/events/{id}`. `calendar_id` values and
event ids are URL-quoted in paths.

A Teams meeting may be set up after the create answers (`onlineMeeting` null): the event
is read again after short pauses until its link is there, a few times only, since an
account without Teams never gets one.

Graph's HTTP (the token's refresh, timeouts, errors) is in graph_client.py, its JSON in
graph_calendar_wire.py, what Penny reads (calendars, busy time, changes, and a calendar
the host can no longer read) in graph_calendar_reads.py, and the push subscriptions in
graph_subscriptions.py.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, tzinfo
from typing import Any

import requests

from chalicelib.domain.errors import (
    EventGoneError,
    ProviderError,
    ProviderRejectedError,
)
from chalicelib.domain.providers.calendars import (
    CalendarEvent,
    TaggedEvent,
    WrittenEvent,
)
from chalicelib.integrations.graph_calendar_reads import GraphCalendarReads
from chalicelib.integrations.graph_calendar_wire import (
    answered_id,
    booking_filter,
    event_body,
    made_at,
    moved,
    segment,
    written_event,
)
from chalicelib.integrations.graph_client import API, GRAPH, TimeZoneRefusedError
from chalicelib.integrations.graph_subscriptions import GraphSubscriptions
from chalicelib.integrations.http_routing import RoutingHttpClient
from chalicelib.provider_settings import MicrosoftApp

TRANSACTIONS = uuid.UUID("6f1c2a8e-5b7d-4e3f-9a0c-1d2e3f4a5b6c")  # namespace for uuid5
# The pauses before each read of an event whose Teams meeting Graph has not set up yet
# (the create answers `onlineMeeting` null): short, inside the calendar job's time, and
# few: an account without Teams never gets a link, and the booking then says it follows.
TEAMS_WAITS = (0.25, 0.5, 1.0)


class GraphCalendar(GraphCalendarReads, GraphSubscriptions):
    """The host's Outlook calendars. `token(False)` is the current access token and
    `token(True)` a forced refresh; after one, `token(False)` must answer the new token
    (the connection store keeps it), so parallel reads refresh once, not once each."""

    def __init__(self, entry: MicrosoftApp, token: Callable[[bool], str],
                 timeout: float = 5.0, http: RoutingHttpClient | None = None,
                 home: Callable[[], tzinfo] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.token = token
        self._sleep = sleep
        self.timeout = timeout
        # The host's own zone, where all-day events are placed (read once, when needed).
        self._home = home
        self._home_zone: tzinfo | None = None if home is not None else UTC
        self.http = http or RoutingHttpClient({GRAPH: entry.base_url} if entry.base_url
                                              else {}, timeout)
        # RoutingHttpClient speaks GET and POST only (msal's needs): it routes, this sends.
        self._session = requests.Session()
        self._refreshing = threading.Lock()

    # -- the booking's event -----------------------------------------------------------

    def create_event(self, calendar_id: str, event: CalendarEvent) -> WrittenEvent:
        made = self._write("POST", f"{API}/me/calendars/{segment(calendar_id)}/events", event,
                           transactionId=str(uuid.uuid5(TRANSACTIONS, event.key)))
        if moved(made, event.when):
            # The transactionId's first event, made before the booking moved (the answer
            # to that request lost): moved now.
            return self.update_event(calendar_id, answered_id(made), event)
        return written_event(self._with_teams(calendar_id, made) if event.online_meeting
                             else made)

    def _with_teams(self, calendar_id: str, answer: Mapping[str, Any]) -> Mapping[str, Any]:
        """The event once Graph has set its Teams meeting up: read again after a short
        pause while it has no join link. Still none after them: the answer as it is, and
        the booking says the host will send the link; so too when a read fails."""
        url = _event_url(calendar_id, answered_id(answer))
        for pause in TEAMS_WAITS:
            if written_event(answer).join_url:
                break
            self._sleep(pause)
            try:
                read = self._call("GET", url, params={"$select": "id,onlineMeeting"},
                                  gone_ok=True)
            except ProviderError:
                # Graph down or the token refused: the event is made, its link to follow
                # (a failed job would lean on Graph still knowing the transactionId).
                break
            if not read:  # the host deleted it meanwhile: the create's answer stands
                break
            answer = {**answer, "onlineMeeting": read.get("onlineMeeting")}
        return answer

    def event_id_for(self, calendar_id: str, key: str) -> str | None:
        # Graph assigns ids, and offers no documented lookup by transactionId; a POST
        # replayed to find the event would make one (and invite the attendee) when none
        # was made. Such an event is found by its tag (booking_events) or a retried create.
        return None

    def booking_events(self, calendar_id: str, booking_uid: str) -> list[TaggedEvent]:
        # Graph's default page (10) holds a booking's few events; every page is followed.
        # Listed whole before any is deleted: a delete would shift the pages' $skip. A
        # calendar the host deleted in Outlook is a 404 (ErrorItemNotFound): it holds
        # none of the booking's events, and a move or cancel goes on without them.
        return [TaggedEvent(answered_id(item), made_at(item)) for item in self._pages(
            f"{API}/me/calendars/{segment(calendar_id)}/events",
            {"$filter": booking_filter(booking_uid), "$select": "id,createdDateTime"},
            gone_ok=True)]

    def moved_to(self, calendar_id: str, event_id: str) -> str | None:
        # Graph's default ids change when an item moves to another calendar, and Microsoft
        # documents nothing of a tagged event's extended property across such a move
        # (docs/calendars.md, "An event the host deletes"): a move is not followed.
        return None

    def update_event(self, calendar_id: str, event_id: str,
                     event: CalendarEvent) -> WrittenEvent:
        # A 404: the host deleted it in Outlook (EventGoneError).
        return written_event(self._write("PATCH", _event_url(calendar_id, event_id), event,
                                         invite=False, gone=EventGoneError))

    def _write(self, method: str, url: str, event: CalendarEvent, invite: bool = True,
               gone: type[ProviderRejectedError] | None = None, **more: str) -> dict[str, Any]:
        """Graph's answer to the event written in the host's zone; in UTC when Graph
        refuses the zone's Windows name (CLDR names zones Windows added lately, which a
        mailbox's server may not know yet): the times are right either way."""
        try:
            return self._call(method, url, body={**event_body(event, invite), **more},
                              gone=gone)
        except TimeZoneRefusedError:
            utc = replace(event, time_zone="UTC")
            return self._call(method, url, body={**event_body(utc, invite), **more},
                              gone=gone)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        self._call("DELETE", _event_url(calendar_id, event_id), gone_ok=True)


def _event_url(calendar_id: str, event_id: str) -> str:
    """One event, under the calendar it is in: a shared calendar's events are documented
    only there (learn.microsoft.com/graph/outlook-get-shared-events-calendars)."""
    return f"{API}/me/calendars/{segment(calendar_id)}/events/{segment(event_id)}"
