"""An Outlook calendar's Graph subscription, asked of the calendar worker by a slots
page's short sync and made by the worker (services/calendar_records.py): over the
booking-events topic the local stack provisions (moto), with the API's own table, and
the sandbox's Graph, whose subscription POST waits on the validation of Penny's address
(answered by Penny's own handler: Penny serves no port here). A POST whose answer was
lost leaves Graph's subscription unrecorded (an orphan): its notifications, known by
their clientState, adopt it or delete it at Graph (services/calendar_orphans.py). A copy
Graph pushes to is trusted until the subscription ends, but not past the host's change
of zone, which its all-day events were placed by (domain/calendar_trust.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.domain.calendar_cache import CACHE_TTL, CalendarRef
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.sns import LazyEventBus
from chalicelib.services.calendar_cache import CalendarCache
from chalicelib.store.calendar_cache import CalendarCacheRepository
from chalicelib.store.queues import QUEUES, TOPIC
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.realtime_wiring import Wiring
from tests.functional.test_calendars import (
    deliver,
    host_id,
    local_starts,
    next_weekday,
    outlook_day_off,
    run_watch_jobs,
)
from tests.functional.test_connections import connect
from tests.functional.test_outlook_event_removed import validated_by_penny


@pytest.fixture
def outlook_host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> Iterator[str]:
    """A host with Outlook connected (its calendar counted, synced, not subscribed to:
    the API's sync on connecting asks the worker, and no topic is wired to the API)."""
    token = make_sandbox_host(api, sandbox, clock)
    sandbox.answer_validations(validated_by_penny)
    try:
        connect(api, token, "microsoft")
        assert sandbox.watches("microsoft") == []
        yield token
    finally:
        sandbox.answer_validations(None)


def cache_on_topic(wiring: Wiring) -> CalendarCache:
    """The API's calendar cache, publishing its asks to the provisioned topic."""
    sns = boto3.client("sns", region_name="us-east-1")
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"]
                 if t["TopicArn"].endswith(f"penny-test-{TOPIC}"))
    return replace(bootstrap.services().calendars, asks=LazyEventBus("us-east-1", topic))


def calendar_queue(wiring: Wiring) -> list[dict[str, Any]]:
    """What SNS delivered to the calendar worker's subscription: the events."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    got = sqs.receive_message(QueueUrl=wiring.queues["calendar"], MaxNumberOfMessages=10)
    return [json.loads(json.loads(m["Body"])["Message"]) for m in got.get("Messages", [])]


def test_stale_outlook_pages_ask_the_worker_once_over_the_topic_and_it_subscribes(
        api: Api, sandbox: ProviderSandbox, outlook_host: str, clock: FixedClock,
        wiring: Wiring) -> None:
    host = host_id(api, outlook_host)
    cache = cache_on_topic(wiring)
    outlook = CalendarRef("microsoft", sandbox.calendars("microsoft")[0].id)
    week = TimeRange(clock.now(), clock.now() + timedelta(days=7))

    # WHEN two slots pages in a row find the copy stale (no channel: a short expiry)
    for _ in range(2):
        clock.advance(seconds=CACHE_TTL.total_seconds() + 1)
        state = CalendarCacheRepository().setup(host).state(outlook)
        assert state is not None
        assert outlook in cache.refresh(host, [state], week)   # synced in time

    # THEN neither posted a subscription, and the worker was asked once
    assert sandbox.watches("microsoft") == []
    (asked,) = calendar_queue(wiring)
    assert asked["type"] == "calendar.watch_requested" and asked["host_id"] == host
    assert asked["connection"]["calendar"] == outlook.key

    # AND the worker, given the message as SNS pushes it, makes the subscription
    spec = next(s for s in QUEUES if s.name == "calendar")
    bootstrap.build_worker(bootstrap.core(), spec).process(json.dumps(asked))
    (made,) = sandbox.watches("microsoft")
    listed = api.get("/me/calendars", token=outlook_host).json["calendars"]
    assert next(c for c in listed if c["key"] == outlook.key)["push"] is True
    watched = CalendarCacheRepository().setup(host).state(outlook)
    assert watched is not None and watched.watch_id == made.id
    assert watched.watch_asked_at is None


def test_a_kept_subscriptions_notification_with_another_client_state_is_refused(
        api: Api, sandbox: ProviderSandbox, outlook_host: str) -> None:
    assert run_watch_jobs(api, outlook_host) == 1
    (made,) = sandbox.watches("microsoft")

    def notify(state: str) -> Any:
        return api.post("/webhooks/calendar/microsoft", {"value": [{
            "subscriptionId": made.id, "clientState": state, "changeType": "updated",
            "resource": "me/events/1"}]})

    forged, genuine = notify("guess"), notify(str(made.secret))

    assert (forged.status, forged.code) == (403, "unknown_channel")
    assert genuine.status == 202


def outlook_state(api: Api, sandbox: ProviderSandbox, token: str) -> Any:
    outlook = CalendarRef("microsoft", sandbox.calendars("microsoft")[0].id)
    return CalendarCacheRepository().setup(host_id(api, token)).state(outlook)


def orphaned(api: Api, sandbox: ProviderSandbox, token: str) -> str:
    """The worker's POST makes the subscription at Graph, and its answer is lost (a
    gateway gave up: as a timeout, Penny hears nothing of it); the orphan's id."""
    sandbox.lose_next_answers("microsoft", "subscriptions.create")
    assert run_watch_jobs(api, token) == 0
    (orphan,) = sandbox.watches("microsoft")
    assert outlook_state(api, sandbox, token).watch_id is None
    return orphan.id


