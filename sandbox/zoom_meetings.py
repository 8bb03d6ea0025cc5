"""Fake Zoom meetings under `/v2/`: `POST users/me/meetings` (201), `GET`, `PATCH` (204) and
`DELETE` (204) `meetings/{id}`, in Zoom's wire: a 401 `{"code": 124}` for a bad token, a
missing granular scope as HTTP 400 `{"code": 4711}` (Zoom's status, not 403), an unknown
meeting 404 `{"code": 3001}`, validation 300.

`start_time` without an offset is wall-clock time in `timezone`, as Zoom reads it; the
answer gives it back in UTC with `Z`. Zoom takes the zones of its own list; what it does
with another is not documented, so a test may make a zone unlisted either way: refused
(300, `timezone` invalid), or taken for the account's zone (UTC here), the wall time
read there and so another instant.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.api_gate import ApiGate
from sandbox.grants import AuthorizationServer
from sandbox.model import Grant, Reason, Refusal
from sandbox.wire import bearer_token, json_response

# Granular scopes, with the classic scope that also covers each call.
_NEEDS = {"create": ("meeting:write:meeting", "meeting:write"),
          "get": ("meeting:read:meeting", "meeting:read"),
          "patch": ("meeting:update:meeting", "meeting:write"),
          "delete": ("meeting:delete:meeting", "meeting:write")}
_WRITABLE = ("topic", "type", "start_time", "timezone", "duration", "agenda", "settings",
             "password")


@dataclass
class Meeting:
    id: int
    account_id: str
    fields: dict[str, Any]
    password: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # in join_url
    uuid: str = field(default_factory=lambda: secrets.token_urlsafe(16)[:22] + "==")


class ZoomMeetings:
    def __init__(self, server: AuthorizationServer, gate: ApiGate) -> None:
        self.server, self.gate = server, gate
        self._lock = threading.Lock()
        self._meetings: dict[int, Meeting] = {}
        self.unlisted: dict[str, bool] = {}  # zones Zoom does not list: refused, or not

    def rules(self) -> list[Rule]:
        return [Rule("/v2/users/<user_id>/meetings", endpoint=self.create, methods=["POST"]),
                Rule("/v2/meetings/<meeting_id>", endpoint=self.one,
                     methods=["GET", "PATCH", "DELETE"])]

    def meetings(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._render(m) for m in self._meetings.values()]

    def fields(self, meeting_id: int) -> dict[str, Any]:
        """The meeting's fields as written to it (`start_time` as sent)."""
        with self._lock:
            return dict(self._meetings[meeting_id].fields)

    def delete(self, meeting_id: int) -> None:
        with self._lock:
            del self._meetings[meeting_id]

    def _enter(self, request: Request, call: str) -> Grant | Response:
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal as refusal:
            self.gate.enter(f"meetings.{call} (refused)")
            message = ("Access token is expired." if refusal.reason is Reason.TOKEN_EXPIRED
                       else "Invalid access token.")
            return json_response({"code": 124, "message": message}, 401)
        if not set(_NEEDS[call]) & set(grant.scopes):
            self.gate.enter(f"meetings.{call} (refused)")
            return json_response({"code": 4711, "message": "Invalid access token, does not "
                                  f"contain scopes:[{_NEEDS[call][0]}]."}, 400)
        fault = self.gate.enter(f"meetings.{call}")
        if fault is None:
            return grant
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
        if fault.status == 429:
            return json_response({"code": 429, "message": "You have reached the maximum "
                                  "per-second rate limit for this API. Try again later."},
                                 429, {**headers, "X-RateLimit-Category": "Light",
                                       "X-RateLimit-Type": "QPS"})
        return json_response({"code": fault.status, "message": "Internal Error"},
                             fault.status, headers)

    def create(self, request: Request, user_id: str) -> Response:
        grant = self._enter(request, "create")
        if isinstance(grant, Response):
            return grant
        if user_id not in ("me", grant.account.id, grant.account.email):
            return json_response({"code": 1001, "message": f"User does not exist: {user_id}."},
                                 404)
        body = request.get_json(silent=True)
        problem = _invalid(body) or self._unlisted(body)
        if problem:
            return problem
        assert isinstance(body, dict)
        meeting = Meeting(secrets.randbelow(9 * 10**10) + 10**10, grant.account.id,
                          {"type": 2, "duration": 60, "timezone": "UTC", "agenda": "",
                           "settings": {}, **self._written(body)},
                          "".join(secrets.choice(string.ascii_letters + string.digits)
                                  for _ in range(6)))
        with self._lock:
            self._meetings[meeting.id] = meeting
            answer = self._render(meeting)
        return json_response(answer, 201)

    def one(self, request: Request, meeting_id: str) -> Response:
        call = request.method.lower()
        grant = self._enter(request, call)
        if isinstance(grant, Response):
            return grant
        with self._lock:
            meeting = self._meetings.get(int(meeting_id)) if meeting_id.isdigit() else None
            if meeting is None or meeting.account_id != grant.account.id:
                return json_response({"code": 3001, "message": "Meeting does not exist: "
                                      f"{meeting_id}."}, 404)
            if call == "get":
                return json_response(self._render(meeting))
            if call == "delete":
                del self._meetings[meeting.id]
                return Response(status=204)
        body = request.get_json(silent=True)
        problem = _invalid(body, partial=True) or self._unlisted(body)
        if problem:
            return problem
        assert isinstance(body, dict)
        with self._lock:
            meeting.fields.update(self._written(body))
        return Response(status=204)

    def _unlisted(self, body: Any) -> Response | None:
        """Zoom's 300 for a zone not on its list, when a test made it refused."""
        if isinstance(body, dict) and self.unlisted.get(str(body.get("timezone"))):
            return json_response({"code": 300, "message": "Validation Failed.", "errors": [
                {"field": "timezone", "message": "Invalid field."}]}, 400)
        return None

    def _written(self, body: dict[str, Any]) -> dict[str, Any]:
        """The fields a body writes; a zone not on Zoom's list taken for the account's."""
        written = {k: body[k] for k in _WRITABLE if k in body}
        if str(written.get("timezone")) in self.unlisted:
            written["timezone"] = "UTC"
        return written

    def _render(self, meeting: Meeting) -> dict[str, Any]:
        f, account = meeting.fields, self.server.accounts.get(meeting.account_id)
        pwd = meeting.secret
        answer = {
            "uuid": meeting.uuid, "id": meeting.id,
            "host_id": meeting.account_id, "host_email": account.email if account else "",
            "topic": f.get("topic", "Zoom meeting"), "type": f["type"], "status": "waiting",
            "duration": f["duration"], "timezone": f["timezone"], "agenda": f["agenda"],
            "created_at": meeting.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "start_url": f"https://us05web.zoom.us/s/{meeting.id}?zak={pwd}",
            "join_url": f"https://us05web.zoom.us/j/{meeting.id}?pwd={pwd[:32]}",
            "password": meeting.password, "h323_password": "", "pstn_password": "",
            "encrypted_password": pwd[:32], "settings": {"host_video": False,
                                                          "participant_video": False,
                                                          "join_before_host": False,
                                                          "waiting_room": True,
                                                          **f["settings"]},
            "pre_schedule": False}
        if "start_time" in f:
            answer["start_time"] = _utc(str(f["start_time"]), str(f["timezone"]))
        return answer


def _utc(start: str, zone: str) -> str:
    moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _invalid(body: Any, partial: bool = False) -> Response | None:
    """Zoom's 300 "Validation Failed." for a body it cannot take."""
    if not isinstance(body, dict):
        return json_response({"code": 300, "message": "Request Body should be a valid JSON "
                              "object."}, 400)
    errors = []
    if "agenda" in body and len(str(body["agenda"])) > 2000:
        errors.append({"field": "agenda", "message": "Length must be at most 2000."})
    if "start_time" in body:
        try:
            _utc(str(body["start_time"]), str(body.get("timezone") or "UTC"))
        except (ValueError, ZoneInfoNotFoundError):
            errors.append({"field": "start_time", "message": "Invalid field."})
    if "duration" in body and not isinstance(body["duration"], int):
        errors.append({"field": "duration", "message": "Invalid field."})
    if not partial and body.get("type", 2) not in (1, 2, 3, 8, 10):
        errors.append({"field": "type", "message": "Invalid field."})
    if errors:
        return json_response({"code": 300, "message": "Validation Failed.",
                              "errors": errors}, 400)
    return None
