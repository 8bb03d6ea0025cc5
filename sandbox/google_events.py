"""Google Calendar v3's wire for events: the Event resource as the API answers it, what a
client's insert/patch/update body means, Meet conference data, and the error bodies.

Simplified: times come back as `...Z`, with the timeZone the client sent echoed; an
all-day event's dates run midnight to midnight in its calendar's zone (UTC unless a test
names another: sandbox/calendar_model.py); recurrence is `RRULE:FREQ=WEEKLY` with COUNT
or no end (UNTIL, INTERVAL and BYDAY are not read: the series repeats weekly on the
start's weekday).
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, date, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Response

from sandbox.calendar_model import (
    CalendarEvent,
    Occurrence,
    local_date,
    midnight,
    parse_instant,
    rfc3339,
)
from sandbox.wire import json_response

# Event ids a client may choose: base32hex (a-v, 0-9), 5 to 1024 characters.
EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_COUNT = re.compile(r"COUNT=(\d+)")


class BadEvent(Exception):
    """The body cannot be an event: (reason, message) as Google words it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def error(status: int, reason: str, message: str, domain: str = "global",
          headers: dict[str, str] | None = None, **more: Any) -> Response:
    """Google's classic JSON error body (Calendar v3 still answers in it)."""
    return json_response({"error": {"errors": [{"domain": domain, "reason": reason,
                                                "message": message}],
                                    "code": status, "message": message, **more}},
                         status, headers)


def meet_code() -> str:
    letters = string.ascii_lowercase
    return "-".join("".join(secrets.choice(letters) for _ in range(n)) for n in (3, 4, 3))


def conference(request_id: str, code: str) -> dict[str, Any]:
    uri = f"https://meet.google.com/{code}"
    return {"createRequest": {"requestId": request_id,
                              "conferenceSolutionKey": {"type": "hangoutsMeet"},
                              "status": {"statusCode": "success"}},
            "entryPoints": [{"entryPointType": "video", "uri": uri,
                             "label": uri.removeprefix("https://")}],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet",
                                   "iconUri": "https://fonts.gstatic.com/s/i/productlogos/"
                                              "meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png"},
                            "conferenceId": code}


def _when(value: Any, field: str, calendar_zone: str) -> tuple[datetime, bool]:
    if not isinstance(value, dict) or not ("dateTime" in value or "date" in value):
        raise BadEvent("required", f"Missing {field} time.")
    try:
        if "date" in value:  # the calendar's day: its timeZone has no significance
            return midnight(date.fromisoformat(value["date"]), calendar_zone), True
        return parse_instant(str(value["dateTime"])), False
    except ValueError as exc:
        raise BadEvent("invalid", f"Invalid {field} time.") from exc


def apply_body(event: CalendarEvent, body: dict[str, Any], owner_email: str,
               calendar_zone: str = "UTC") -> None:
    """Set the event's fields from a client's (full or partial) Event body; all-day dates
    are days of `calendar_zone`, the calendar's."""
    if "start" in body or "end" in body:
        event.start, event.all_day = _when(body.get("start", event.body.get("start")), "start",
                                           calendar_zone)
        event.end, _ = _when(body.get("end", event.body.get("end")), "end", calendar_zone)
        event.zone = calendar_zone
        if event.end <= event.start:
            raise BadEvent("timeRangeEmpty", "The specified time range is empty.")
    for name in ("summary", "description", "location", "attendees", "start", "end",
                 "recurrence", "transparency", "reminders", "extendedProperties"):
        if name in body:
            event.body[name] = body[name]
    event.title = str(event.body.get("summary", ""))
    event.show_as = "free" if event.body.get("transparency") == "transparent" else "busy"
    rules = [r for r in event.body.get("recurrence") or [] if str(r).startswith("RRULE:")]
    if rules and "FREQ=WEEKLY" in rules[0]:
        count = _COUNT.search(rules[0])
        event.weekly = int(count.group(1)) if count else 0
    elif "recurrence" in body:
        event.weekly = None
    event.declined = any(a.get("email") == owner_email and a.get("responseStatus") == "declined"
                         for a in event.body.get("attendees") or [] if isinstance(a, dict))
    if "status" in body:  # a patch without one leaves the event's status as it was
        event.cancelled = body["status"] == "cancelled"


