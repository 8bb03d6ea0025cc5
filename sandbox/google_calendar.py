"""Fake Google Calendar v3 under `/calendar/v3/`: calendarList.list, freebusy.query,
events list/get/insert/patch/update/delete, events.watch and channels.stop, authenticated
by the sandbox's access tokens and checked against each method's scopes as the discovery
document names them (`calendar.v3.json`, the one google-api-python-client uses).

Push: every change to a watched calendar POSTs Google's empty-body notification to the
channel's address (`X-Goog-Resource-State: exists`), after the `sync` message a new
channel gets first. Sync tokens are the store's change number; a test can expire them
all (410 Gone, `fullSyncRequired`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from importlib import resources
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.api_gate import ApiGate
from sandbox.calendar_model import Calendar, CalendarEvent, merged_busy, parse_instant
from sandbox.calendar_model import rfc3339 as _rfc3339
from sandbox.calendar_store import CalendarStore, Watch
from sandbox.google_events import (
    EVENT_ID,
    BadEvent,
    apply_body,
    conference,
    default_ttl,
    error,
    expiry_ms,
    meet_code,
    render,
)
from sandbox.google_listing import list_events
from sandbox.grants import AuthorizationServer
from sandbox.model import Account, Grant, Refusal
from sandbox.notifier import Notifier
from sandbox.wire import bearer_token, json_response

MAX_FREEBUSY_ITEMS = 50
_PROJECT = "penny-sandbox"
_UNAUTHENTICATED = ("Request had invalid authentication credentials. Expected OAuth 2 access "
                    "token, login cookie or other valid authentication credential. See "
                    "https://developers.google.com/identity/sign-in/web/devconsole-project.")


def unauthenticated() -> Response:
    """Google's answer to a missing, expired or revoked access token (every API)."""
    return json_response({"error": {
        "code": 401, "message": _UNAUTHENTICATED, "status": "UNAUTHENTICATED",
        "errors": [{"message": "Invalid Credentials", "domain": "global",
                    "reason": "authError", "location": "Authorization",
                    "locationType": "header"}]}}, 401,
        {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                             'error="invalid_token"'})


@functools.cache
def method_scopes() -> dict[str, frozenset[str]]:
    """Each Calendar method's accepted scopes, from the client library's discovery document."""
    path = resources.files("googleapiclient.discovery_cache") / "documents" / "calendar.v3.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {f"{name}.{method}": frozenset(spec.get("scopes", ()))
            for name, resource in doc["resources"].items()
            for method, spec in resource.get("methods", {}).items()}


def calendar_ids(account: Account) -> tuple[str, str]:
    digest = hashlib.sha256(account.id.encode()).hexdigest()[:26]
    return account.email, f"c_{digest}@group.calendar.google.com"


