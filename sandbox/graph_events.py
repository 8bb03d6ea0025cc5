"""Graph's event resource: what a client's POST/PATCH body means, and the event (a single
instance, an occurrence of a series, or the series master) as Graph answers it, in the
time zone the client's `Prefer: outlook.timezone` asked for (UTC otherwise).

Time zones, as Graph takes them: Windows names (CLDR's windowsZones, as icalendar ships
it: a copy apart from the one Penny maps with, tzlocal's), UTC, and IANA names only for
the one city Graph lists per Windows zone (CLDR's "001" zone); any other is refused
(`TimeZoneNotSupportedException`), as is a Windows name a test makes unknown.

All-day events run midnight to midnight in the zone they were made in (the body's start
`timeZone`), by which calendarView lists them, and are given as their dates unconverted
(sandbox/calendar_model.py).

Simplified: recurrence is a weekly pattern repeating on the start's weekday (`numbered`,
`endDate` or `noEnd`).
"""

from __future__ import annotations

import base64
import re
import secrets
import urllib.parse
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from sandbox.calendar_model import SHOW_AS, CalendarEvent, Occurrence, local_date
from sandbox.graph_extended_properties import FIELD, merged
from sandbox.graph_wire import odata_time
from sandbox.model import Account

_LISTED = frozenset(WINDOWS_TO_OLSON.values()) | {"UTC"}  # the IANA names Graph takes
_PREFER = re.compile(r'outlook\.timezone\s*=\s*"([^"]+)"')


class BadEvent(Exception):
    """The body cannot be an event: (code, message) as Graph words it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def zone(name: str, refused: frozenset[str] = frozenset()) -> ZoneInfo:
    key = WINDOWS_TO_OLSON.get(name) or (name if name in _LISTED else "")
    try:
        if not key or name in refused:
            raise ValueError(name)
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadEvent("TimeZoneNotSupportedException", "A valid TimeZone value must be "
                       f"specified. The following TimeZone value is not supported: "
                       f"'{name}'.") from exc


def preferred_zone(prefer: str | None) -> str:
    found = _PREFER.search(prefer or "")
    return found.group(1) if found else "UTC"


def new_id() -> str:
    return "AAMkAG" + base64.urlsafe_b64encode(secrets.token_bytes(48)).decode()


def teams_link(account: Account, tenant: str) -> str:
    thread = base64.b64encode(secrets.token_bytes(24)).decode().rstrip("=")
    context = urllib.parse.quote(f'{{"Tid":"{tenant}","Oid":"{account.id}"}}', safe="")
    return (f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"
            f"?context={context}")


def _when(value: Any, field: str, refused: frozenset[str]) -> datetime:
    if not isinstance(value, dict) or "dateTime" not in value:
        raise BadEvent("ErrorInvalidRequest", f"Your request can't be completed. The {field} "
                       "property is required.")
    local = datetime.fromisoformat(str(value["dateTime"])[:26].rstrip("Z"))
    shown = zone(str(value.get("timeZone") or "UTC"), refused)
    return local.replace(tzinfo=shown).astimezone(UTC)


def _weeks(recurrence: Any, start: datetime) -> int | None:
    if not isinstance(recurrence, dict):
        return None
    pattern, span = recurrence.get("pattern") or {}, recurrence.get("range") or {}
    if pattern.get("type") != "weekly":
        raise BadEvent("ErrorInvalidRequest", "The sandbox reads weekly patterns only.")
    if span.get("type") == "numbered":
        return int(span.get("numberOfOccurrences", 1))
    if span.get("type") == "endDate":
        return (date.fromisoformat(span["endDate"]) - start.date()).days // 7 + 1
    return 0


def apply_body(event: CalendarEvent, body: dict[str, Any],
               refused: frozenset[str] = frozenset()) -> None:
    """Set the event's fields from a POST (whole) or PATCH (partial) body, its extended
    properties added to those it has (graph_extended_properties.py); `refused`: Windows
    zone names this mailbox's server does not know."""
    if "start" in body or "end" in body:
        event.start = _when(body.get("start", event.body.get("start")), "Start", refused)
        event.end = _when(body.get("end", event.body.get("end")), "End", refused)
        if event.end < event.start:
            raise BadEvent("ErrorInvalidRequest", "The start must be before the end.")
    if body.get("showAs", event.show_as) not in SHOW_AS:
        raise BadEvent("ErrorInvalidRequest", f"Invalid showAs value '{body['showAs']}'.")
    body = dict(body)
    if FIELD in body:  # added to the event's own, not in place of them
        try:
            body[FIELD] = merged(event.body.get(FIELD), body[FIELD])
        except ValueError as exc:
            raise BadEvent("ErrorInvalidRequest", str(exc)) from exc
    event.body.update(body)
    event.title = str(event.body.get("subject") or "")
    event.all_day = bool(event.body.get("isAllDay"))
    if event.all_day:  # midnight to midnight in the zone it was made in, kept
        event.zone = zone(str((event.body.get("start") or {}).get("timeZone") or "UTC"),
                          refused).key
    event.show_as = str(event.body.get("showAs", event.show_as))
    event.cancelled = bool(event.body.get("isCancelled", event.cancelled))
    if "recurrence" in body:
        event.weekly = _weeks(body["recurrence"], event.start)


