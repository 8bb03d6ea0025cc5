"""The fake Google Calendar API's events: listed, inserted, read, patched, updated,
deleted and moved to another calendar, with a Meet link made on conferenceData's
createRequest.

Google makes a Meet conference asynchronously: the write that asks for it may answer its
createRequest `pending`, with no entry points and no hangoutLink, and only a later read
of the event gives the link. A test makes the conferences it asks for from then on
answer so (`meet_pending`): the write, and that many reads after it, see it pending."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.calendar_model import CalendarEvent
from sandbox.google_calendar_gate import GoogleCalendarGate
from sandbox.google_events import (
    EVENT_ID,
    BadEvent,
    apply_body,
    conference,
    error,
    meet_code,
    render,
)
from sandbox.google_listing import list_events
from sandbox.wire import json_response


class GoogleEventCalls(GoogleCalendarGate):
    # How many reads after its write a new Meet conference still answers `pending`
    # (0: it is ready in the write's answer), and each pending conference's reads left.
    meet_pending_reads: int = 0
    _pending: dict[tuple[str, str], int]

    def _render(self, event: CalendarEvent, owner_email: str, read: bool = False
                ) -> dict[str, Any]:
        """The Event resource, its conference `pending` while it is being made."""
        resource = render(event, owner_email)
        pending = self._pending
        key = (event.calendar_id, event.id)
        if key not in pending or "conferenceData" not in resource:
            return resource
        if read and pending[key] <= 0:
            del pending[key]
            return resource
        if read:
            pending[key] -= 1
        create = dict(resource["conferenceData"]["createRequest"],
                      status={"statusCode": "pending"})
        resource["conferenceData"] = {"createRequest": create}
        resource.pop("hangoutLink", None)
        return resource

    def events(self, request: Request, calendar_id: str) -> Response:
        if request.method == "POST":
            return self._insert(request, calendar_id)
        called = self._calendar_call(request, "events.list", calendar_id)
        if isinstance(called, Response):
            return called
        grant, calendar = called
        if self.store.failing(calendar.id):
            return error(503, "backendError", "Backend Error")
        return list_events(self.store, calendar, grant.account.email, request.args)

    def _insert(self, request: Request, calendar_id: str) -> Response:
        called = self._calendar_call(request, "events.insert", calendar_id)
        if isinstance(called, Response):
            return called
        grant, calendar = called
        body = request.get_json(silent=True) or {}
        event_id = str(body.get("id") or secrets.token_hex(13))
        if not EVENT_ID.match(event_id):
            return error(400, "invalid", "Invalid resource id value.")
        event = CalendarEvent(event_id, calendar.id, "", datetime.now(UTC), datetime.now(UTC),
                              created_by_app=True)
        try:
            apply_body(event, body, grant.account.email, calendar.zone)
            if "start" not in body or "end" not in body:
                raise BadEvent("required", "Missing end time." if "start" in body
                               else "Missing start time.")
        except BadEvent as bad:
            return error(400, bad.reason, str(bad))
        made = self._conference(event, body, request)
        stored = self.store.insert(event)
        if stored is None:
            return error(409, "duplicate", "The requested identifier already exists.")
        if made:
            self._made_async(stored)
        return json_response(self._render(stored, grant.account.email))

    def event(self, request: Request, calendar_id: str, event_id: str) -> Response:
        method = {"GET": "events.get", "PATCH": "events.patch", "PUT": "events.update",
                  "DELETE": "events.delete"}[request.method]
        called = self._calendar_call(request, method, calendar_id)
        if isinstance(called, Response):
            return called
        grant, calendar = called
        event = self.store.get(calendar.id, event_id)
        if event is None:
            if request.method == "DELETE" and self.store.find(
                    lambda e: (e.calendar_id, e.id, e.deleted) == (calendar.id, event_id, True)):
                return error(410, "deleted", "Resource has been deleted")
            return error(404, "notFound", "Not Found")
        if request.method == "GET":
            return json_response(self._render(event, grant.account.email, read=True))
        if request.method == "DELETE":
            event.deleted = True
            self.store.save(event)
            return Response(status=204)
        body = request.get_json(silent=True) or {}
        if request.method == "PUT":  # update replaces the event: what is absent is cleared
            event.body = {}
        try:
            apply_body(event, body, grant.account.email, calendar.zone)
        except BadEvent as bad:
            return error(400, bad.reason, str(bad))
        if self._conference(event, body, request):
            self._made_async(event)
        return json_response(self._render(self.store.save(event), grant.account.email))

    def move(self, request: Request, calendar_id: str, event_id: str) -> Response:
        """events.move: the event, its id kept, in the `destination` calendar (one of the
        account's); the calendar it left lists it `cancelled` from then on, and reading
        it there answers 404. A live event of that id there already: 409 (the fake's)."""
        called = self._calendar_call(request, "events.move", calendar_id)
        if isinstance(called, Response):
            return called
        grant, calendar = called
        if not request.args.get("destination"):
            return error(400, "required", "Required parameter: destination")
        target = self._calendar(grant, request.args["destination"])
        if isinstance(target, Response):
            return target
        event = self.store.get(calendar.id, event_id)
        if event is None:
            return error(404, "notFound", "Not Found")
        moved = self.store.move(event, target.id) if target.id != calendar.id else event
        if moved is None:
            return error(409, "duplicate", "The requested identifier already exists.")
        return json_response(render(moved, grant.account.email))

    def _conference(self, event: CalendarEvent, body: dict[str, Any], request: Request) -> bool:
        """Whether the body asked for a new Meet conference, now on the event."""
        # Without conferenceDataVersion=1 Google silently ignores conferenceData.
        if request.args.get("conferenceDataVersion") != "1" or "conferenceData" not in body:
            return False
        create = (body.get("conferenceData") or {}).get("createRequest")
        if not isinstance(create, dict) or not create.get("requestId"):
            return False
        current = event.body.get("conferenceData", {}).get("createRequest", {})
        if current.get("requestId") == create["requestId"]:
            return False  # a reused requestId is ignored: the event keeps its link
        code = meet_code()
        event.body["conferenceData"] = conference(str(create["requestId"]), code)
        event.link = f"https://meet.google.com/{code}"
        return True

    def _made_async(self, event: CalendarEvent) -> None:
        """The event's new conference answers `pending` for a while, if a test asked."""
        if self.meet_pending_reads > 0:
            self._pending[(event.calendar_id, event.id)] = self.meet_pending_reads