class GoogleCalendarApi:
    def __init__(self, server: AuthorizationServer, gate: ApiGate, notifier: Notifier,
                 granted: Callable[[tuple[str, ...]], str]) -> None:
        self.server, self.gate, self.notifier, self._granted = server, gate, notifier, granted
        self.store = CalendarStore(server.accounts, calendar_ids)
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
            Rule(f"{root}/channels/stop", endpoint=self.stop_channel, methods=["POST"]),
        ]

    # -- the gate every call passes ------------------------------------------------------

    def _enter(self, request: Request, method: str) -> Grant | Response:
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal:
            self.gate.enter(f"{method} (refused)")
            return unauthenticated()
        accepted = method_scopes()[method]
        if not accepted & set(self._granted(grant.scopes).split()):
            self.gate.enter(f"{method} (refused)")
            return json_response({"error": {
                "code": 403, "message": "Request had insufficient authentication scopes.",
                "status": "PERMISSION_DENIED",
                "errors": [{"message": "Insufficient Permission", "domain": "global",
                            "reason": "insufficientPermissions"}],
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                             "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                             "domain": "googleapis.com",
                             "metadata": {"service": "calendar-json.googleapis.com",
                                          "method": f"calendar.v3.{method.title()}"}}]}},
                403, {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                                          'error="insufficient_scope", scope="'
                                          + " ".join(sorted(accepted)) + '"'})
        fault = self.gate.enter(method)
        if fault is None:
            return grant
        retry = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
        if fault.status == 429:
            return error(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits", retry)
        return error(fault.status, "backendError", "Backend Error", headers=retry)

    def _calendar(self, grant: Grant, calendar_id: str) -> Calendar | Response:
        calendar = self.store.calendar(grant.account.id, calendar_id)
        return calendar if calendar is not None else error(404, "notFound", "Not Found")

    # -- calendarList, freeBusy ------------------------------------------------------------

    def calendar_list(self, request: Request) -> Response:
        grant = self._enter(request, "calendarList.list")
        if isinstance(grant, Response):
            return grant
        items: list[dict[str, Any]] = [
                 {"kind": "calendar#calendarListEntry", "etag": f'"{c.id}"', "id": c.id,
                  "summary": c.name, "timeZone": "UTC", "colorId": "14" if c.primary else "7",
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

    # -- events ------------------------------------------------------------------------

    def events(self, request: Request, calendar_id: str) -> Response:
        if request.method == "POST":
            return self._insert(request, calendar_id)
        grant = self._enter(request, "events.list")
        if isinstance(grant, Response):
            return grant
        calendar = self._calendar(grant, calendar_id)
        if isinstance(calendar, Response):
            return calendar
        if self.store.failing(calendar.id):
            return error(503, "backendError", "Backend Error")
        return list_events(self.store, calendar, grant.account.email, request.args)

    def _insert(self, request: Request, calendar_id: str) -> Response:
        grant = self._enter(request, "events.insert")
        if isinstance(grant, Response):
            return grant
        calendar = self._calendar(grant, calendar_id)
        if isinstance(calendar, Response):
            return calendar
        body = request.get_json(silent=True) or {}
        event_id = str(body.get("id") or secrets.token_hex(13))
        if not EVENT_ID.match(event_id):
            return error(400, "invalid", "Invalid resource id value.")
        event = CalendarEvent(event_id, calendar.id, "", datetime.now(UTC), datetime.now(UTC),
                              created_by_app=True)
        try:
            apply_body(event, body, grant.account.email)
            if "start" not in body or "end" not in body:
                raise BadEvent("required", "Missing end time." if "start" in body
                               else "Missing start time.")
        except BadEvent as bad:
            return error(400, bad.reason, str(bad))
        self._conference(event, body, request)
        stored = self.store.insert(event)
        if stored is None:
            return error(409, "duplicate", "The requested identifier already exists.")
        return json_response(render(stored, grant.account.email))

    def event(self, request: Request, calendar_id: str, event_id: str) -> Response:
        method = {"GET": "events.get", "PATCH": "events.patch", "PUT": "events.update",
                  "DELETE": "events.delete"}[request.method]
        grant = self._enter(request, method)
        if isinstance(grant, Response):
            return grant
        calendar = self._calendar(grant, calendar_id)
        if isinstance(calendar, Response):
            return calendar
        event = self.store.get(calendar.id, event_id)
        if event is None:
            if request.method == "DELETE" and self.store.find(
                    lambda e: (e.calendar_id, e.id, e.deleted) == (calendar.id, event_id, True)):
                return error(410, "deleted", "Resource has been deleted")
            return error(404, "notFound", "Not Found")
        if request.method == "GET":
            return json_response(render(event, grant.account.email))
        if request.method == "DELETE":
            event.deleted = True
            self.store.save(event)
            return Response(status=204)
        body = request.get_json(silent=True) or {}
        if request.method == "PUT":  # update replaces the event: what is absent is cleared
            event.body = {}
        try:
            apply_body(event, body, grant.account.email)
        except BadEvent as bad:
            return error(400, bad.reason, str(bad))
        self._conference(event, body, request)
        return json_response(render(self.store.save(event), grant.account.email))

    def _conference(self, event: CalendarEvent, body: dict[str, Any], request: Request) -> None:
        # Without conferenceDataVersion=1 Google silently ignores conferenceData.
        if request.args.get("conferenceDataVersion") != "1" or "conferenceData" not in body:
            return
        create = (body.get("conferenceData") or {}).get("createRequest")
        if not isinstance(create, dict) or not create.get("requestId"):
            return
        current = event.body.get("conferenceData", {}).get("createRequest", {})
        if current.get("requestId") == create["requestId"]:
            return  # a reused requestId is ignored: the event keeps its link
        code = meet_code()
        event.body["conferenceData"] = conference(str(create["requestId"]), code)
        event.link = f"https://meet.google.com/{code}"

    # -- push ----------------------------------------------------------------------------

    def watch(self, request: Request, calendar_id: str) -> Response:
        grant = self._enter(request, "events.watch")
        if isinstance(grant, Response):
            return grant
        calendar = self._calendar(grant, calendar_id)
        if isinstance(calendar, Response):
            return calendar
        body = request.get_json(silent=True) or {}
        if not body.get("id") or not body.get("address"):
            return error(400, "required", "Required" if body.get("id") else "Required id")
        if body.get("type") not in ("web_hook", "webhook"):
            return error(400, "invalid", "Invalid value for type")
        if any(w.id == body["id"] for w in self.store.watches()):
            return error(400, "channelIdNotUnique", f"Channel id {body['id']} not unique")
        watch = Watch(str(body["id"]), grant.account.id, frozenset({calendar.id}),
                      str(body["address"]), body.get("token"),
                      datetime.now(UTC) + default_ttl(body.get("params")))
        watch.extras["uri"] = (f"https://www.googleapis.com/calendar/v3/calendars/"
                               f"{calendar.id}/events?alt=json")
        self.store.add_watch(watch)
        self._post(watch, "sync")
        return json_response({"kind": "api#channel", "id": watch.id,
                              "resourceId": watch.resource_id,
                              "resourceUri": watch.extras["uri"],
                              **({"token": watch.secret} if watch.secret else {}),
                              "expiration": expiry_ms(watch.expires_at)})

    def stop_channel(self, request: Request) -> Response:
        grant = self._enter(request, "channels.stop")
        if isinstance(grant, Response):
            return grant
        body = request.get_json(silent=True) or {}
        found = next((w for w in self.store.watches() if w.id == body.get("id")
                      and w.resource_id == body.get("resourceId")), None)
        if found is None:
            return error(404, "notFound", f"Channel '{body.get('id')}' not found for "
                                          f"project '{_PROJECT}'")
        self.store.remove_watch(found.id)
        return Response(status=204)

    def notify(self, calendar_id: str | None = None) -> int:
        """Post an `exists` message on every live channel (of one calendar); how many."""
        watches = self.store.watches(calendar_id)
        for watch in watches:
            self._post(watch, "exists")
        return len(watches)

    def _changed(self, calendar: Calendar, event: CalendarEvent, change: str) -> None:
        self.notify(calendar.id)

    def _post(self, watch: Watch, state: str) -> None:
        headers = {"X-Goog-Channel-ID": watch.id,
                   "X-Goog-Channel-Expiration": format_datetime(watch.expires_at, usegmt=True),
                   "X-Goog-Resource-ID": watch.resource_id,
                   "X-Goog-Resource-URI": str(watch.extras.get("uri", "")),
                   "X-Goog-Resource-State": state,
                   "X-Goog-Message-Number": str(self.store.next_message(watch.id)),
                   "Content-Length": "0"}
        if watch.secret:
            headers["X-Goog-Channel-Token"] = watch.secret
        self.notifier.send(watch.address, headers)