def render(event: CalendarEvent, owner: Account, zone_name: str,
           occurrence: Occurrence | None = None, master: bool = False) -> dict[str, Any]:
    shown = zone(zone_name)
    start, end = (occurrence.start, occurrence.end) if occurrence else (event.start, event.end)
    if event.all_day:  # its dates, unconverted: midnight to midnight whatever the zone
        start, end = (datetime.combine(local_date(m, event.zone), time()) for m in (start, end))
    else:
        start, end = start.astimezone(shown), end.astimezone(shown)
    series = occurrence is not None and occurrence.index is not None
    kind = ("seriesMaster" if master else "occurrence" if series else "singleInstance")
    body = event.body
    return {
        "@odata.etag": f'W/"DwAAABYAAAB{event.sequence:08d}"',
        "id": f"{event.id}{occurrence.index:04d}" if series and occurrence else event.id,
        "createdDateTime": odata_time(event.created.astimezone(UTC)) + "Z",
        "lastModifiedDateTime": odata_time(event.updated.astimezone(UTC)) + "Z",
        "changeKey": f"DwAAABYAAAB{event.sequence:08d}", "categories": [],
        "transactionId": body.get("transactionId"),
        "originalStartTimeZone": body.get("start", {}).get("timeZone", "UTC"),
        "originalEndTimeZone": body.get("end", {}).get("timeZone", "UTC"),
        "iCalUId": f"040000008200E00074C5B7101A82E008{event.id[-16:]}",
        "reminderMinutesBeforeStart": 15, "isReminderOn": True, "hasAttachments": False,
        "subject": event.title, "bodyPreview": (body.get("body") or {}).get("content", "")[:255],
        "importance": "normal", "sensitivity": "normal", "isAllDay": event.all_day,
        "isCancelled": event.cancelled, "isOrganizer": not event.declined,
        "responseRequested": True, "seriesMasterId": event.id if series else None,
        "showAs": event.show_as, "type": kind,
        "webLink": f"https://outlook.office365.com/owa/?itemid={event.id}&exvsurl=1",
        "onlineMeetingUrl": None, "isOnlineMeeting": event.link is not None,
        "onlineMeetingProvider": "teamsForBusiness" if event.link else "unknown",
        "allowNewTimeProposals": True, "isDraft": False, "hideAttendees": False,
        "responseStatus": {"response": "declined" if event.declined else "organizer",
                           "time": "0001-01-01T00:00:00Z"},
        "body": body.get("body", {"contentType": "html", "content": ""}),
        "start": {"dateTime": odata_time(start), "timeZone": "UTC" if event.all_day else zone_name},
        "end": {"dateTime": odata_time(end), "timeZone": "UTC" if event.all_day else zone_name},
        "location": body.get("location", {"displayName": "", "locationType": "default",
                                          "uniqueIdType": "unknown", "address": {},
                                          "coordinates": {}}),
        "locations": [], "recurrence": body.get("recurrence") if master else None,
        "attendees": body.get("attendees", []),
        "organizer": {"emailAddress": {"name": owner.name, "address": owner.email}},
        "onlineMeeting": {"joinUrl": event.link} if event.link else None,
    }
