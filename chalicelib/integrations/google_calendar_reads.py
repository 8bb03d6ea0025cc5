"""What Penny reads of a host's Google calendars, for the adapter (google_calendar.py):
the calendar list, free/busy, and each calendar's changes (an incremental sync from a
cursor, or the window listed afresh when Google no longer honours it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from chalicelib.domain.errors import CalendarGoneError
from chalicelib.domain.external_busy import CalendarBusy
from chalicelib.domain.providers.calendars import CalendarChanges, CalendarInfo, EventChange
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.google_calendar_calls import GoogleCalendarCalls
from chalicelib.integrations.google_calendar_wire import (
    GONE,
    PROVIDER,
    calendar_busy,
    event_change,
    rfc3339,
    zone,
)

FREEBUSY_MAX_CALENDARS = 50
# Penny's scope `calendar.events.owned` writes only on calendars the host owns: a calendar
# shared with them as "writer" is writable in Google's UI but not for Penny.
WRITABLE_ROLES = frozenset({"owner"})
# What Penny reads of a listed event (a partial response: smaller, and no titles kept).
LIST_FIELDS = ("items(id,status,start,end,transparency,attendees(self,responseStatus)),"
               "nextPageToken,nextSyncToken,timeZone")


class _SyncTokenGone(Exception):
    """Google answered 410 Gone to a sync token: a full listing is needed."""


class GoogleCalendarReads(GoogleCalendarCalls):
    """Held by GoogleCalendar (integrations/google_calendar.py)."""

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
        changed event, inside the window or not: one moved out of it must reach the cache.
        CalendarGoneError when Google answers 404 notFound: the calendar was deleted, or
        is no longer shared with the host (Google answers both alike)."""
        try:
            return self._changes(calendar_id, window, cursor)
        except CalendarGoneError as gone:
            raise CalendarGoneError(PROVIDER, f"{GONE} ({gone.message})") from gone

    def _changes(self, calendar_id: str, window: TimeRange,
                 cursor: str | None) -> CalendarChanges:
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
                "listing events", tolerate={410} if "syncToken" in query else (),
                gone=CalendarGoneError)
            if page is None:
                raise _SyncTokenGone
            listed_in = zone(page.get("timeZone")) or UTC
            changes += [event_change(item, listed_in) for item in page.get("items") or []]
            page_token = page.get("nextPageToken")
            if not page_token:
                return changes, page.get("nextSyncToken")
