"""Fake Graph change notifications for calendars: `POST /v1.0/subscriptions` with Graph's
validation handshake (the sandbox POSTs `notificationUrl?validationToken=...` and wants
the token back as text/plain within 10 s, else 400), PATCH to renew within the maximum
lifetime, DELETE; then a `{"value": [...]}` notification, `clientState` in each item, on
every created/updated/deleted event the subscription covers (a `deleted` one as the
host's Outlook sends it: the control surface's `delete_event`, the sandbox page's Delete
button). A test whose receiver serves no port answers the validation request itself
(`answer`), in the same 10 s; one that takes longer (a slow receiver, a cold Lambda)
fails the POST as Graph does. The POST answers only once the validation did: a client
that stopped waiting meanwhile still leaves the subscription made, as Graph does (its
docs say nothing either way; an abandoned POST is not known to be undone), so a test can
make an orphan by answering slowly, or at once with `lose_next_answers("microsoft",
"subscriptions.create")` (made, then a 504, as a gateway that gave up).
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.calendar_model import Calendar, CalendarEvent, parse_instant
from sandbox.calendar_store import CalendarStore, Watch
from sandbox.graph_calendar import GraphCalendarApi
from sandbox.graph_wire import SUBSCRIBE, context, enter, graph_error
from sandbox.model import Grant
from sandbox.notifier import Notifier
from sandbox.wire import json_response

# Outlook events: Graph caps a subscription's life at 4,230 minutes (just under 3 days).
MAX_MINUTES = 4230
HANDSHAKE_TIMEOUT = 10.0
_CHANGES = frozenset({"created", "updated", "deleted"})
# (notificationUrl, validation token) -> the receiver's (status, Content-Type, body).
Validator = Callable[[str, str], tuple[int, str, str]]
_RESOURCE = re.compile(r"^/?(?:me|users/[^/]+)/(?:events|calendar/events|"
                       r"calendars/(?P<calendar>[^/]+)/events)$", re.IGNORECASE)


class GraphSubscriptions:
    def __init__(self, calendars: GraphCalendarApi, notifier: Notifier) -> None:
        self.calendars, self.notifier = calendars, notifier
        self.store: CalendarStore = calendars.store
        self.store.on_change(self._changed)
        self.answer: Validator | None = None  # None: the validation request goes over HTTP

    def rules(self) -> list[Rule]:
        return [Rule("/v1.0/subscriptions", endpoint=self.create, methods=["POST"]),
                Rule("/v1.0/subscriptions/<subscription_id>", endpoint=self.one,
                     methods=["GET", "PATCH", "DELETE"])]

    def _enter(self, request: Request, endpoint: str) -> Grant | Response:
        c = self.calendars
        return enter(c.server, c.gate, request, endpoint, SUBSCRIBE)

    def create(self, request: Request) -> Response:
        grant = self._enter(request, "subscriptions.create")
        if isinstance(grant, Response):
            return grant
        body = request.get_json(silent=True) or {}
        changes = [c.strip() for c in str(body.get("changeType", "")).split(",") if c.strip()]
        found = _RESOURCE.match(str(body.get("resource", "")))
        calendars = self.store.calendars(grant.account.id)
        calendar = calendars[0] if found and not found.group("calendar") else next(
            (c for c in calendars if found and c.id == found.group("calendar")), None)
        if not changes or not set(changes) <= _CHANGES or not body.get("notificationUrl"):
            return _invalid("changeType and notificationUrl are required; changeType is "
                            "created, updated and/or deleted.")
        if calendar is None:
            return _invalid(f"Resource '{body.get('resource')}' is not supported.")
        expires = _expiry(body.get("expirationDateTime"))
        if isinstance(expires, Response):
            return expires
        if len(str(body.get("clientState", ""))) > 128:
            return _invalid("clientState must be at most 128 characters.")
        failure = _handshake(str(body["notificationUrl"]), self.answer or _over_http)
        if failure:
            return _invalid(f"Subscription validation request failed. {failure}")
        watch = Watch(str(uuid.uuid4()), grant.account.id, frozenset({calendar.id}),
                      str(body["notificationUrl"]), body.get("clientState"), expires,
                      extras={"changeType": ",".join(changes), "resource": body["resource"],
                              "lifecycleNotificationUrl": body.get("lifecycleNotificationUrl"),
                              "creatorId": grant.account.id})
        self.store.add_watch(watch)
        if self.calendars.gate.answer_lost("subscriptions.create"):  # made; the answer lost
            return graph_error(504, "UnknownError", "The gateway timed out.")
        return json_response(self._render(watch), 201)

    def one(self, request: Request, subscription_id: str) -> Response:
        grant = self._enter(request, f"subscriptions.{request.method.lower()}")
        if isinstance(grant, Response):
            return grant
        watch = next((w for w in self.store.watches() if w.id == subscription_id
                      and w.account_id == grant.account.id), None)
        if watch is None:
            return graph_error(404, "ResourceNotFound", "The object was not found.")
        if request.method == "DELETE":
            self.store.remove_watch(watch.id)
            return Response(status=204)
        if request.method == "PATCH":
            expires = _expiry((request.get_json(silent=True) or {}).get("expirationDateTime"))
            if isinstance(expires, Response):
                return expires
            watch = self.store.update_watch(watch.id, expires_at=expires) or watch
        return json_response(self._render(watch))

    def notify(self, calendar_id: str | None = None, change: str = "updated") -> int:
        """Post a notification on every live subscription (of one calendar); how many."""
        watches = self.store.watches(calendar_id)
        for watch in watches:
            self._post(watch, change, None)
        return len(watches)

    def _changed(self, calendar: Calendar, event: CalendarEvent, change: str) -> None:
        for watch in self.store.watches(calendar.id):
            if change in watch.extras.get("changeType", "").split(","):
                self._post(watch, change, event)

    def _post(self, watch: Watch, change: str, event: CalendarEvent | None) -> None:
        event_id = event.id if event else "AAMkAGI2TG93AAA" + secrets.token_hex(8)
        resource = f"Users/{watch.account_id}/Events/{event_id}"
        item: dict[str, Any] = {
            "subscriptionId": watch.id,
            "subscriptionExpirationDateTime": _stamp(watch.expires_at),
            "changeType": change, "resource": resource,
            "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource,
                             "@odata.etag": f'W/"DwAAABYAAAB{event.sequence if event else 0:08d}"',
                             "id": event_id},
            "clientState": watch.secret, "tenantId": self.calendars.tenant}
        self.notifier.send(watch.address, {"Content-Type": "application/json; charset=utf-8"},
                           json.dumps({"value": [item]}).encode())

    def _render(self, watch: Watch) -> dict[str, Any]:
        return {**context("subscriptions/$entity"), "id": watch.id,
                "resource": watch.extras["resource"],
                "applicationId": "3f6c1d2e-8a4b-4c5d-9e6f-7a8b9c0d1e2f",
                "changeType": watch.extras["changeType"], "clientState": watch.secret,
                "notificationUrl": watch.address,
                "notificationQueryOptions": None,
                "lifecycleNotificationUrl": watch.extras.get("lifecycleNotificationUrl"),
                "expirationDateTime": _stamp(watch.expires_at),
                "creatorId": watch.extras["creatorId"], "includeResourceData": None,
                "latestSupportedTlsVersion": "v1_2", "encryptionCertificate": None,
                "encryptionCertificateId": None, "notificationUrlAppId": None}


def _invalid(message: str) -> Response:
    return graph_error(400, "InvalidRequest", message)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond:06d}0Z"


def _expiry(value: Any) -> datetime | Response:
    try:
        expires = parse_instant(str(value))
    except ValueError:
        return _invalid("expirationDateTime is required.")
    now = datetime.now(UTC)
    if expires <= now:
        return _invalid("Subscription expiration must be in the future.")
    if expires > now + timedelta(minutes=MAX_MINUTES):
        return _invalid(f"Subscription expiration can only be {MAX_MINUTES} minutes in the "
                        f"future.")
    return expires


def _handshake(url: str, answer: Validator) -> str | None:
    """Graph's validation request; None when the receiver echoed the token in time."""
    token = f"Validation: Testing client application reachability for subscription Request-Id:" \
            f" {uuid.uuid4()}"
    started = time.monotonic()
    try:
        status, content_type, text = answer(url, token)
    except requests.RequestException:
        return "Notification endpoint must respond with 200 OK to validation request."
    if status != 200 or time.monotonic() - started > HANDSHAKE_TIMEOUT:
        return "Notification endpoint must respond with 200 OK to validation request."
    if not content_type.startswith("text/plain") or text != token:
        return "Response must exactly match validationToken query parameter."
    return None


def _over_http(url: str, token: str) -> tuple[int, str, str]:
    answer = requests.post(url, params={"validationToken": token}, timeout=HANDSHAKE_TIMEOUT,
                           headers={"Content-Type": "text/plain; charset=utf-8"})
    return answer.status_code, answer.headers.get("Content-Type", ""), answer.text
