"""Microsoft Graph's wire shared by the calendar and subscription fakes: the error body,
and the gate every call passes (bearer token, delegated permission, injected faults)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.api_gate import ApiGate
from sandbox.grants import AuthorizationServer
from sandbox.model import Grant, Reason, Refusal
from sandbox.wire import bearer_token, json_response

GRAPH = "https://graph.microsoft.com"
READ = frozenset({"Calendars.ReadBasic", "Calendars.Read", "Calendars.ReadWrite",
                  "Calendars.Read.Shared", "Calendars.ReadWrite.Shared"})
WRITE = frozenset({"Calendars.ReadWrite", "Calendars.ReadWrite.Shared"})
SUBSCRIBE = frozenset({"Calendars.Read", "Calendars.ReadWrite"})

_FAULTS = {429: ("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
           500: ("ErrorInternalServerError", "An internal server error occurred. The "
                 "operation failed."),
           503: ("ServiceUnavailable", "Service Unavailable")}


def graph_error(status: int, code: str, message: str,
                headers: dict[str, str] | None = None) -> Response:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return json_response({"error": {"code": code, "message": message, "innerError": {
        "date": stamp, "request-id": str(uuid.uuid4()),
        "client-request-id": str(uuid.uuid4())}}}, status, headers)


def not_found() -> Response:
    return graph_error(404, "ErrorItemNotFound",
                       "The specified object was not found in the store.")


def enter(server: AuthorizationServer, gate: ApiGate, request: Request, endpoint: str,
          needs: frozenset[str]) -> Grant | Response:
    """The grant behind the call, or Graph's 401 / 403 / injected fault."""
    try:
        grant = server.resolve(bearer_token(request) or "")
    except Refusal as refusal:
        gate.enter(f"{endpoint} (refused)")
        message = ("Lifetime validation failed, the token is expired."
                   if refusal.reason is Reason.TOKEN_EXPIRED
                   else "IDX14100: JWT is not well formed, there are no dots (.).")
        return graph_error(401, "InvalidAuthenticationToken", message, {
            "WWW-Authenticate": 'Bearer realm="", authorization_uri='
                                '"https://login.microsoftonline.com/common/oauth2/authorize"'})
    held = {scope.removeprefix(f"{GRAPH}/") for scope in grant.scopes}
    if not needs & held:
        gate.enter(f"{endpoint} (refused)")
        return graph_error(403, "ErrorAccessDenied",
                           "Access is denied. Check credentials and try again.")
    fault = gate.enter(endpoint)
    if fault is None:
        return grant
    code, message = _FAULTS.get(fault.status, _FAULTS[500])
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
    return graph_error(fault.status, code, message, headers)


def odata_time(moment: datetime) -> str:
    """Graph's dateTime: no offset, seven fractional digits."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


def context(path: str) -> dict[str, Any]:
    return {"@odata.context": f"{GRAPH}/v1.0/$metadata#{path}"}
