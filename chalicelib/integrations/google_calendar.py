"""Google Calendar v3 through google-api-python-client: the CalendarProvider of a host's
Google connection.

One request, one answer: no retries here (`num_retries=0`; Penny's jobs decide when to
try again), except that a 401 gets the host's token refreshed once and the call repeated.
Every vendor failure leaves as a provider error of domain/errors.py; what Google's JSON
means (events, busy, error bodies) is google_calendar_wire.py's. Imported only on the
code paths that talk to Google: the client is large, and its resources are made from the
bundled discovery document once per container (google_services.py).
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import httplib2
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.errors import HttpError

from chalicelib.domain.errors import (
    EventGoneError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.external_busy import CalendarBusy
from chalicelib.domain.providers.calendars import (
    CalendarChanges,
    CalendarEvent,
    CalendarInfo,
    EventChange,
    TaggedEvent,
    Watch,
    WrittenEvent,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.google_calendar_wire import (
    PROVIDER,
    at_time,
    calendar_busy,
    conference_version,
    event_body,
    event_change,
    google_event_id,
    refusal,
    rfc3339,
    written_event,
    zone,
)
from chalicelib.integrations.google_services import host_transport, resource
from chalicelib.provider_settings import OAuthApp

API_ROOT = "https://www.googleapis.com/calendar/v3/"
FREEBUSY_MAX_CALENDARS = 50
# Penny's scope `calendar.events.owned` writes only on calendars the host owns: a calendar
# shared with them as "writer" is writable in Google's UI but not for Penny.
WRITABLE_ROLES = frozenset({"owner"})
# What Penny reads of a listed event (a partial response: smaller, and no titles kept).
LIST_FIELDS = ("items(id,status,start,end,transparency,attendees(self,responseStatus)),"
               "nextPageToken,nextSyncToken,timeZone")
TRANSPORT_ERRORS = (OSError, httplib2.HttpLib2Error, http.client.HTTPException)


class _SyncTokenGone(Exception):
    """Google answered 410 Gone to a sync token: a full listing is needed."""


class GoogleCalendar:
    def __init__(self, entry: OAuthApp, token: Callable[[bool], str], timeout: float = 5.0,
                 *, page_size: int = 250) -> None:
        self._root = f"{entry.base_url}/calendar/v3/" if entry.base_url else API_ROOT
        self._token, self._timeout, self._page_size = token, timeout, page_size

    @cached_property
    def _http(self) -> AuthorizedHttp:
        return host_transport(self._token, self._timeout)

    def _api(self, name: str) -> Any:
        return resource("calendar", "v3", self._root, name)

    # -- reading -----------------------------------------------------------------------

    def calendars(self) -> list[CalendarInfo]:
        found: list[CalendarInfo] = []
        page_token: str | None = None
        while True:
            page = self._call(self._api("calendarList").list(maxResults=250, pageToken=page_token),
                              "listing calendars")
            found += [CalendarInfo(str(item["id"]),
                                   str(item.get("summaryOverride") or item.get("summary") or ""),
                                   item.get("primary") is True,
                                   item.get("accessRole") in WRITABLE_ROLES)
                      for item in page.get("items") or []]
            page_token = page.get("nextPageToken")
            if not page_token:
                return found

    def busy(self, calendar_ids: Sequence[str], window: TimeRange) -> list[CalendarBusy]:
        ids = list(dict.fromkeys(calendar_ids))
        answers: dict[str, Any] = {}
        for first in range(0, len(ids), FREEBUSY_MAX_CALENDARS):
            chunk = ids[first:first + FREEBUSY_MAX_CALENDARS]
            answer = self._call(self._api("freebusy").query(body={
                "timeMin": rfc3339(window.start), "timeMax": rfc3339(window.end),
                "timeZone": "UTC", "items": [{"id": calendar_id} for calendar_id in chunk]}),
                "reading free/busy")
            answers.update(answer.get("calendars") or {})
        return [calendar_busy(calendar_id, window, answers.get(calendar_id))
                for calendar_id in ids]

    def changes(self, calendar_id: str, window: TimeRange,
                cursor: str | None) -> CalendarChanges:
        """Instances of recurring events, never series. An incremental sync lists every
        changed event, inside the window or not: one moved out of it must reach the cache."""
        if cursor:
            try:
                changes, token = self._list(calendar_id, {"syncToken": cursor})
                return CalendarChanges(calendar_id, tuple(changes), False, token)
            except _SyncTokenGone:
                pass  # Google no longer honours the token (410): list the window afresh
        changes, token = self._list(calendar_id, {"timeMin": rfc3339(window.start),
                                                  "timeMax": rfc3339(window.end)})
        return CalendarChanges(calendar_id, tuple(changes), True, token)

    def _list(self, calendar_id: str,
              query: dict[str, str]) -> tuple[list[EventChange], str | None]:
        changes: list[EventChange] = []
        page_token: str | None = None
        while True:
            page = self._call(self._api("events").list(
                calendarId=calendar_id, singleEvents=True, maxResults=self._page_size,
                pageToken=page_token, fields=LIST_FIELDS, **query),
                "listing events", tolerate={410} if "syncToken" in query else ())
            if page is None:
                raise _SyncTokenGone
            listed_in = zone(page.get("timeZone")) or UTC
            changes += [event_change(item, listed_in) for item in page.get("items") or []]
            page_token = page.get("nextPageToken")
            if not page_token:
                return changes, page.get("nextSyncToken")

    # -- push --------------------------------------------------------------------------

    def watch(self, calendar_id: str, address: str, watch_id: str, token: str,
              expires_at: datetime) -> Watch:
        answer = self._call(self._api("events").watch(calendarId=calendar_id, body={
            "id": watch_id, "type": "web_hook", "address": address, "token": token,
            "expiration": str(int(expires_at.timestamp() * 1000))}), "starting a watch")
        expiration = answer.get("expiration")
        # Google may end a channel sooner than asked: its answer is the truth.
        ends = datetime.fromtimestamp(int(expiration) / 1000, UTC) if expiration else expires_at
        return Watch(str(answer.get("id") or watch_id), calendar_id, ends,
                     str(answer.get("resourceId") or ""))

    def stop(self, watch: Watch) -> None:
        self._call(self._api("channels").stop(body={"id": watch.id,
                                                   "resourceId": watch.resource_id}),
                   "stopping a watch", tolerate={404})

    # -- writing -----------------------------------------------------------------------

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
        return written_event(answer)

    def event_id_for(self, calendar_id: str, key: str) -> str | None:
        return google_event_id(key)

    def booking_events(self, calendar_id: str, booking_uid: str
                       ) -> list[TaggedEvent] | None:
        # Penny chooses Google's ids: a booking's events are deleted by them, unlisted.
        return None

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

    def update_event(self, calendar_id: str, event_id: str,
                     event: CalendarEvent) -> WrittenEvent:
        answer = self._call(self._api("events").patch(
            calendarId=calendar_id, eventId=event_id, body=event_body(event), sendUpdates="all",
            **conference_version(event)), "updating an event", gone=EventGoneError)
        # The host deleted it in Google Calendar: 404 or 410, or (Google keeps a deleted
        # event's id) a patch that answers it still cancelled.
        if answer.get("status") == "cancelled":
            raise EventGoneError(PROVIDER, "Google Calendar refused updating an event (it "
                                           "was deleted in the calendar)")
        return written_event(answer)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        self._call(self._api("events").delete(calendarId=calendar_id, eventId=event_id,
                                             sendUpdates="all"),
                   "deleting an event", tolerate={404, 410})

    # -- one call ----------------------------------------------------------------------

    def _call(self, request: Any, doing: str, tolerate: Collection[int] = (),
              gone: type[ProviderRejectedError] | None = None) -> Any:
        """The answer (a dict; {} when empty), or None when its status is in `tolerate`;
        `gone` raised for a 404 or 410 when given."""
        try:
            answer = request.execute(http=self._http, num_retries=0)
        except HttpError as exc:
            if exc.resp.status in tolerate:
                return None
            if gone is not None and exc.resp.status in (404, 410):
                raise gone(PROVIDER, f"Google Calendar refused {doing} (HTTP "
                                     f"{exc.resp.status}: it was deleted)") from exc
            raise refusal(int(exc.resp.status), exc.resp, exc.content, doing) from exc
        except TRANSPORT_ERRORS as exc:
            raise ProviderUnavailableError(
                PROVIDER, f"Google Calendar did not answer ({type(exc).__name__}) while "
                          f"{doing}; try again later") from exc
        return answer if isinstance(answer, dict) else {}
