"""Fake Microsoft Graph calendars under `/v1.0/`: `me/calendars`, `me/calendar` (the
person's own), `calendarView` (a calendar its owner stopped sharing answers 403; series
expanded into occurrences, paged with `@odata.nextLink`, in the `Prefer:
outlook.timezone` zone), `me/events` POST/GET/PATCH/DELETE (`transactionId` makes a retried
POST answer the first event; `isOnlineMeeting` gives a Teams link, set up after the write
answers when a test asks (`teams_pending`: the write, and that many reads after it, answer
`onlineMeeting: null`, as Graph may while Teams makes the meeting); extended properties
kept; one event at `me/events/{id}` or under the calendar that holds it,
`me/calendars/{calendar}/events/{id}`, and 404 under any other), a calendar's events
listed (paged, and filtered by an extended property, as graph_extended_properties.py
reads `$filter`) and `getSchedule`.

Links in answers name the real host (https://graph.microsoft.com), as Graph does: Penny
reaches the sandbox through its routing client, which maps that host here.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.api_gate import ApiGate
from sandbox.calendar_model import Calendar, CalendarEvent, expand, parse_instant
from sandbox.calendar_store import CalendarStore
from sandbox.grants import AuthorizationServer
from sandbox.graph_events import BadEvent, apply_body, new_id, preferred_zone, render, teams_link
from sandbox.graph_listing import list_events, page_of
from sandbox.graph_wire import READ, WRITE, context, enter, graph_error, not_found
from sandbox.model import Account, Grant
from sandbox.wire import json_response

_STATUS = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4",
           "unknown": "2"}


def calendar_ids(account: Account) -> tuple[str, str]:
    digest = hashlib.sha256(account.id.encode()).hexdigest()
    return f"AAMkAGI2TG93AAA{digest[:40]}", f"AAMkAGI2TG93AAB{digest[24:64]}"


class GraphCalendarApi:
    def __init__(self, server: AuthorizationServer, gate: ApiGate, tenant: str) -> None:
        self.server, self.gate, self.tenant = server, gate, tenant
        self.store = CalendarStore(server.accounts, calendar_ids)
        self.page_size = 10  # Graph's default calendarView page; tests make it smaller
        # How many reads after its write a new Teams meeting still answers null (0: it is
        # in the write's answer), and each such event's reads left.
        self.teams_pending_reads = 0
        self.refused_zones: frozenset[str] = frozenset()  # Windows names made unknown
        self._pending: dict[str, int] = {}

    def rules(self) -> list[Rule]:
        return [
            Rule("/v1.0/me/calendars", endpoint=self.calendars, methods=["GET"]),
            Rule("/v1.0/me/calendar", endpoint=self.primary, methods=["GET"]),
            Rule("/v1.0/me/calendarView", endpoint=self.view, methods=["GET"]),
            Rule("/v1.0/me/calendar/calendarView", endpoint=self.view, methods=["GET"]),
            Rule("/v1.0/me/calendars/<calendar_id>/calendarView", endpoint=self.view,
                 methods=["GET"]),
            Rule("/v1.0/me/events", endpoint=self.create, methods=["POST"]),
            Rule("/v1.0/me/events", endpoint=self.listing, methods=["GET"]),
            Rule("/v1.0/me/calendars/<calendar_id>/events", endpoint=self.create,
                 methods=["POST"]),
            Rule("/v1.0/me/calendars/<calendar_id>/events", endpoint=self.listing,
                 methods=["GET"]),
            Rule("/v1.0/me/events/<event_id>", endpoint=self.event,
                 methods=["GET", "PATCH", "DELETE"]),
            Rule("/v1.0/me/calendars/<calendar_id>/events/<event_id>", endpoint=self.event,
                 methods=["GET", "PATCH", "DELETE"]),
            Rule("/v1.0/me/calendar/getSchedule", endpoint=self.schedule, methods=["POST"]),
        ]

    def _calendar(self, grant: Grant, calendar_id: str | None) -> Calendar | None:
        calendars = self.store.calendars(grant.account.id)
        return calendars[0] if calendar_id is None else \
            next((c for c in calendars if c.id == calendar_id), None)

    def calendars(self, request: Request) -> Response:
        grant = enter(self.server, self.gate, request, "calendars", READ)
        if isinstance(grant, Response):
            return grant
        owner = grant.account
        return json_response({**context(f"users('{owner.id}')/calendars"), "value": [
            self._described(c, owner) for c in self.store.calendars(owner.id)]})

    def primary(self, request: Request) -> Response:
        """GET /me/calendar: the person's own (default) calendar, as Graph answers it."""
        grant = enter(self.server, self.gate, request, "calendar", READ)
        if isinstance(grant, Response):
            return grant
        owner = grant.account
        return json_response({**context(f"users('{owner.id}')/calendar/$entity"),
                              **self._described(self.store.calendars(owner.id)[0], owner)})

    @staticmethod
    def _described(c: Calendar, owner: Account) -> dict[str, Any]:
        return {"id": c.id, "name": "Calendar" if c.primary else c.name,
                "color": "auto" if c.primary else "lightGreen", "hexColor": "",
                "isDefaultCalendar": c.primary, "changeKey": "fJKVL07sbkmIfHqjbDnRgQAAAAACJA==",
                "canShare": True, "canViewPrivateItems": True, "canEdit": True,
                "allowedOnlineMeetingProviders": ["teamsForBusiness"],
                "defaultOnlineMeetingProvider": "teamsForBusiness", "isTallyingResponses": True,
                "isRemovable": not c.primary,
                "owner": {"name": owner.name, "address": owner.email}}

    def view(self, request: Request, calendar_id: str | None = None) -> Response:
        grant = enter(self.server, self.gate, request, "calendarView", READ)
        if isinstance(grant, Response):
            return grant
        args = {key.lower(): value for key, value in request.args.items()}
        if "startdatetime" not in args or "enddatetime" not in args:
            return graph_error(400, "ErrorInvalidParameter", "This request requires a time "
                               "window specified by the query string parameters "
                               "StartDateTime and EndDateTime.")
        calendar = self._calendar(grant, calendar_id)
        if calendar is None:
            return not_found()
        if self.store.failing(calendar.id):
            if self.store.failure_status(calendar.id) == 403:
                return graph_error(403, "ErrorAccessDenied",
                                   "Access is denied. Check credentials and try again.")
            return graph_error(503, "ServiceUnavailable", "Service Unavailable",
                               {"Retry-After": "1"})
        zone_name = preferred_zone(request.headers.get("Prefer"))
        try:
            start, end = parse_instant(args["startdatetime"]), parse_instant(args["enddatetime"])
            found, more = page_of(request, expand(self.store.events(calendar.id), start, end),
                                  self.page_size)
            page = [render(o.event, grant.account, zone_name, o) for o in found]
        except (ValueError, BadEvent) as exc:
            return graph_error(400, "ErrorInvalidParameter", str(exc))
        return json_response({**context(f"users('{grant.account.id}')/calendarView"),
                              "value": page, **more},
                             headers={"Preference-Applied": f'outlook.timezone="{zone_name}"'})

    def listing(self, request: Request, calendar_id: str | None = None) -> Response:
        grant = enter(self.server, self.gate, request, "events.list", READ)
        if isinstance(grant, Response):
            return grant
        calendar = self._calendar(grant, calendar_id)
        if calendar is None:
            return not_found()
        return list_events(self.store.events(calendar.id), grant.account, request,
                           self.page_size)

    def create(self, request: Request, calendar_id: str | None = None) -> Response:
        grant = enter(self.server, self.gate, request, "events.create", WRITE)
        if isinstance(grant, Response):
            return grant
        calendar = self._calendar(grant, calendar_id)
        if calendar is None:
            return not_found()
        body = request.get_json(silent=True) or {}
        transaction = body.get("transactionId")
        # A retried POST answers the event the first one made. Graph documents no window
        # nor scope for this: here it is for good, in one calendar, and a deleted event
        # is not answered (a create after it makes a new one).
        if transaction:
            earlier = self.store.find(lambda e: e.body.get("transactionId") == transaction
                                      and e.calendar_id == calendar.id and not e.deleted)
            if earlier is not None:
                return self._answer(earlier, grant, request, 201)
        event = CalendarEvent(new_id(), calendar.id, "", datetime.now(UTC), datetime.now(UTC),
                              created_by_app=True)
        try:
            if "start" not in body or "end" not in body:
                raise BadEvent("ErrorInvalidRequest", "Your request can't be completed. "
                               "Start and End are required.")
            apply_body(event, body, self.refused_zones)
        except BadEvent as bad:
            return graph_error(400, bad.code, str(bad))
        made = self._meeting(event, grant)
        stored = self.store.insert(event)
        assert stored is not None  # fresh random id
        if made and self.teams_pending_reads > 0:
            self._pending[stored.id] = self.teams_pending_reads
        if self.gate.answer_lost("events.create"):  # made, and the client never hears so
            return graph_error(504, "UnknownError", "The gateway timed out.")
        return self._answer(stored, grant, request, 201)

    def event(self, request: Request, event_id: str,
              calendar_id: str | None = None) -> Response:
        needs = READ if request.method == "GET" else WRITE
        grant = enter(self.server, self.gate, request, f"events.{request.method.lower()}",
                      needs)
        if isinstance(grant, Response):
            return grant
        # Under a calendar, only that calendar's events are found (Graph: 404
        # ErrorItemNotFound under another); at me/events, any of the mailbox's.
        mine = {c.id for c in self.store.calendars(grant.account.id)
                if calendar_id is None or c.id == calendar_id}
        event = self.store.find(lambda e: e.id == event_id and e.calendar_id in mine
                                and not e.deleted)
        if event is None:
            return not_found()
        if request.method == "GET":
            return self._answer(event, grant, request, 200, read=True)
        if request.method == "DELETE":
            event.deleted = True
            self.store.save(event)
            return Response(status=204)
        try:
            apply_body(event, request.get_json(silent=True) or {}, self.refused_zones)
        except BadEvent as bad:
            return graph_error(400, bad.code, str(bad))
        self._meeting(event, grant)
        return self._answer(self.store.save(event), grant, request, 200)

    def _meeting(self, event: CalendarEvent, grant: Grant) -> bool:
        """Whether the event got a new Teams meeting."""
        online = event.body.get("isOnlineMeeting")
        provider = event.body.get("onlineMeetingProvider", "teamsForBusiness")
        if online and provider == "teamsForBusiness" and event.link is None:
            event.link = teams_link(grant.account, self.tenant)
            return True
        if online is False:
            event.link = None
        return False

    def _answer(self, event: CalendarEvent, grant: Grant, request: Request,
                status: int, read: bool = False) -> Response:
        """The event as Graph answers it; `onlineMeeting` null while its Teams meeting
        is still being set up (`teams_pending`), each read counting down."""
        zone_name = preferred_zone(request.headers.get("Prefer"))
        resource = render(event, grant.account, zone_name, master=event.weekly is not None)
        left = self._pending.get(event.id)
        if left is not None:
            if read and left <= 0:
                del self._pending[event.id]
            else:
                self._pending[event.id] = left - 1 if read else left
                resource["onlineMeeting"] = None
        return json_response({**context(f"users('{grant.account.id}')/events/$entity"),
                              **resource}, status)

    def schedule(self, request: Request) -> Response:
        grant = enter(self.server, self.gate, request, "getSchedule", READ)
        if isinstance(grant, Response):
            return grant
        body = request.get_json(silent=True) or {}
        try:
            start = parse_instant(body["startTime"]["dateTime"])
            end = parse_instant(body["endTime"]["dateTime"])
        except (KeyError, TypeError, ValueError):
            return graph_error(400, "ErrorInvalidRequest", "startTime and endTime are required.")
        interval = int(body.get("availabilityViewInterval", 30))
        return json_response({**context("Collection(microsoft.graph.scheduleInformation)"),
                              "value": [self._one_schedule(str(s), start, end, interval)
                                        for s in body.get("schedules") or []]})

    def _one_schedule(self, address: str, start: datetime, end: datetime,
                      interval: int) -> dict[str, Any]:
        account = next((a for a in self.server.accounts.values()
                        if a.email.lower() == address.lower()), None)
        primary = self.store.calendars(account.id)[0] if account else None
        if primary is None or self.store.failing(primary.id):
            code = "ErrorMailRecipientNotFound" if primary is None else "ErrorInternalServerError"
            return {"scheduleId": address, "availabilityView": "",
                    "error": {"message": "The schedule could not be read.", "responseCode": code}}
        found = [o for o in expand(self.store.events(primary.id), start, end)
                 if not (o.event.cancelled or o.event.declined)]
        view = ""
        slot = start
        while slot < end:
            ends = slot + timedelta(minutes=interval)
            statuses = [_STATUS[o.event.show_as] for o in found if o.start < ends and o.end > slot]
            view += max(statuses, default="0")
            slot = ends
        return {"scheduleId": address, "availabilityView": view, "scheduleItems": [
            {"isPrivate": False, "status": o.event.show_as, "subject": o.event.title,
             "location": "", "start": {"dateTime": o.start.strftime("%Y-%m-%dT%H:%M:%S.0000000"),
                                       "timeZone": "UTC"},
             "end": {"dateTime": o.end.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}}
            for o in found], "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
                "timeZone": {"name": "UTC"}}}
