"""Microsoft Graph's calendar JSON in Penny's terms, and back: a listed event as the busy
rule reads it, Graph's times, the event Penny writes, and what Graph answered to a write.

Pure functions over dicts: the adapter (graph_calendar.py) makes the calls.

All-day events: an all-day event is a span of dates, midnight to midnight where its
owner lives. One that comes back at midnight UTC to midnight UTC is such a span of dates
(Graph gives them unconverted; or the mailbox's zone is UTC, and it is the same), and is
placed midnight to midnight in the host's own zone (`home`: Penny's profile zone, read
only when such an event is met; a listing tells the zone, so that its copy is read again
once the host's zone is another): read as UTC days, a day off in Sydney or Honolulu left
its first or last hours bookable. Any other all-day event was converted from its zone,
and its instants are kept.

The event Penny writes is in the host's zone, so Outlook's invitations name the host's
hours: Graph's `timeZone` takes Windows names (and IANA names only for one city per
Windows zone), so the host's IANA zone goes by its Windows name, CLDR's windowsZones
mapping as tzlocal ships it (imported by the writes alone), with the wall time there. A
zone with no Windows name, or a time its clocks show twice (the autumn change's hour),
goes in UTC, which cannot be misread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from datetime import time as clock_time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.external_busy import ExternalEvent, graph_shown_as
from chalicelib.domain.providers.calendars import CalendarEvent, WrittenEvent
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.wall_clock import wall_time

PROVIDER = "microsoft"
# The single-value extended property every event Penny makes carries, valued with the
# booking's uid: Graph chooses event ids, so it is how all of a booking's events in a
# calendar are found (one filtered listing), those whose create answer was lost included.
BOOKING_PROPERTY = "String {29c2ad8e-bf75-41f6-9b63-3caabac47df9} Name PennyBooking"
_FRACTION = re.compile(r"(\.\d{6})\d+")  # Graph writes seven fractional digits


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
    moment = instant(str(value["dateTime"]))
    return moment if zone == "UTC" else moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def instant(text: str) -> datetime:
    moment = datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def segment(graph_id: str) -> str:
    return quote(graph_id, safe="")


def _windows_zone(name: str) -> tuple[str, tzinfo]:
    """The zone's Windows name and the zone; UTC for one that has none."""
    from tzlocal.windows_tz import tz_win  # Outlook's writes alone need CLDR's mapping

    windows = tz_win.get(name) if name else None
    try:
        return (windows, ZoneInfo(name)) if windows else ("UTC", UTC)
    except (ZoneInfoNotFoundError, ValueError):  # a name CLDR knows and tzdata does not
        return "UTC", UTC


def event_times(event: CalendarEvent) -> dict[str, dict[str, str]]:
    """The event's start and end as Graph takes them: wall time in the host's zone named
    by its Windows name, or UTC (module docstring)."""
    name, zone = _windows_zone(event.time_zone)
    shown = [wall_time(moment, zone) for moment in (event.when.start, event.when.end)]
    if None in shown:
        name, shown = "UTC", [stamp(event.when.start)[:-1], stamp(event.when.end)[:-1]]
    return {"start": {"dateTime": str(shown[0]), "timeZone": name},
            "end": {"dateTime": str(shown[1]), "timeZone": name}}


def event_body(event: CalendarEvent, invite: bool = True) -> dict[str, Any]:
    """The event Penny writes. A PATCH replaces the attendee list whole (and cancels on
    whoever it leaves out): `invite` False leaves it out, so a move keeps the guests the
    host added to the event in Outlook."""
    body: dict[str, Any] = {
        "subject": event.title,
        "body": {"contentType": "text", "content": event.description},
        **event_times(event),
        # On a PATCH too: an event made before Penny tagged its events is tagged when moved.
        "singleValueExtendedProperties": [{"id": BOOKING_PROPERTY, "value": event.booking}]}
    if invite:
        body["attendees"] = [{"emailAddress": {"address": event.attendee_email,
                                               "name": event.attendee_name},
                              "type": "required"}]
    if event.location:
        body["location"] = {"displayName": event.location}
    if event.online_meeting:
        # Only ever turned on: a reschedule keeps the Teams meeting the create made.
        body.update(isOnlineMeeting=True, onlineMeetingProvider="teamsForBusiness")
    return body


def booking_filter(booking_uid: str) -> str:
    """The $filter of a listing of the booking's events (OData doubles a quote)."""
    value = booking_uid.replace("'", "''")
    return (f"singleValueExtendedProperties/Any(ep: ep/id eq '{BOOKING_PROPERTY}' "
            f"and ep/value eq '{value}')")


def made_at(answer: Mapping[str, Any]) -> datetime | None:
    """When Graph made the event (`createdDateTime`); None when it does not say."""
    try:
        return instant(str(answer["createdDateTime"]))
    except (KeyError, ValueError):
        return None


def moved(answer: Mapping[str, Any], when: TimeRange) -> bool:
    """Is the event as Graph answered it elsewhere than `when`? Penny asks for UTC; an
    answer in the zone the event was written in (its Windows name, or an IANA one) is
    placed there. An answer in a zone not known, or unreadable, is taken as where it was
    asked."""
    times = []
    for edge in ("start", "end"):
        found = answer.get(edge) or {}
        zone = _answered_zone(str(found.get("timeZone") or ""))
        if zone is None or not isinstance(found.get("dateTime"), str):
            return False
        try:
            times.append(datetime.fromisoformat(found["dateTime"][:19]).replace(tzinfo=zone))
        except ValueError:
            return False
    return TimeRange(times[0], times[1]) != when


def _answered_zone(name: str) -> tzinfo | None:
    if name == "UTC":
        return UTC
    from tzlocal.windows_tz import win_tz  # CLDR's mapping, the way back

    try:
        return ZoneInfo(win_tz.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def written_event(answer: Mapping[str, Any]) -> WrittenEvent:
    meeting = answer.get("onlineMeeting") or {}
    return WrittenEvent(answered_id(answer), meeting.get("joinUrl") or None)


def answered_id(answer: Mapping[str, Any]) -> str:
    if not answer.get("id"):
        raise ProviderUnavailableError(PROVIDER, "Microsoft Graph answered without an id")
    return str(answer["id"])
