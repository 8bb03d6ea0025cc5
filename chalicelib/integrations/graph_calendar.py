"""Outlook calendars over Microsoft Graph v1.0 (the CalendarProvider port), with requests.

Busy time and changes both read `calendarView`, which expands recurring series into
their occurrences (`events/delta` gives only series masters: recurring Outlook events
then block nothing); every request sends `Prefer: outlook.timezone="UTC"`, so times come
back in UTC rather than in the mailbox's zone. Each event becomes an ExternalEvent and
domain/external_busy.py alone decides what blocks.

All-day events: an all-day event is a span of dates, midnight to midnight where its
owner lives. One that comes back at midnight UTC to midnight UTC is such a span of dates
(Graph gives them unconverted; or the mailbox's zone is UTC, and it is the same), and is
placed midnight to midnight in the host's own zone (`home`: Penny's profile zone, read
only when such an event is met): read as UTC days, a day off in Sydney or Honolulu left
its first or last hours bookable. Any other all-day event was converted from its zone,
and its instants are kept.

Errors say what happens next: 401 refreshes the token once and retries (a second 401,
or any 403, breaks the connection); 429, 5xx, timeouts and refused connections are
ProviderUnavailableError; any other 4xx is ProviderRejectedError. Nothing is retried
here beyond the one refresh: the caller's job runner owns retries.

Graph has no client-chosen event id; a create carries `transactionId` (a UUID derived
from the booking's key), and Graph answers a retried POST with the first event. Event
ids are mailbox-wide, so update and delete address `/me/events/{id}` whatever the
calendar. `calendar_id` values and event ids are URL-quoted in paths.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import time as clock_time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.external_busy import CalendarBusy, ExternalEvent, busy_of, graph_shown_as
from chalicelib.domain.providers import (
    CalendarChanges,
    CalendarEvent,
    CalendarInfo,
    EventChange,
    Watch,
    WrittenEvent,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.http_routing import RoutingHttpClient
from chalicelib.provider_settings import MicrosoftApp

GRAPH = "https://graph.microsoft.com"
API = f"{GRAPH}/v1.0"
PROVIDER = "microsoft"
PREFER_UTC = 'outlook.timezone="UTC"'
VIEW_FIELDS = "showAs,start,end,isAllDay,isCancelled,responseStatus"
PAGE = 100                 # calendarView's $top (Graph's default page is 10)
WORKERS = 4                # calendars read at once by busy()
# Graph ends an Outlook event subscription after 4,230 minutes at most; a minute less
# leaves room for the clocks to disagree.
LONGEST_WATCH = timedelta(minutes=4230 - 1)
TRANSACTIONS = uuid.UUID("6f1c2a8e-5b7d-4e3f-9a0c-1d2e3f4a5b6c")  # namespace for uuid5
_FRACTION = re.compile(r"(\.\d{6})\d+")  # Graph writes seven fractional digits


class GraphCalendar:
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
        failures = [r for r in read if isinstance(r, ProviderError)]
        if len(failures) == len(read):
            if not isinstance(failures[0], ProviderUnavailableError):
                raise failures[0]  # refused for all: the connection itself (403, 401)
            raise ProviderUnavailableError(PROVIDER, f"No Outlook calendar could be read: "
                                           f"{failures[0].message}") from failures[0]
        # One calendar that could not be read (down, or its owner stopped sharing it),
        # among others that could: unknown, never free.
        return [CalendarBusy(cid, window, unknown=True) if isinstance(r, Exception) else r
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
        return self._pages(f"{API}/me/calendars/{_segment(calendar_id)}/calendarView", {
            "startDateTime": _stamp(window.start), "endDateTime": _stamp(window.end),
            "$select": VIEW_FIELDS, "$top": PAGE})

    # -- push --------------------------------------------------------------------------

    def watch(self, calendar_id: str, address: str, watch_id: str, token: str,
              expires_at: datetime) -> Watch:
        # Graph names the subscription itself: `watch_id` goes nowhere; the Watch's id is
        # Graph's, and notifications carry it as `subscriptionId`.
        expires = min(expires_at, datetime.now(UTC) + LONGEST_WATCH)
        made = self._call("POST", f"{API}/subscriptions", body={
            "changeType": "created,updated,deleted", "notificationUrl": address,
            # Without it Graph sends no `subscriptionRemoved` nor `missed`: a subscription
            # it ended early (a password reset, access revoked) would pass for live.
            "lifecycleNotificationUrl": address,
            "resource": f"me/calendars/{calendar_id}/events",
            "expirationDateTime": _stamp(expires), "clientState": token})
        granted = made.get("expirationDateTime")
        return Watch(_id(made), calendar_id, _instant(str(granted)) if granted else expires)

    def stop(self, watch: Watch) -> None:
        self._call("DELETE", f"{API}/subscriptions/{_segment(watch.id)}", gone_ok=True)

    # -- the booking's event -----------------------------------------------------------

    def create_event(self, calendar_id: str, event: CalendarEvent) -> WrittenEvent:
        made = self._call("POST", f"{API}/me/calendars/{_segment(calendar_id)}/events", body={
            **_event_body(event),
            "transactionId": str(uuid.uuid5(TRANSACTIONS, event.key))})
        if _moved(made, event.when):
            # The transactionId's first event, made before the booking moved (the answer
            # to that request lost): moved now.
            return self.update_event(calendar_id, _id(made), event)
        return _written(made)

    def event_id_for(self, calendar_id: str, key: str) -> str | None:
        # Graph assigns ids, and offers no documented lookup by transactionId; a POST
        # replayed to find the event would make one (and invite the attendee) when none
        # was made. An event whose create answer was lost is found only by a retried create.
        return None

    def update_event(self, calendar_id: str, event_id: str,
                     event: CalendarEvent) -> WrittenEvent:
        return _written(self._call("PATCH", f"{API}/me/events/{_segment(event_id)}",
                                   body=_event_body(event)))

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        self._call("DELETE", f"{API}/me/events/{_segment(event_id)}", gone_ok=True)

    # -- the wire ----------------------------------------------------------------------

    def _pages(self, url: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a listing, its pages read within the adapter's timeout all
        together (not each): a push notification's sync must end before Graph's 3 s,
        and a long calendar is several pages."""
        until = time.monotonic() + self.timeout
        page = self._call("GET", url, params=params, until=until)
        while True:
            yield from page.get("value") or []
            link = page.get("@odata.nextLink")
            if not link:
                return
            # The link holds the query; routed as sent.
            page = self._call("GET", str(link), until=until)

    def _call(self, method: str, url: str, params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None, gone_ok: bool = False,
              until: float | None = None) -> dict[str, Any]:
        """Graph's JSON answer ({} for none, or for a 404 when `gone_ok`); `until`: the
        monotonic instant the whole operation must end by."""
        used = self.token(False)
        answer = self._send(method, url, params, body, used, until)
        if answer.status_code == 401:
            answer = self._send(method, url, params, body, self._refreshed(used), until)
            if answer.status_code == 401:
                raise ConnectionBrokenError(PROVIDER, "Microsoft refused a freshly refreshed "
                                            "token: reconnect Outlook")
        if answer.status_code == 404 and gone_ok:
            return {}
        _raise_for(answer)
        if not answer.content:
            return {}
        try:
            found = answer.json()
        except ValueError as exc:
            raise ProviderUnavailableError(PROVIDER, f"Microsoft Graph answered {method} with "
                                           "something other than JSON") from exc
        return found if isinstance(found, dict) else {}

    def _refreshed(self, refused: str) -> str:
        with self._refreshing:
            current = self.token(False)
            # Another thread's refresh already replaced the refused token: use its result.
            return current if current != refused else self.token(True)

    def _send(self, method: str, url: str, params: Mapping[str, Any] | None,
              body: Mapping[str, Any] | None, token: str,
              until: float | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Prefer": PREFER_UTC,
                   "Accept": "application/json"}
        timeout = self.timeout
        if until is not None:
            timeout = min(timeout, until - time.monotonic())
            if timeout <= 0:
                raise ProviderUnavailableError(PROVIDER, "Microsoft Graph did not finish the "
                                               f"listing within {self.timeout:g} s")
        try:
            return self._session.request(method, self.http.route(url), params=params,
                                         json=body, headers=headers, timeout=timeout)
        except requests.Timeout as exc:
            raise ProviderUnavailableError(PROVIDER, f"Microsoft Graph did not answer {method} "
                                           f"within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailableError(PROVIDER, "Microsoft Graph could not be reached "
                                           f"({type(exc).__name__})") from exc


