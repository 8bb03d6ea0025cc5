"""Push notifications from the hosts' calendars: Google's channel messages and Microsoft
Graph's change notifications, each trusted only with the token its channel was made with.

Google posts no body: the channel id, its token and the resource state come as headers
(`X-Goog-Channel-ID`, `X-Goog-Channel-Token`, `X-Goog-Resource-State`); the first message
of a channel says `sync` and means nothing changed. Graph first validates the address
(`?validationToken=...`, echoed as plain text), then posts JSON batches, each
notification carrying the subscription id and the `clientState` Penny chose; one of
`changeType` `deleted` names the event in `resourceData.id` (and at the end of its
`resource` path), so Penny can flag the booking whose event the host deleted. A message
whose token is not its channel's changes nothing and is answered 403; a genuine one
syncs the calendar's copy, or marks it not fresh when that fails
(services/calendar_pushes.py). A Graph batch naming only subscriptions Penny does not keep
is answered 202: Graph retries any other answer for up to 4 hours, and cancels a
subscription on no answer code. One such is an orphan Graph made while Penny's POST went
unanswered: each POST is recorded before it is made, found by the hash of its
clientState (store/calendar_watch_attempts.py), so the orphan is known as the attempt's
by its clientState alone, and is adopted as its calendar's subscription when that
calendar has none (the POST's answer was lost), else deleted at Graph, once
(services/calendar_orphans.py). Any other (one Penny stopped, a clientState that matches
no attempt) changes nothing.
A batch whose deleted event's booking could not be flagged while other transactions held
it is answered 503 (`booking_contention`, Retry-After), so Graph sends it again; what else
it said was done, and is done again harmlessly.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chalice import Response

from chalicelib.domain.errors import BookingContentionError
from chalicelib.functions.edge import EdgeRequest
from chalicelib.functions.edge_responses import echo_query, empty
from chalicelib.functions.errors import error_response
from chalicelib.services.calendar_cache import CalendarCache

log = logging.getLogger("penny.calendars")
ENDED = frozenset({"subscriptionRemoved", "reauthorizationRequired"})
CONTENDED_RETRY_AFTER = 5  # seconds: a booking's other transactions end within one
# Penny's Google channel ids have 32 characters and Graph's subscription ids are GUIDs:
# a longer one names no channel, and as a key DynamoDB would refuse it (over 2 KB: a 500).
MAX_CHANNEL_ID = 200
# The event at the end of a notification's `resource`: `Users/{id}/Events/{id}`, or
# `Users('{id}')/Events('{id}')` as Graph also writes it.
_EVENT = re.compile(r"/events(?:/|\('?)([^/'()]+)'?\)?$", re.IGNORECASE)


def _refused() -> Response:
    return error_response(403, "unknown_channel",
                          "no calendar is watched with this channel and token")


def google(cache: CalendarCache, request: EdgeRequest) -> Response:
    channel = request.headers.get("X-Goog-Channel-ID")
    token = request.headers.get("X-Goog-Channel-Token")
    if not channel or token is None:
        return error_response(400, "bad_request", "not a Google Calendar channel message")
    if request.headers.get("X-Goog-Resource-State") == "sync":
        return empty(200)  # the channel's first message: nothing changed yet
    if len(channel) > MAX_CHANNEL_ID:
        return _refused()
    return empty(200) if cache.notified("google", channel, token) else _refused()


def microsoft(cache: CalendarCache, request: EdgeRequest) -> Response:
    shaken = echo_query("validationToken")(request)
    if shaken is not None:
        return shaken
    try:
        batch: Any = json.loads(request.body)
        notifications = batch["value"]
        items = [(str(n.get("lifecycleEvent") or ""), _subscription(n),
                  str(n.get("clientState") or ""), _deleted_event(n)) for n in notifications]
        # Each subscription's end as Graph states it: adopting an orphan records it.
        ends = {(_subscription(n), str(n.get("clientState") or "")):
                _instant(n.get("subscriptionExpirationDateTime")) for n in notifications}
    # Deep nesting ("[" * 5000) overflows the parser, and RecursionError is no ValueError.
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return error_response(400, "bad_request", "not a Microsoft Graph notification")
    pairs = [(sid, state) for _, sid, state, _ in items]
    # Lifecycle notifications: a subscription Graph removed (or will, unless
    # reauthorized) no longer keeps the copy fresh; `missed` is a change not delivered.
    ended = dict.fromkeys((sid, state) for kind, sid, state, _ in items if kind in ENDED)
    # Each subscription's changes, with the events they say were deleted: one sync each.
    changed: dict[tuple[str, str], list[str]] = {}
    for kind, sid, state, gone in items:
        if kind not in ENDED and (sid, state) not in ended:
            changed.setdefault((sid, state), []).extend([gone] if gone else [])
    accepted = [cache.channel_ended("microsoft", sid, state) for sid, state in ended]
    contended = False
    for (sid, state), deleted in changed.items():
        try:
            accepted.append(cache.notified("microsoft", sid, state, deleted,
                                           ends[(sid, state)]))
        except BookingContentionError:
            contended = True  # the copy marked not fresh; the flag needs Graph to resend
    if contended:
        return error_response(503, "booking_contention", "a booking this notification names "
                              "is being changed elsewhere; send it again",
                              headers={"Retry-After": str(CONTENDED_RETRY_AFTER)})
    if pairs and not any(accepted) and any(
            cache.knows_channel("microsoft", sid) for sid, _ in pairs):
        return _refused()  # a subscription Penny keeps, and not its clientState
    # Accepted, or of subscriptions Penny does not keep (an orphan adopted or deleted by
    # `notified`, one stopped since, a forgery): 202 ends Graph's retries of them.
    return empty(202)


def _subscription(notification: Mapping[str, Any]) -> str:
    """The subscription a notification names; ValueError for an id no subscription has."""
    sid = str(notification["subscriptionId"])
    if len(sid) > MAX_CHANNEL_ID:
        raise ValueError("not a subscription id")
    return sid


def _instant(value: Any) -> datetime | None:
    """Graph's `subscriptionExpirationDateTime` (seven fractional digits, `Z`); None
    when absent or not a time."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _deleted_event(notification: Mapping[str, Any]) -> str | None:
    """The id of the event a `deleted` change notification names; None for another
    (a lifecycle notification has no `changeType`)."""
    if notification.get("changeType") != "deleted":
        return None
    data = notification.get("resourceData")
    if isinstance(data, Mapping) and data.get("id"):
        return str(data["id"])
    found = _EVENT.search(str(notification.get("resource") or ""))
    return found.group(1) if found else None
