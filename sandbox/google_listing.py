"""Google's events.list: a time window or an incremental sync, series or their instances
(`singleEvents`), pages of `maxResults` with `nextPageToken`, and `nextSyncToken` on the
last page. A sync token below the store's floor (a test expired them) answers 410 Gone.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from sandbox.calendar_model import Calendar, CalendarEvent, expand, occurrences, parse_instant
from sandbox.calendar_store import CalendarStore
from sandbox.google_events import error, render
from sandbox.wire import json_response

# Parameters Google refuses next to a syncToken (the window is the token's).
_NOT_WITH_SYNC = ("timeMin", "timeMax", "orderBy", "q", "iCalUID", "updatedMin",
                  "privateExtendedProperty", "sharedExtendedProperty")


def _encode(kind: str, value: dict[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": kind, **value}).encode()).decode()


def _decode(kind: str, token: str) -> dict[str, int] | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        return None
    return value if isinstance(value, dict) and value.get("k") == kind else None


def list_events(store: CalendarStore, calendar: Calendar, owner: str,
                args: Mapping[str, str]) -> Response:
    single = args.get("singleEvents") == "true"
    if args.get("orderBy") == "startTime" and not single:
        return error(400, "badRequest",
                     "The requested ordering is not available for the particular query.")
    page = _decode("page", args.get("pageToken", "")) if args.get("pageToken") else {}
    if page is None:
        return error(400, "invalid", "Invalid page token value.")
    try:
        size = max(1, min(int(args.get("maxResults", 250)), 2500))
        if args.get("syncToken"):
            items, sequence = _changes(store, calendar, owner, args, single, page)
        else:
            items, sequence = _window(store, calendar, owner, args, single, page)
    except _Refused as refused:
        return refused.response
    offset = page.get("o", 0)
    body: dict[str, Any] = {"kind": "calendar#events", "etag": f'"{sequence}"',
                            "summary": calendar.name, "description": "",
                            "updated": "1970-01-01T00:00:00.000Z", "timeZone": calendar.zone,
                            "accessRole": "owner", "defaultReminders": [],
                            "items": items[offset:offset + size]}
    if offset + size < len(items):
        body["nextPageToken"] = _encode("page", {"o": offset + size, "s": sequence})
    else:
        body["nextSyncToken"] = _encode("sync", {"s": sequence})
    return json_response(body)


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("refused")
        self.response = response


def _changes(store: CalendarStore, calendar: Calendar, owner: str, args: Mapping[str, str],
             single: bool, page: dict[str, int]) -> tuple[list[dict[str, Any]], int]:
    clash = [name for name in _NOT_WITH_SYNC if name in args]
    if clash:
        raise _Refused(error(400, "invalid", f"Invalid argument: {clash[0]} cannot be used "
                                             f"with syncToken."))
    token = _decode("sync", args["syncToken"])
    if token is None:
        raise _Refused(error(400, "invalid", "Invalid sync token value."))
    if token["s"] < store.sync_floor:
        raise _Refused(error(410, "fullSyncRequired",
                             "Sync token is no longer valid, a full sync is required."))
    sequence = page.get("s", store.sequence)
    changed = [e for e in store.changed_since(calendar.id, token["s"]) if e.sequence <= sequence]
    return _render(sorted(changed, key=lambda e: e.sequence), owner, single, None, None), sequence


def _window(store: CalendarStore, calendar: Calendar, owner: str, args: Mapping[str, str],
            single: bool, page: dict[str, int]) -> tuple[list[dict[str, Any]], int]:
    try:
        start = parse_instant(args["timeMin"]) if "timeMin" in args else None
        end = parse_instant(args["timeMax"]) if "timeMax" in args else None
    except ValueError as exc:
        raise _Refused(error(400, "badRequest", "Bad Request")) from exc
    if start and end and end <= start:
        raise _Refused(error(400, "timeRangeEmpty", "The specified time range is empty.",
                             "calendar"))
    sequence = page.get("s", store.sequence)
    shown = args.get("showDeleted") == "true"
    events = [e for e in store.events(calendar.id, with_deleted=shown)
              if shown or not e.cancelled]
    return _render(events, owner, single, start, end), sequence


def _render(events: list[CalendarEvent], owner: str, single: bool, start: datetime | None,
            end: datetime | None) -> list[dict[str, Any]]:
    gone = [render(e, owner) for e in events if e.deleted]
    live = [e for e in events if not e.deleted]
    if single:
        # A deleted series comes back as its cancelled instances, never itself ("only
        # single instances of deleted events, but not the underlying recurring events").
        gone = [render(e, owner, o) for e in events if e.deleted
                for o in (occurrences(e, start, end) if e.weekly is not None else [None])]
        return gone + [render(o.event, owner, o) for o in expand(live, start, end)]
    overlapping = [e for e in live if next(occurrences(e, start, end), None) is not None]
    return gone + [render(e, owner) for e in sorted(overlapping, key=lambda e: e.start)]
