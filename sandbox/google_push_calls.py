"""The fake Google Calendar API's push: events.watch and channels.stop, and Google's
empty-body notification POSTed to each live channel of a calendar that changed (the
`sync` message a new channel gets first, then `exists`)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from werkzeug.wrappers import Request, Response

from sandbox.calendar_model import Calendar, CalendarEvent
from sandbox.calendar_store import Watch
from sandbox.google_calendar_gate import GoogleCalendarGate
from sandbox.google_events import default_ttl, error, expiry_ms
from sandbox.notifier import Notifier
from sandbox.wire import json_response

_PROJECT = "penny-sandbox"


class GooglePushCalls(GoogleCalendarGate):
    notifier: Notifier

    def watch(self, request: Request, calendar_id: str) -> Response:
        called = self._calendar_call(request, "events.watch", calendar_id)
        if isinstance(called, Response):
            return called
        grant, calendar = called
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
