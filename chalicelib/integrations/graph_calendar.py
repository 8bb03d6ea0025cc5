"""Outlook calendars over Microsoft Graph v1.0 (the CalendarProvider port), with requests.

Busy time and changes both read `calendarView`, which expands recurring series into
their occurrences (`events/delta` gives only series masters: recurring Outlook events
then block nothing); every request sends `Prefer: outlook.timezone="UTC"`, so times come
back in UTC rather than in the mailbox's zone. Each event becomes an ExternalEvent and
domain/external_busy.py alone decides what blocks.

Graph has no client-chosen event id; a create carries `transactionId` (a UUID derived
from the booking's key), and Graph answers a retried POST with the first event. Each
event carries the booking's uid in a single-value extended property Penny owns, so a
cancel finds all of a booking's events in a calendar with one filtered listing. Event
ids are mailbox-wide, so update and delete address `/me/events/{id}` whatever the
calendar. `calendar_id` values and event ids are URL-quoted in paths.

Graph's HTTP (the token's refresh, timeouts, errors) is in graph_client.py, its JSON in
graph_calendar_wire.py, and the push subscriptions in graph_subscriptions.py.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, tzinfo
from typing import Any

import requests

from chalicelib.domain.errors import (
    CalendarGoneError,
    EventGoneError,
    ProviderError,
    ProviderUnavailableError,
)
from chalicelib.domain.external_busy import CalendarBusy, busy_of
from chalicelib.domain.providers.calendars import (
    CalendarChanges,
    CalendarEvent,
    CalendarInfo,
    EventChange,
    TaggedEvent,
    WrittenEvent,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.graph_calendar_wire import (
    PROVIDER,
    answered_id,
    booking_filter,
    event_body,
    external_event,
    made_at,
    moved,
    segment,
    stamp,
    written_event,
)
from chalicelib.integrations.graph_client import API, GRAPH, AccessDeniedError
from chalicelib.integrations.graph_subscriptions import GraphSubscriptions
from chalicelib.integrations.http_routing import RoutingHttpClient
from chalicelib.provider_settings import MicrosoftApp

VIEW_FIELDS = "showAs,start,end,isAllDay,isCancelled,responseStatus"
PAGE = 100                 # calendarView's $top (Graph's default page is 10)
WORKERS = 4                # calendars read at once by busy()
TRANSACTIONS = uuid.UUID("6f1c2a8e-5b7d-4e3f-9a0c-1d2e3f4a5b6c")  # namespace for uuid5


class GraphCalendar(GraphSubscriptions):
    """The host's Outlook calendars. `token(False)` is the current access token and
    `token(True)` a forced refresh; after one, `token(False)` must answer the new token
    (the connection store keeps it), so parallel reads refresh once, not once each."""

    def __init__(self, entry: MicrosoftApp, token: Callable[[bool], str],
                 timeout: float = 5.0, http: RoutingHttpClient | None = None,
                 home: Callable[[], tzinfo] | None = None) -> None:
        self.token = token
        self.timeout = timeout
        # The host's own zone, where all-day events are placed (read once, when needed).
        self._home = home
        self._home_zone: tzinfo | None = None if home is not None else UTC
        self.http = http or RoutingHttpClient({GRAPH: entry.base_url} if entry.base_url
                                              else {}, timeout)
        # RoutingHttpClient speaks GET and POST only (msal's needs): it routes, this sends.
        self._session = requests.Session()
        self._refreshing = threading.Lock()

    # -- calendars and busy time -------------------------------------------------------

    def calendars(self) -> list[CalendarInfo]:
        items = self._pages(f"{API}/me/calendars",
                            {"$select": "id,name,isDefaultCalendar,canEdit"})
        return [CalendarInfo(str(c["id"]), str(c.get("name") or ""),
                             bool(c.get("isDefaultCalendar")), bool(c.get("canEdit")))
                for c in items]

    def busy(self, calendar_ids: Sequence[str], window: TimeRange) -> list[CalendarBusy]:
        if not calendar_ids:
            return []
        with ThreadPoolExecutor(min(WORKERS, len(calendar_ids))) as pool:
            read = list(pool.map(lambda cid: self._busy_or_failure(cid, window), calendar_ids))
        failures = [r for r in read if isinstance(r, ProviderError)
                    and not isinstance(r, CalendarGoneError)]
        if failures and len(failures) == len(read):
            if not isinstance(failures[0], ProviderUnavailableError):
                raise failures[0]  # refused for all: the connection itself (403, 401)
            raise ProviderUnavailableError(PROVIDER, f"No Outlook calendar could be read: "
                                           f"{failures[0].message}") from failures[0]
        # One calendar that could not be read (down), among others that could: unknown,
        # never free. One deleted or no longer shared: gone, holding nothing.
        return [CalendarBusy(cid, window, gone=r.message) if isinstance(r, CalendarGoneError)
                else CalendarBusy(cid, window, unknown=True) if isinstance(r, Exception) else r
                for cid, r in zip(calendar_ids, read, strict=True)]

    def _busy_or_failure(self, calendar_id: str,
                         window: TimeRange) -> CalendarBusy | ProviderError:
        try:
            events = [external_event(item, self._zone) for item in self._view(calendar_id, window)]
        except ProviderError as failure:
            return failure
        return busy_of(calendar_id, window, (e for e in events if e is not None))

    def changes(self, calendar_id: str, window: TimeRange,
                cursor: str | None) -> CalendarChanges:
        # No incremental cursor for Graph in Penny (delta lists series masters only): each
        # read is the whole window, and what is not listed is gone.
        listed = tuple(EventChange(str(item["id"]), None if item.get("isCancelled")
                                   else external_event(item, self._zone))
                       for item in self._view(calendar_id, window))
        return CalendarChanges(calendar_id, listed, full=True, cursor=None)

    def _zone(self) -> tzinfo:
        """The host's zone, for all-day events (asked once; threads may both ask)."""
        if self._home_zone is None and self._home is not None:
            self._home_zone = self._home()
        return self._home_zone or UTC

    def _view(self, calendar_id: str, window: TimeRange) -> Iterator[dict[str, Any]]:
        """The calendar's events in `window`. CalendarGoneError when Graph no longer
        knows the calendar (404: the host deleted it), or refuses it (403) while the
        host's own calendar still answers: a calendar shared with the host whose owner
        stopped sharing it. A 403 there too is the connection (consent withdrawn)."""
        try:
            yield from self._pages(
                f"{API}/me/calendars/{segment(calendar_id)}/calendarView", {
                    "startDateTime": stamp(window.start), "endDateTime": stamp(window.end),
                    "$select": VIEW_FIELDS, "$top": PAGE}, gone=CalendarGoneError)
        except CalendarGoneError as gone:
            raise CalendarGoneError(PROVIDER, "Outlook no longer has this calendar (it was "
                                    f"deleted): {gone.message}") from gone
        except AccessDeniedError as refused:
            # One call more, on a refusal only: ConnectionBrokenError when it fails too.
            self._call("GET", f"{API}/me/calendar", {"$select": "id"})
            raise CalendarGoneError(PROVIDER, "Outlook no longer lets you read this "
                                    "calendar (its owner may have stopped sharing it): "
                                    f"{refused.message.partition(';')[0]}") from refused

    # -- the booking's event -----------------------------------------------------------

    def create_event(self, calendar_id: str, event: CalendarEvent) -> WrittenEvent:
        made = self._call("POST", f"{API}/me/calendars/{segment(calendar_id)}/events", body={
            **event_body(event),
            "transactionId": str(uuid.uuid5(TRANSACTIONS, event.key))})
        if moved(made, event.when):
            # The transactionId's first event, made before the booking moved (the answer
            # to that request lost): moved now.
            return self.update_event(calendar_id, answered_id(made), event)
        return written_event(made)

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
        return written_event(self._call("PATCH", f"{API}/me/events/{segment(event_id)}",
                                        body=event_body(event), gone=EventGoneError))

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        self._call("DELETE", f"{API}/me/events/{segment(event_id)}", gone_ok=True)
