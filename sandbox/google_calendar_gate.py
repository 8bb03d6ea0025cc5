"""The gate every call of the fake Google Calendar API passes (sandbox/google_calendar.py
names the routes): the bearer token of a live grant, the method's scopes as the discovery
document names them, the ApiGate's faults as Google's errors, and the calendar a path names
(_calendar_call: the grant and the calendar, for each call on one).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from importlib import resources

from werkzeug.wrappers import Request, Response

from sandbox.api_gate import ApiGate
from sandbox.calendar_model import Calendar
from sandbox.calendar_store import CalendarStore
from sandbox.google_events import error
from sandbox.grants import AuthorizationServer
from sandbox.model import Grant, Refusal
from sandbox.wire import bearer_token, json_response

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


class GoogleCalendarGate:
    """What each group of calls passes through (GoogleCalendarApi sets the fields)."""

    server: AuthorizationServer
    gate: ApiGate
    store: CalendarStore
    _granted: Callable[[tuple[str, ...]], str]

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

    def _calendar_call(self, request: Request, method: str,
                       calendar_id: str) -> tuple[Grant, Calendar] | Response:
        """A call on the calendar its path names: the grant it is made with and that
        calendar, or the answer refusing it (the gate's, or 404 for a calendar the
        account does not have)."""
        grant = self._enter(request, method)
        if isinstance(grant, Response):
            return grant
        calendar = self._calendar(grant, calendar_id)
        if isinstance(calendar, Response):
            return calendar
        return grant, calendar
