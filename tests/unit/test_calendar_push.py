"""Graph's notifications at Penny's edge (chalicelib/functions/calendar_push.py): change
notifications sync the calendar; lifecycle notifications that end a subscription mark
its copy not fresh (`channel_ended`), and `missed` is synced like a change."""

from __future__ import annotations

import json
from typing import Any, cast

from chalicelib.functions import calendar_push
from chalicelib.functions.edge import EdgeRequest, Headers
from chalicelib.services.calendar_cache import CalendarCache


class Recording:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def notified(self, provider: str, watch_id: str, token: str) -> bool:
        self.calls.append(("notified", watch_id, token))
        return token == "state"

    def channel_ended(self, provider: str, watch_id: str, token: str) -> bool:
        self.calls.append(("ended", watch_id, token))
        return token == "state"


def post(cache: Recording, items: list[dict[str, Any]]) -> int:
    request = EdgeRequest("POST", {}, {}, Headers({"content-type": "application/json"}),
                          json.dumps({"value": items}).encode())
    return calendar_push.microsoft(cast(CalendarCache, cache), request).status_code


def test_lifecycle_notifications_end_the_channel_or_sync_as_graph_means_them() -> None:
    cache = Recording()

    status = post(cache, [
        {"subscriptionId": "s-1", "clientState": "state", "lifecycleEvent": "subscriptionRemoved"},
        {"subscriptionId": "s-2", "clientState": "state",
         "lifecycleEvent": "reauthorizationRequired"},
        {"subscriptionId": "s-3", "clientState": "state", "lifecycleEvent": "missed"},
        {"subscriptionId": "s-4", "clientState": "state", "changeType": "updated"}])

    assert status == 202
    assert sorted(cache.calls) == [("ended", "s-1", "state"), ("ended", "s-2", "state"),
                                   ("notified", "s-3", "state"), ("notified", "s-4", "state")]


def test_a_lifecycle_notification_with_another_client_state_is_refused() -> None:
    assert post(Recording(), [{"subscriptionId": "s-1", "clientState": "guess",
                               "lifecycleEvent": "subscriptionRemoved"}]) == 403
