"""Zoom meetings over the Zoom API v2 (the VideoProvider port), with requests.

Zoom has no idempotency key: a create that timed out may have made a meeting, and a
retry makes a second. So the caller (the calendar job) stores the meeting id it gets
before it does anything else with it, and a retry that finds a stored id updates that
meeting instead of creating one. A create whose answer was lost leaves one orphan at
most; to let a person (or a later sweep of `GET /users/me/meetings`) tell which booking
it belongs to, the agenda carries a reference derived from `MeetingRequest.key`: a
short hash, not the key itself, because the agenda is shown to everyone invited and a
booking uid is not for them. `tracking_fields` would hide it, but they exist only where
the host's account admin defined them.

Times go in the host's zone, so Zoom's meeting page and invitations name the host's hours:
`start_time` as the zone's wall time, no offset, with `timezone` the host's IANA name,
as Zoom documents it. Zoom takes the zones of its own list (IANA names, not all of them)
and documents nothing of another: one it refuses (a 4xx), or places elsewhere than the
booking (its answer's `start_time`, always UTC, is another instant: it read the wall time
in another zone), is written again in UTC (`start_time` with `Z`, `timezone: "UTC"`), as is
a time the zone's clocks show twice (the autumn change's hour). Meetings wait for the
host in a waiting room.

Errors: 401 (code 124) refreshes the token once and retries, a second 401 breaks the
connection, as does a missing scope (HTTP 400, code 4711/4700) or a 403; 429, 5xx,
timeouts and refused connections are ProviderUnavailableError; any other 4xx (300
validation, 3001 no such meeting on update) is ProviderRejectedError.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    MeetingGoneError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.video import Meeting, MeetingRequest
from chalicelib.integrations.http_routing import RoutingHttpClient
from chalicelib.integrations.wall_clock import wall_time
from chalicelib.provider_settings import OAuthApp

ZOOM_API = "https://api.zoom.us"
API = f"{ZOOM_API}/v2"
PROVIDER = "zoom"
NO_SUCH_MEETING = 3001
MISSING_SCOPE = frozenset({4700, 4711})
TOPIC_LENGTH = 200  # Zoom's limit


class ZoomMeetings:
    """The host's Zoom meetings. `token(False)` is the current access token and
    `token(True)` a forced refresh; after one, `token(False)` must answer the new token:
    Zoom kills the old refresh token at once, so a second refresh would break the link."""

    def __init__(self, entry: OAuthApp, token: Callable[[bool], str],
                 timeout: float = 5.0, http: RoutingHttpClient | None = None) -> None:
        self.token = token
        self.timeout = timeout
        self.http = http or RoutingHttpClient({ZOOM_API: entry.base_url} if entry.base_url
                                              else {}, timeout)
        # RoutingHttpClient speaks GET and POST only (msal's needs): it routes, this sends.
        self._session = requests.Session()
        self._refreshing = threading.Lock()

    def create_meeting(self, request: MeetingRequest) -> Meeting:
        url = f"{API}/users/me/meetings"
        kind = {"type": 2,  # a scheduled meeting
                "settings": {"join_before_host": False, "waiting_room": True}}
        try:
            made = self._call("POST", url, {**_fields(request), **kind})
        except ProviderRejectedError:
            if _fields(request)["timezone"] == "UTC":
                raise
            # Refused, perhaps for the zone: nothing was made, so it is asked in UTC.
            made = self._call("POST", url, {**_fields(request, in_utc=True), **kind})
        meeting = _meeting(made)
        if not _placed(made, request):
            self._call("PATCH", _meeting_url(meeting.id), _fields(request, in_utc=True))
        return meeting

    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> Meeting:
        url = _meeting_url(meeting_id)
        try:
            changed = self._call("PATCH", url, _fields(request), gone=MeetingGoneError)
        except MeetingGoneError:
            raise
        except ProviderRejectedError:
            if _fields(request)["timezone"] == "UTC":
                raise
            changed = self._call("PATCH", url, _fields(request, in_utc=True),
                                 gone=MeetingGoneError)
        # Zoom answers a PATCH with 204 and no body: the join URL is read back.
        answer = changed if changed.get("join_url") else self._call("GET", url)
        if not _placed(answer, request):
            self._call("PATCH", url, _fields(request, in_utc=True), gone=MeetingGoneError)
        return _meeting(answer)

    def delete_meeting(self, meeting_id: str) -> None:
        self._call("DELETE", _meeting_url(meeting_id), gone_ok=True)

    # -- the wire ----------------------------------------------------------------------

    def _call(self, method: str, url: str, body: Mapping[str, Any] | None = None,
              gone_ok: bool = False, gone: type[MeetingGoneError] | None = None
              ) -> dict[str, Any]:
        """Zoom's JSON answer ({} for none, or for a meeting already gone when `gone_ok`;
        `gone` raised for one when given)."""
        used = self.token(False)
        answer = self._send(method, url, body, used)
        if answer.status_code == 401:
            answer = self._send(method, url, body, self._refreshed(used))
            if answer.status_code == 401:
                raise ConnectionBrokenError(PROVIDER, "Zoom refused a freshly refreshed "
                                            "token: reconnect Zoom")
        code, message = _error(answer)
        if answer.status_code == 404 or code == NO_SUCH_MEETING:
            if gone_ok:
                return {}
            if gone is not None:
                raise gone(PROVIDER, f"Zoom has no meeting here any more: {message}")
        _raise_for(answer, code, message)
        if not answer.content:
            return {}
        try:
            found = answer.json()
        except ValueError as exc:
            raise ProviderUnavailableError(PROVIDER, f"Zoom answered {method} with something "
                                           "other than JSON") from exc
        return found if isinstance(found, dict) else {}

    def _refreshed(self, refused: str) -> str:
        with self._refreshing:
            current = self.token(False)
            # Another thread's refresh already replaced the refused token: use its result.
            return current if current != refused else self.token(True)

    def _send(self, method: str, url: str, body: Mapping[str, Any] | None,
              token: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            return self._session.request(method, self.http.route(url), json=body,
                                         headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise ProviderUnavailableError(PROVIDER, f"Zoom did not answer {method} within "
                                           f"{self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailableError(PROVIDER, "Zoom could not be reached "
                                           f"({type(exc).__name__})") from exc


def _error(answer: requests.Response) -> tuple[int | None, str]:
    if answer.status_code < 400:
        return None, ""
    try:
        found = answer.json()
    except ValueError:
        found = None
    if not isinstance(found, dict):
        return None, answer.reason or ""
    code = found.get("code")
    return (code if isinstance(code, int) else None), str(found.get("message") or "")


def _raise_for(answer: requests.Response, code: int | None, message: str) -> None:
    status = answer.status_code
    if status < 400:
        return
    what = f"Zoom answered {status} (code {code}): {message}"
    if status == 429 or status >= 500:
        after = answer.headers.get("Retry-After")
        raise ProviderUnavailableError(PROVIDER, f"{what} (Retry-After: {after} s)" if after
                                       else what)
    if status == 403 or code in MISSING_SCOPE:
        raise ConnectionBrokenError(PROVIDER, f"{what}; Penny lacks a Zoom scope for this: "
                                    "reconnect Zoom")
    raise ProviderRejectedError(PROVIDER, what)


def _meeting_url(meeting_id: str) -> str:
    return f"{API}/meetings/{quote(meeting_id, safe='')}"


def _start(request: MeetingRequest, in_utc: bool) -> dict[str, str]:
    """`start_time` and `timezone`: the host's zone's wall time, or UTC (docstring)."""
    local = None
    if not in_utc and request.time_zone != "UTC":
        try:
            local = wall_time(request.when.start, ZoneInfo(request.time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            local = None
    if local is None:
        return {"start_time": request.when.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "timezone": "UTC"}
    return {"start_time": local, "timezone": request.time_zone}


def _fields(request: MeetingRequest, in_utc: bool = False) -> dict[str, Any]:
    minutes = math.ceil(request.when.duration.total_seconds() / 60)
    reference = hashlib.sha256(request.key.encode()).hexdigest()[:16]
    return {"topic": request.topic[:TOPIC_LENGTH], **_start(request, in_utc),
            "duration": max(1, minutes), "agenda": f"Booked with Penny (ref {reference})"}


def _placed(answer: Mapping[str, Any], request: MeetingRequest) -> bool:
    """Did Zoom place the meeting at the booking's start? Its answer's `start_time` is
    UTC; an answer without one, or unreadable, is taken as placed where it was asked."""
    try:
        start = datetime.fromisoformat(str(answer["start_time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return True
    return start.tzinfo is None or start == request.when.start


def _meeting(answer: Mapping[str, Any]) -> Meeting:
    if not answer.get("id") or not answer.get("join_url"):
        raise ProviderUnavailableError(PROVIDER, "Zoom answered without a meeting id or "
                                       "join URL")
    return Meeting(str(answer["id"]), str(answer["join_url"]))
