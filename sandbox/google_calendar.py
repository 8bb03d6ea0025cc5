"""Fake Google Calendar v3 under `/calendar/v3/`: calendarList.list, freebusy.query,
events list/get/insert/patch/update/delete/move, events.watch and channels.stop, authenticated
by the sandbox's access tokens and checked against each method's scopes as the discovery
document names them (`calendar.v3.json`, the one google-api-python-client uses).

Push: every change to a watched calendar POSTs Google's empty-body notification to the
channel's address (`X-Goog-Resource-State: exists`), after the `sync` message a new
channel gets first. Sync tokens are the store's change number; a test can expire them
all (410 Gone, `fullSyncRequired`).

The gate every call passes is google_calendar_gate.py's, the events google_event_calls.py's,
the push channels google_push_calls.py's; `unauthenticated` and `method_scopes` are
re-exported here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.api_gate import ApiGate
from sandbox.calendar_model import merged_busy, parse_instant
from sandbox.calendar_model import rfc3339 as _rfc3339
from sandbox.calendar_store import CalendarStore
from sandbox.google_calendar_gate import method_scopes as method_scopes
from sandbox.google_calendar_gate import unauthenticated as unauthenticated
from sandbox.google_event_calls import GoogleEventCalls
from sandbox.google_events import error
from sandbox.google_push_calls import GooglePushCalls
from sandbox.grants import AuthorizationServer
from sandbox.model import Account
from sandbox.notifier import Notifier
from sandbox.wire import json_response

MAX_FREEBUSY_ITEMS = 50


def calendar_ids(account: Account) -> tuple[str, str]:
    digest = hashlib.sha256(account.id.encode()).hexdigest()[:26]
    return account.email, f"c_{digest}@group.calendar.google.com"


class GoogleCalendarApi(GoogleEventCalls, GooglePushCalls):
    def __init__(self, server: AuthorizationServer, gate: ApiGate, notifier: Notifier,
                 granted: Callable[[tuple[str, ...]], str]) -> None:
        self.server, self.gate, self.notifier, self._granted = server, gate, notifier, granted
        self.store = CalendarStore(server.accounts, calendar_ids)
        self._pending = {}
        self.store.on_change(self._changed)

    def rules(self) -> list[Rule]:
        root = "/calendar/v3"
        return [
            Rule(f"{root}/users/me/calendarList", endpoint=self.calendar_list, methods=["GET"]),
            Rule(f"{root}/freeBusy", endpoint=self.freebusy, methods=["POST"]),
            Rule(f"{root}/calendars/<calendar_id>/events", endpoint=self.events,
                 methods=["GET", "POST"]),
            Rule(f"{root}/calendars/<calendar_id>/events/watch", endpoint=self.watch,
                 methods=["POST"]),
            Rule(f"{root}/calendars/<calendar_id>/events/<event_id>", endpoint=self.event,
                 methods=["GET", "PATCH", "PUT", "DELETE"]),
            Rule(f"{root}/calendars/<calendar_id>/events/<event_id>/move",
                 endpoint=self.move, methods=["POST"]),
            Rule(f"{root}/channels/stop", endpoint=self.stop_channel, methods=["POST"]),
        ]

    # -- calendarList, freeBusy ------------------------------------------------------------

    def calendar_list(self, request: Request) -> Response:
        grant = self._enter(request, "calendarList.list")
        if isinstance(grant, Response):
            return grant
        items: list[dict[str, Any]] = [
                 {"kind": "calendar#calendarListEntry", "etag": f'"{c.id}"', "id": c.id,
                  "summary": c.name, "timeZone": c.zone, "colorId": "14" if c.primary else "7",
                  "backgroundColor": "#9fe1e7" if c.primary else "#42d692",
                  "foregroundColor": "#000000", "selected": True, "accessRole": "owner",
                  "defaultReminders": [], "conferenceProperties": {
                      "allowedConferenceSolutionTypes": ["hangoutsMeet"]},
                  **({"primary": True} if c.primary else {})}
                 for c in self.store.calendars(grant.account.id)]
        return json_response({"kind": "calendar#calendarList", "etag": '"p33k9lxhhe2f8i0o"',
                              "nextSyncToken": "CJDUz6ab8o4DEhBhZGFAc2FuZGJveC50ZXN0",
                              "items": items})

    def freebusy(self, request: Request) -> Response:
        grant = self._enter(request, "freebusy.query")
        if isinstance(grant, Response):
            return grant
        body = request.get_json(silent=True) or {}
        try:
            start, end = parse_instant(body["timeMin"]), parse_instant(body["timeMax"])
        except (KeyError, TypeError, ValueError):
            return error(400, "badRequest", "Bad Request")
        if end <= start:
            return error(400, "timeRangeEmpty", "The specified time range is empty.",
                         "calendar")
        items: list[str] = [str(item.get("id", "")) for item in body.get("items") or []]
        if len(items) > MAX_FREEBUSY_ITEMS:
            return error(400, "tooManyCalendarsRequested",
                         f"The number of calendars requested exceeds {MAX_FREEBUSY_ITEMS}.",
                         "calendar")
        calendars: dict[str, Any] = {}
        for calendar_id in items:
            calendar = self.store.calendar(grant.account.id, calendar_id)
            if calendar is None or self.store.failing(calendar.id):
                # A calendar that could not be read: inside the 200, never an HTTP error.
                reason = "notFound" if calendar is None else "backendError"
                calendars[calendar_id] = {"errors": [{"domain": "global", "reason": reason}],
                                          "busy": []}
                continue
            busy = merged_busy(self.store.events(calendar.id), start, end)
            calendars[calendar_id] = {"busy": [{"start": _rfc3339(a), "end": _rfc3339(b)}
                                               for a, b in busy]}
        return json_response({"kind": "calendar#freeBusy", "timeMin": _rfc3339(start),
                              "timeMax": _rfc3339(end), "calendars": calendars})