def _time(moment: datetime, event: CalendarEvent, zone: str | None) -> dict[str, str]:
    if event.all_day:
        return {"date": local_date(moment, event.zone).isoformat()}
    return {"dateTime": rfc3339(moment), **({"timeZone": zone} if zone else {})}


def render(event: CalendarEvent, owner_email: str,
           occurrence: Occurrence | None = None) -> dict[str, Any]:
    """The Event resource; an occurrence of a series renders as its instance."""
    if event.deleted:
        gone: dict[str, Any] = {"kind": "calendar#event", "etag": _etag(event),
                                "id": event.id, "status": "cancelled"}
        if occurrence is not None and occurrence.index is not None:
            gone.update(_instance(event, occurrence.start,
                                  (event.body.get("start") or {}).get("timeZone")))
        return gone
    zone = (event.body.get("start") or {}).get("timeZone")
    start, end = (occurrence.start, occurrence.end) if occurrence else (event.start, event.end)
    resource: dict[str, Any] = {
        "kind": "calendar#event", "etag": _etag(event), "id": event.id,
        "status": "cancelled" if event.cancelled else "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={event.id}",
        "created": _stamp(event.created), "updated": _stamp(event.updated),
        "summary": event.title, "creator": {"email": owner_email, "self": True},
        "organizer": {"email": owner_email, "self": True},
        "start": _time(start, event, zone), "end": _time(end, event, zone),
        "iCalUID": f"{event.id}@google.com", "sequence": 0,
        "reminders": event.body.get("reminders", {"useDefault": True}),
        "eventType": "default"}
    for name in ("description", "location", "extendedProperties"):
        if name in event.body:
            resource[name] = event.body[name]
    attendees = _attendees(event, owner_email)
    if attendees:
        resource["attendees"] = attendees
    if event.show_as == "free":
        resource["transparency"] = "transparent"  # Google leaves opaque out
    if "conferenceData" in event.body:
        resource["conferenceData"] = event.body["conferenceData"]
        resource["hangoutLink"] = event.link
    if occurrence is not None and occurrence.index is not None:
        resource.update(_instance(event, start, zone))
    elif event.weekly is not None:
        resource["recurrence"] = event.body.get("recurrence", ["RRULE:FREQ=WEEKLY"])
    return resource


def _attendees(event: CalendarEvent, owner_email: str) -> list[dict[str, Any]]:
    """The attendee list as Google answers it: the calendar owner's own entry marked
    `self` (read-only: a client's `self` is not kept), and an invitation the owner
    declined always lists them, declined."""
    listed = [dict(a) for a in event.body.get("attendees") or [] if isinstance(a, dict)]
    for attendee in listed:
        attendee.pop("self", None)
        if str(attendee.get("email", "")).lower() == owner_email.lower():
            attendee["self"] = True
    if event.declined and not any(a.get("self") for a in listed):
        listed.append({"email": owner_email, "self": True, "responseStatus": "declined"})
    return listed


def _instance(event: CalendarEvent, start: datetime, zone: str | None) -> dict[str, Any]:
    """What names an occurrence of a series: its instance id and the series'."""
    suffix = (local_date(start, event.zone).strftime("%Y%m%d") if event.all_day
              else start.strftime("%Y%m%dT%H%M%SZ"))
    return {"id": f"{event.id}_{suffix}", "recurringEventId": event.id,
            "originalStartTime": _time(start, event, zone)}


def _etag(event: CalendarEvent) -> str:
    return f'"{3_400_000_000_000_000 + event.sequence}"'


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def expiry_ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def default_ttl(params: Any) -> timedelta:
    """A watch channel's life: `params.ttl` seconds, 7 days by default, capped at 30."""
    try:
        ttl = int((params or {}).get("ttl", 604_800))
    except (TypeError, ValueError):
        ttl = 604_800
    return timedelta(seconds=max(1, min(ttl, 2_592_000)))