def test_a_subscription_whose_post_answer_was_lost_is_adopted_when_it_notifies(
        api: Api, sandbox: ProviderSandbox, outlook_host: str) -> None:
    orphan = orphaned(api, sandbox, outlook_host)

    # WHEN it notifies a change (delivered twice, as Graph may)
    assert sandbox.notify("microsoft") == 1
    sent = deliver(api, sandbox, "microsoft")
    deliver(api, sandbox, "microsoft", sent - 1)

    # THEN it is the calendar's subscription, and the only one
    assert [w.id for w in sandbox.watches("microsoft")] == [orphan]
    state = outlook_state(api, sandbox, outlook_host)
    assert state.watch_id == orphan and state.watch_asked_at is None
    listed = api.get("/me/calendars", token=outlook_host).json["calendars"]
    assert next(c for c in listed if c["key"] == state.ref.key)["push"] is True
    assert sandbox.api_calls("microsoft", "subscriptions.delete") == 0
    assert run_watch_jobs(api, outlook_host) == 0   # nothing more to make


def test_an_orphan_stating_an_implausible_end_is_adopted_until_graphs_longest(
        api: Api, sandbox: ProviderSandbox, outlook_host: str, clock: FixedClock) -> None:
    orphan = orphaned(api, sandbox, outlook_host)
    (made,) = sandbox.watches("microsoft")

    # WHEN its notification states an end no subscription has (the year 9999)
    answer = api.post("/webhooks/calendar/microsoft", {"value": [{
        "subscriptionId": orphan, "clientState": str(made.secret), "changeType": "updated",
        "resource": "me/events/1",
        "subscriptionExpirationDateTime": "9999-12-31T23:59:59.9999999Z"}]})

    # THEN it is adopted (not a 500), trusted as push for Graph's longest from now
    assert answer.status == 202
    state = outlook_state(api, sandbox, outlook_host)
    assert state.watch_id == orphan
    assert state.watch_expires_at == clock.now() + timedelta(minutes=4230)


def test_an_orphan_of_a_calendar_subscribed_to_since_is_deleted_at_graph_once(
        api: Api, sandbox: ProviderSandbox, outlook_host: str, clock: FixedClock) -> None:
    orphan = orphaned(api, sandbox, outlook_host)
    clock.advance(seconds=60)
    assert run_watch_jobs(api, outlook_host) == 1   # asked again: this POST answers
    (kept,) = (w.id for w in sandbox.watches("microsoft") if w.id != orphan)

    # WHEN both notify, and Graph delivers them again
    assert sandbox.notify("microsoft") == 2
    deliver(api, sandbox, "microsoft")
    deliver(api, sandbox, "microsoft")

    # THEN the orphan is deleted at Graph, once, and the recorded one stays
    assert [w.id for w in sandbox.watches("microsoft")] == [kept]
    assert outlook_state(api, sandbox, outlook_host).watch_id == kept
    assert sandbox.api_calls("microsoft", "subscriptions.delete") == 1


def test_a_forged_notification_with_an_unknown_id_and_client_state_changes_nothing(
        api: Api, sandbox: ProviderSandbox, outlook_host: str) -> None:
    orphan = orphaned(api, sandbox, outlook_host)
    before = outlook_state(api, sandbox, outlook_host)

    forged = api.post("/webhooks/calendar/microsoft", {"value": [{
        "subscriptionId": "0d1f6a2b-forged", "clientState": "guess", "changeType": "updated",
        "resource": "me/events/1", "subscriptionExpirationDateTime": "2026-12-31T00:00:00Z"}]})

    assert forged.status == 202
    assert [w.id for w in sandbox.watches("microsoft")] == [orphan]
    assert outlook_state(api, sandbox, outlook_host) == before
    assert sandbox.api_calls("microsoft", "subscriptions.delete") == 0
    # AND the orphan's own notification still finds its attempt, and is adopted
    assert sandbox.notify("microsoft") == 1
    deliver(api, sandbox, "microsoft")
    assert outlook_state(api, sandbox, outlook_host).watch_id == orphan


def test_a_subscribed_outlook_copy_is_read_again_when_the_host_changes_zone(
        api: Api, sandbox: ProviderSandbox, outlook_host: str, clock: FixedClock) -> None:
    # GIVEN a host in Honolulu whose Outlook calendar Graph pushes to, with a day off
    # (midnight to midnight UTC) synced by its notification: placed in Honolulu
    assert api.put("/me/profile", f.profile(timezone="Pacific/Honolulu"),
                   token=outlook_host).status == 200
    assert run_watch_jobs(api, outlook_host) == 1
    day = next_weekday(clock)
    outlook_day_off(sandbox, day)
    deliver(api, sandbox, "microsoft")
    assert local_starts(api, day, "Pacific/Honolulu") == []

    # WHEN the host moves to London, and an hour on (the subscription lives, and nothing
    # changed at Graph) their page is read
    assert api.put("/me/profile", f.profile(timezone="Europe/London"),
                   token=outlook_host).status == 200
    clock.advance(seconds=3600)

    # THEN the date is a day off in London too
    assert local_starts(api, day, "Europe/London") == []
