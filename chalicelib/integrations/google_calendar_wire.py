"""Google Calendar v3's JSON in Penny's terms, and back: listed events, free/busy answers,
the event Penny writes, and what an error answer means for the caller.

Pure functions over dicts, no SDK: the adapter (google_calendar.py, each call through
google_calendar_calls.py) makes the calls.
Error messages name Google's status and reason codes, never Google's free text (it may
quote the request).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.external_busy import CalendarBusy, ExternalEvent, google_shown_as
from chalicelib.domain.providers.calendars import CalendarEvent, EventChange, WrittenEvent
from chalicelib.domain.timerange import TimeRange, merge

PROVIDER = "google"
_SCOPE_REASONS = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
# Calendar's usage limits answer 403 as often as 429: both mean "later".
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
_SAFE = re.compile(r"[A-Za-z0-9_.:, -]{1,64}")


def google_event_id(key: str) -> str:
    """The event id Penny chooses for a key: base32hex (Google's a-v, 0-9) of its SHA-256,
    so a retried insert collides (409) instead of making a second event."""
    digest = hashlib.sha256(key.encode()).digest()
    return base64.b32hexencode(digest).decode().rstrip("=").lower()


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def zone(name: Any) -> ZoneInfo | None:
    """The IANA zone Google names (a listing's or an event's `timeZone`); None if none."""
    try:
        return ZoneInfo(str(name)) if name else None
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return None


# -- reading ---------------------------------------------------------------------------


GONE = ("Google Calendar no longer has this calendar for you: it was deleted, or is no "
        "longer shared with you")


def calendar_busy(calendar_id: str, window: TimeRange, answer: Any) -> CalendarBusy:
    """One calendar of a freeBusy answer. A calendar Google could not read comes back
    inside the 200 with `errors` (or not at all): unknown, which is never free; with the
    reason `notFound` ("the requested resource was not found": deleted, or no longer
    shared with the host), gone."""
    if not isinstance(answer, dict) or answer.get("errors"):
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if isinstance(errors, list) and any(isinstance(e, dict) and e.get("reason") == "notFound"
                                            for e in errors):
            return CalendarBusy(calendar_id, window, gone=f"{GONE} (freeBusy: notFound)")
        return CalendarBusy(calendar_id, window, unknown=True)
    inside = []
    for span in answer.get("busy") or []:
        start = max(datetime.fromisoformat(span["start"]), window.start)
        end = min(datetime.fromisoformat(span["end"]), window.end)
        if start < end:
            inside.append(TimeRange(start.astimezone(UTC), end.astimezone(UTC)))
    return CalendarBusy(calendar_id, window, tuple(merge(inside)))


def event_change(item: Mapping[str, Any], calendar_zone: tzinfo) -> EventChange:
    """One item of events.list; `calendar_zone` (the listing's) places all-day events,
    and a time with neither an offset nor a zone Python knows."""
    event_id = str(item["id"])
    start = _instant(item.get("start"), calendar_zone)
    end = _instant(item.get("end"), calendar_zone)
    # Cancelled (deleted) is gone; so is an event of no length (Google allows them),
    # which cannot keep anyone busy.
    if item.get("status") == "cancelled":
        return EventChange(event_id, None, removed=True)
    if start is None or end is None or end[0] <= start[0]:
        return EventChange(event_id, None)
    declined = any(a.get("self") is True and a.get("responseStatus") == "declined"
                   for a in item.get("attendees") or [] if isinstance(a, dict))
    return EventChange(event_id, ExternalEvent(
        when=TimeRange(start[0], end[0]), shown_as=google_shown_as(item.get("transparency")),
        all_day=start[1], declined=declined))


def _instant(value: Any, calendar_zone: tzinfo) -> tuple[datetime, bool] | None:
    if not isinstance(value, dict):
        return None
    if value.get("dateTime"):
        moment = datetime.fromisoformat(value["dateTime"])
        if moment.tzinfo is None:
            # Google writes the offset unless `timeZone` names the zone: a time without
            # one is read there (else where the calendar lives, as a listing's times
            # are), never in the server's zone. A zone Python does not know is the
            # calendar's, as for an all-day event.
            moment = moment.replace(tzinfo=zone(value.get("timeZone")) or calendar_zone)
        return moment.astimezone(UTC), False
    if value.get("date"):
        # All-day events carry a date only: they run midnight to midnight where the
        # calendar lives (the listing's timeZone; UTC if Google names none).
        local = datetime.combine(date.fromisoformat(value["date"]), time(),
                                 zone(value.get("timeZone")) or calendar_zone)
        return local.astimezone(UTC), True
    return None


# -- writing ---------------------------------------------------------------------------


def event_body(event: CalendarEvent, invite: bool = True) -> dict[str, Any]:
    """The Event resource for insert and patch. A patch replaces the attendee list whole
    (and, with sendUpdates, cancels on whoever it leaves out): `invite` False leaves it
    out, so a move keeps the guests the host added to the event in their calendar."""
    body: dict[str, Any] = {
        "summary": event.title, "description": event.description,
        "location": event.location or "",
        "start": {"dateTime": rfc3339(event.when.start), "timeZone": event.time_zone},
        "end": {"dateTime": rfc3339(event.when.end), "timeZone": event.time_zone}}
    if invite:
        body["attendees"] = [{"email": event.attendee_email,
                              "displayName": event.attendee_name}]
    if event.online_meeting:
        # A reused requestId is ignored: an update keeps the event's Meet link.
        body["conferenceData"] = {"createRequest": {
            "requestId": event.key, "conferenceSolutionKey": {"type": "hangoutsMeet"}}}
    return body


def conference_version(event: CalendarEvent) -> dict[str, int]:
    """The query parameter a write with a Meet request needs: without
    conferenceDataVersion=1 Google silently drops conferenceData."""
    return {"conferenceDataVersion": 1} if event.online_meeting else {}


def at_time(answer: Mapping[str, Any], when: TimeRange) -> bool:
    """Is the event as Google answered it at `when`?"""
    try:
        start = datetime.fromisoformat(str((answer.get("start") or {})["dateTime"]))
        end = datetime.fromisoformat(str((answer.get("end") or {})["dateTime"]))
    except (KeyError, ValueError):
        return False
    return TimeRange(start, end) == when


def meet_pending(answer: Mapping[str, Any]) -> bool:
    """Is Google still making the Meet conference the write asked for? Its createRequest
    answers `pending`, with no link yet: a later read of the event gives it."""
    create = (answer.get("conferenceData") or {}).get("createRequest") or {}
    return (create.get("status") or {}).get("statusCode") == "pending"


def written_event(answer: Mapping[str, Any]) -> WrittenEvent:
    """The event as Google answered a write; no link yet while Meet's createRequest is
    `pending`."""
    entry_points = (answer.get("conferenceData") or {}).get("entryPoints") or []
    video = next((p.get("uri") for p in entry_points
                  if isinstance(p, dict) and p.get("entryPointType") == "video"), None)
    return WrittenEvent(str(answer["id"]), answer.get("hangoutLink") or video or None)


# -- errors ----------------------------------------------------------------------------


def refusal(status: int, headers: Mapping[str, str], content: bytes,
            doing: str) -> ProviderError:
    """The provider error for an error answer (`headers` keyed in lower case)."""
    reasons = _reasons(content)
    shown = f"HTTP {status}" + "".join(f", {r}" for r in sorted(reasons) if _SAFE.fullmatch(r))
    if status == 429 or status >= 500 or (status == 403 and reasons & _RATE_REASONS):
        wait = str(headers.get("retry-after") or "")
        after = f" (Retry-After: {wait})" if _SAFE.fullmatch(wait) else ""
        return ProviderUnavailableError(
            PROVIDER, f"Google Calendar is unavailable ({shown}) while {doing}; "
                      f"try again later{after}")
    if status == 401:  # the adapter refreshed once already: refused, not stale
        return ConnectionBrokenError(
            PROVIDER, f"Google no longer accepts Penny's access ({shown}) while {doing}; "
                      "reconnect Google")
    if status == 403 and (reasons & _SCOPE_REASONS
                          or "insufficient_scope" in str(headers.get("www-authenticate"))):
        return ConnectionBrokenError(
            PROVIDER, f"Google did not grant Penny the calendar ({shown}) while {doing}; "
                      "reconnect Google and allow calendar access")
    return ProviderRejectedError(PROVIDER, f"Google Calendar refused {doing} ({shown})")


def _reasons(content: bytes) -> frozenset[str]:
    """The reason codes of Google's error body: the classic `errors` and the newer
    `details` (google.rpc.ErrorInfo)."""
    try:
        error = json.loads(content).get("error")
    except (ValueError, AttributeError):
        return frozenset()
    if not isinstance(error, dict):
        return frozenset()
    return frozenset(str(item["reason"]) for key in ("errors", "details")
                     for item in error.get(key) or [] if isinstance(item, dict)
                     and item.get("reason"))