def _raise_for(answer: requests.Response) -> None:
    status = answer.status_code
    if status < 400:
        return
    try:
        error = answer.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    what = (f"Microsoft Graph answered {status} {error.get('code') or ''}: "
            f"{error.get('message') or answer.reason}")
    if status == 429 or status >= 500:
        after = answer.headers.get("Retry-After")
        raise ProviderUnavailableError(PROVIDER, f"{what} (Retry-After: {after} s)" if after
                                       else what)
    if status == 403:
        raise ConnectionBrokenError(PROVIDER, f"{what}; Penny lacks consent for this: "
                                    "reconnect Outlook")
    raise ProviderRejectedError(PROVIDER, what)


def external_event(item: Mapping[str, Any], home: Callable[[], tzinfo]) -> ExternalEvent | None:
    """The event as the one busy rule reads it; None for one with no duration. `home`:
    the zone an all-day event's dates are placed in (module docstring)."""
    try:
        start, end = _when(item["start"]), _when(item["end"])
    except (KeyError, TypeError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ProviderUnavailableError(PROVIDER, "Microsoft Graph listed an event whose "
                                       "times Penny cannot read") from exc
    if item.get("isAllDay") and start.timetz() == end.timetz() == clock_time(tzinfo=UTC):
        zone = home()
        start, end = (datetime.combine(moment.date(), clock_time(), zone).astimezone(UTC)
                      for moment in (start, end))
    if end <= start:
        return None
    return ExternalEvent(TimeRange(start, end), graph_shown_as(item.get("showAs")),
                         all_day=bool(item.get("isAllDay")),
                         declined=(item.get("responseStatus") or {}).get("response")
                         == "declined",
                         cancelled=bool(item.get("isCancelled")))


def _when(value: Mapping[str, Any]) -> datetime:
    """Graph's {dateTime, timeZone}: UTC as Prefer asked, or the zone it names."""
    zone = str(value.get("timeZone") or "UTC")
    moment = _instant(str(value["dateTime"]))
    return moment if zone == "UTC" else moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _segment(graph_id: str) -> str:
    return quote(graph_id, safe="")


def _event_body(event: CalendarEvent) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": event.title,
        "body": {"contentType": "text", "content": event.description},
        "start": {"dateTime": _stamp(event.when.start).removesuffix("Z"), "timeZone": "UTC"},
        "end": {"dateTime": _stamp(event.when.end).removesuffix("Z"), "timeZone": "UTC"},
        "attendees": [{"emailAddress": {"address": event.attendee_email,
                                        "name": event.attendee_name}, "type": "required"}]}
    if event.location:
        body["location"] = {"displayName": event.location}
    if event.online_meeting:
        # Only ever turned on: a reschedule keeps the Teams meeting the create made.
        body.update(isOnlineMeeting=True, onlineMeetingProvider="teamsForBusiness")
    return body


def _moved(answer: Mapping[str, Any], when: TimeRange) -> bool:
    """Is the event as Graph answered it (times in UTC, as Penny asks them) elsewhere than
    `when`? An answer in another zone, or unreadable, is taken as where it was asked."""
    times = []
    for edge in ("start", "end"):
        found = answer.get(edge) or {}
        if found.get("timeZone") != "UTC" or not isinstance(found.get("dateTime"), str):
            return False
        try:
            times.append(datetime.fromisoformat(found["dateTime"][:19]).replace(tzinfo=UTC))
        except ValueError:
            return False
    return TimeRange(times[0], times[1]) != when


def _written(answer: Mapping[str, Any]) -> WrittenEvent:
    meeting = answer.get("onlineMeeting") or {}
    return WrittenEvent(_id(answer), meeting.get("joinUrl") or None)


def _id(answer: Mapping[str, Any]) -> str:
    if not answer.get("id"):
        raise ProviderUnavailableError(PROVIDER, "Microsoft Graph answered without an id")
    return str(answer["id"])
