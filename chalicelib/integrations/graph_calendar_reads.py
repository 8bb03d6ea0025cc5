"""What Penny reads of a host's Outlook calendars, for the adapter (graph_calendar.py):
the calendar list, busy time and each calendar's events, all from `calendarView`, and
which refusals mean a calendar the host can no longer read (CalendarGoneError: deleted,
a 404; or a 403 while the host's own calendar, `/me/calendar`, still answers: no longer
shared) rather than the connection itself.

Busy time is read over a window wider than asked, by ALL_DAY_REACH each side, and judged
over the window asked: calendarView picks an all-day event by its own reading of the
dates (midnight to midnight in the zone the event was made in), while Penny places them
in the host's zone (graph_calendar_wire.py), and the two can be up to 26 hours apart. So
a day off that Penny's copy rightly keeps busy is not missed by the booking's check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta, tzinfo
from typing import Any

from chalicelib.domain.errors import CalendarGoneError, ProviderError, ProviderUnavailableError
from chalicelib.domain.external_busy import CalendarBusy, busy_of
from chalicelib.domain.providers.calendars import CalendarChanges, CalendarInfo, EventChange
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.graph_calendar_wire import PROVIDER, external_event, segment, stamp
from chalicelib.integrations.graph_client import API, AccessDeniedError, GraphClient

VIEW_FIELDS = "showAs,start,end,isAllDay,isCancelled,responseStatus"
PAGE = 100                 # calendarView's $top (Graph's default page is 10)
WORKERS = 4                # calendars read at once by busy()
# How far apart Graph's reading of an all-day event (midnight where it was made) and
# Penny's (midnight where the host is) may be: from UTC-12 to UTC+14.
ALL_DAY_REACH = timedelta(hours=26)


class GraphCalendarReads(GraphClient):
    """Held by GraphCalendar (integrations/graph_calendar.py), which makes these fields."""

    _home: Callable[[], tzinfo] | None
    _home_zone: tzinfo | None

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
        wider = TimeRange(window.start - ALL_DAY_REACH, window.end + ALL_DAY_REACH)
        try:
            events = [external_event(item, self._zone) for item in self._view(calendar_id, wider)]
        except ProviderError as failure:
            return failure
        # Placed by Penny, judged by the one rule over the window asked (module docstring).
        return busy_of(calendar_id, window, (e for e in events if e is not None))

    def changes(self, calendar_id: str, window: TimeRange,
                cursor: str | None) -> CalendarChanges:
        # No incremental cursor for Graph in Penny (delta lists series masters only): each
        # read is the whole window, and what is not listed is gone. The zone all-day
        # events were placed by is told with them: the copy is not trusted once the
        # host's zone is another (domain/calendar_trust.py).
        placed: list[tzinfo] = []

        def home() -> tzinfo:
            if not placed:
                placed.append(self._zone())
            return placed[0]

        listed = tuple(EventChange(str(item["id"]), None if item.get("isCancelled")
                                   else external_event(item, home))
                       for item in self._view(calendar_id, window))
        return CalendarChanges(calendar_id, listed, full=True, cursor=None,
                               placed_in=str(placed[0]) if placed else None)

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
