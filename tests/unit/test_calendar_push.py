"""Graph's notifications at Penny's edge (chalicelib/functions/calendar_push.py): change
notifications sync the calendar, with the events `deleted` ones name; lifecycle
notifications that end a subscription mark its copy not fresh (`channel_ended`), and
`missed` is synced like a change. A subscription Penny keeps, named with another
clientState, is refused (403); one Penny does not keep (an orphan Graph made after
Penny's POST timed out) is accepted and ignored (202), so Graph stops retrying it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from chalicelib.functions import calendar_push
from chalicelib.functions.edge import EdgeRequest, Headers
from chalicelib.services.calendar_cache import CalendarCache


class Recording:
    """Penny keeps subscriptions `s-1` to `s-4`, each made with clientState `state`."""

    def __init__(self) -> None:
        self.known = {"s-1", "s-2", "s-3", "s-4"}
        self.calls: list[tuple[str, str, str]] = []
        self.deleted: dict[str, list[str]] = {}   # subscription -> the events named deleted
        self.ends: dict[str, datetime | None] = {}  # subscription -> its end, as stated

    def notified(self, provider: str, watch_id: str, token: str,
                 deleted: Sequence[str] = (), expires: datetime | None = None) -> bool:
        self.calls.append(("notified", watch_id, token))
        self.deleted[watch_id] = list(deleted)
        self.ends[watch_id] = expires
        return watch_id in self.known and token == "state"

    def channel_ended(self, provider: str, watch_id: str, token: str) -> bool:
        self.calls.append(("ended", watch_id, token))
        return watch_id in self.known and token == "state"

    def knows_channel(self, provider: str, watch_id: str) -> bool:
        return watch_id in self.known


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


def test_a_change_of_a_kept_subscription_with_another_client_state_is_refused() -> None:
    assert post(Recording(), [{"subscriptionId": "s-2", "clientState": "guess",
                               "changeType": "updated"}]) == 403


def test_notifications_of_a_subscription_penny_does_not_keep_are_accepted_and_ignored(
        ) -> None:
    cache = Recording()

    changed = post(cache, [{"subscriptionId": "orphan", "clientState": "its-own",
                            "changeType": "updated"}])
    ended = post(cache, [{"subscriptionId": "orphan", "clientState": "its-own",
                          "lifecycleEvent": "reauthorizationRequired"}])

    assert (changed, ended) == (202, 202)   # Graph stops retrying them


def test_a_batch_naming_an_orphan_and_a_kept_subscription_with_a_wrong_state_is_refused(
        ) -> None:
    assert post(Recording(), [
        {"subscriptionId": "orphan", "clientState": "its-own", "changeType": "updated"},
        {"subscriptionId": "s-1", "clientState": "guess", "changeType": "updated"}]) == 403


def deleted(subscription: str, event_id: str, state: str = "state") -> dict[str, Any]:
    resource = f"Users/6f1c2a8e/Events/{event_id}"
    return {"subscriptionId": subscription, "clientState": state, "changeType": "deleted",
            "resource": resource, "resourceData": {"@odata.type": "#Microsoft.Graph.Event",
                                                   "@odata.id": resource, "id": event_id}}


def test_a_deleted_notification_hands_its_event_to_one_sync_of_its_subscription() -> None:
    cache = Recording()

    status = post(cache, [
        deleted("s-1", "AAMkAGI2-1="), deleted("s-1", "AAMkAGI2-2="),
        {"subscriptionId": "s-1", "clientState": "state", "changeType": "updated",
         "resourceData": {"id": "AAMkAGI2-3="}},
        {"subscriptionId": "s-2", "clientState": "state", "changeType": "created",
         "resourceData": {"id": "AAMkAGI2-4="}},
        {**deleted("s-3", "ignored"), "resourceData": None,
         "resource": "Users('6f1c2a8e')/Events('AAMkAGI2-5=')"}])

    assert status == 202
    assert sorted(cache.calls) == [("notified", "s-1", "state"), ("notified", "s-2", "state"),
                                   ("notified", "s-3", "state")]
    assert cache.deleted == {"s-1": ["AAMkAGI2-1=", "AAMkAGI2-2="], "s-2": [],
                             "s-3": ["AAMkAGI2-5="]}


def test_each_notification_hands_on_its_subscriptions_end_as_graph_states_it() -> None:
    # An orphan's is what Penny records when it adopts it (services/calendar_orphans.py).
    cache = Recording()

    post(cache, [{"subscriptionId": "orphan", "clientState": "its-own", "changeType": "updated",
                  "subscriptionExpirationDateTime": "2026-03-05T10:29:00.1234567Z"},
                 {"subscriptionId": "s-1", "clientState": "state", "changeType": "updated",
                  "subscriptionExpirationDateTime": "not a time"},
                 {"subscriptionId": "s-2", "clientState": "state", "changeType": "updated"}])

    assert cache.ends == {"orphan": datetime.fromisoformat("2026-03-05T10:29:00.123456+00:00"),
                          "s-1": None, "s-2": None}
