"""A provider token under a key id the container's ring lacks, end to end: through Penny's
API, the provider sandbox, the store on moto and the table's stream (what the host's
dashboards hear).

Sealed before the container read its ring, the key was retired while the token still
used it: the connection is broken, once, and the host is told live. Sealed after (a key
rotation rolling out, the container older than the key), another container opens it:
the use is a "try again" and nothing is marked. An item written before Penny recorded
when it was sealed stays a "try again", as it always was.

Each `rebuild` is a container starting with the ring it read, and when it read it; when
the tokens were sealed is set on the item by hand (the session's access token would
expire if the clock moved hours on).
"""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

import pytest

from chalicelib import bootstrap
from chalicelib.store.items import ConnectionItem
from sandbox.server import ProviderSandbox
from sandbox.testing import consent
from tests.functional.conftest import Api, FixedClock, rebuild
from tests.functional.hosts import make_sandbox_host
from tests.functional.realtime_wiring import Stream
from tests.functional.test_connections import (
    broken_events,
    come_back,
    connect,
    start,
    status_of,
)

NEW_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def item(api: Api, host: str, provider: str) -> ConnectionItem:
    host_id = api.get("/me/profile", token=host).json["id"]
    return ConnectionItem.get(f"CONNECTIONS#{host_id}", f"PROVIDER#{provider}")


def sealed_then_key_gone(api: Api, host: str, clock: FixedClock, provider: str,
                         sealed_ago: timedelta, ring_read_ago: timedelta | None) -> None:
    """`provider` connected, its tokens sealed `sealed_ago` (under the development key);
    then a container whose ring holds only a new key, read `ring_read_ago` (None: when,
    not known)."""
    connect(api, host, provider)
    item(api, host, provider).update(
        actions=[ConnectionItem.sealed_at.set(clock.now() - sealed_ago)])
    rebuild(token_keys={"new-1": NEW_KEY}, token_active_kid="new-1",
            token_keys_read_at=None if ring_read_ago is None else clock.now() - ring_read_ago)


@pytest.mark.parametrize("provider", ["google", "zoom"])
def test_a_connection_sealed_under_a_key_retired_before_this_container_started_is_broken_once(
        api: Api, host: str, clock: FixedClock, provider: str,
        caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a connection not used since its key was retired: sealed an hour before this
    # container read a ring without that key
    sealed_then_key_gone(api, host, clock, provider, sealed_ago=timedelta(hours=1),
                         ring_read_ago=timedelta(minutes=10))
    stream = Stream()
    stream.read()
    caplog.set_level(logging.WARNING, logger="penny.connections")

    # WHEN it is used
    r = api.post(f"/me/connections/{provider}/test", token=host)

    # THEN it is broken (the host reconnects), and the host's dashboards are told (the
    # stream's `connection.broken`)
    assert (r.status, r.code) == (409, "connection_broken"), r.body
    shown = status_of(api, host, provider)
    assert shown["status"] == "broken" and "reconnect" in shown["broken_reason"]
    assert [(e.connection or {}).get("provider") for e in broken_events(stream)] == [provider]
    assert retired_lines(caplog) == 1  # the operator learns which key went too soon
    # Used again, it is broken already: not marked twice, nothing more said
    clock.advance(minutes=1)
    again = api.post(f"/me/connections/{provider}/test", token=host)
    assert (again.status, again.code) == (409, "connection_broken")
    assert status_of(api, host, provider)["broken_at"] == shown["broken_at"]
    assert broken_events(stream) == []
    assert retired_lines(caplog) == 1


def retired_lines(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if "'dev-1' is not in the key ring" in r.getMessage()
               and "retired" in r.getMessage())


def test_a_connection_broken_by_a_retired_key_works_again_once_reconnected(
        api: Api, host: str, clock: FixedClock) -> None:
    sealed_then_key_gone(api, host, clock, "zoom", sealed_ago=timedelta(hours=1),
                         ring_read_ago=timedelta(minutes=10))
    assert api.post("/me/connections/zoom/test", token=host).code == "connection_broken"

    connect(api, host, "zoom")

    r = api.post("/me/connections/zoom/test", token=host)
    assert (r.status, r.json["status"]) == (200, "connected"), r.body


def test_a_connection_sealed_a_day_ago_under_a_key_this_container_lacks_is_broken(
        api: Api, host: str, clock: FixedClock) -> None:
    # GIVEN a container that does not say when it read its ring (its start unknown) and
    # lacks the key a connection was sealed under more than a day ago: longer than any
    # container older than a key may serve (the rotation's wait)
    sealed_then_key_gone(api, host, clock, "zoom", sealed_ago=timedelta(days=1, minutes=1),
                         ring_read_ago=None)

    r = api.post("/me/connections/zoom/test", token=host)

    assert (r.status, r.code) == (409, "connection_broken"), r.body


@pytest.mark.parametrize("provider", ["google", "zoom"])
def test_a_connection_sealed_under_a_key_newer_than_this_container_is_a_retry_not_broken(
        api: Api, host: str, clock: FixedClock, provider: str) -> None:
    # GIVEN an old warm container (its ring read an hour ago, before the new key was
    # added) and a new one, which seals the connection's tokens under the new key
    connect(api, host, provider)
    old = dict(bootstrap.services().settings.token_keys)
    old_kid = bootstrap.services().settings.token_active_kid
    old_started = clock.now() - timedelta(hours=1)
    new_ring = {"new-1": NEW_KEY, **old}
    rebuild(token_keys=new_ring, token_active_kid="new-1", token_keys_read_at=clock.now())
    assert api.post(f"/me/connections/{provider}/test", token=host).status == 200  # resealed
    stream = Stream()
    stream.read()

    # WHEN the old container meets them
    rebuild(token_keys=old, token_active_kid=old_kid, token_keys_read_at=old_started)
    r = api.post(f"/me/connections/{provider}/test", token=host)

    # THEN it says "try again", marks nothing, and a container with the key works
    assert (r.status, r.code) == (503, "provider_unavailable"), r.body
    assert status_of(api, host, provider)["status"] == "connected"
    assert broken_events(stream) == []
    rebuild(token_keys=new_ring, token_active_kid="new-1", token_keys_read_at=clock.now())
    assert api.post(f"/me/connections/{provider}/test", token=host).status == 200


def test_a_connection_saved_before_penny_recorded_when_it_was_sealed_stays_a_retry(
        api: Api, host: str, clock: FixedClock) -> None:
    # GIVEN a connection item written before this change (no `sealed_at`), whose key is
    # gone from the ring of a container that started since
    connect(api, host, "zoom")
    item(api, host, "zoom").update(actions=[ConnectionItem.sealed_at.remove()])
    rebuild(token_keys={"new-1": NEW_KEY}, token_active_kid="new-1",
            token_keys_read_at=clock.now())

    r = api.post("/me/connections/zoom/test", token=host)

    # THEN when it was sealed is not known, so it may be a newer key: "try again"
    assert (r.status, r.code) == (503, "provider_unavailable"), r.body
    assert status_of(api, host, "zoom")["status"] == "connected"


# ---- an OAuth round trip in flight (its PKCE verifier sealed at rest) ----------------------


def test_a_round_trip_whose_verifier_an_old_container_cannot_open_says_start_again(
        api: Api, host: str, clock: FixedClock) -> None:
    # GIVEN a round trip started on a new container, its verifier sealed under the new
    # key, and come back to an old container that lacks it (the key made to seal too soon)
    old = dict(bootstrap.services().settings.token_keys)
    old_kid = bootstrap.services().settings.token_active_kid
    rebuild(token_keys={"new-1": NEW_KEY, **old}, token_active_kid="new-1",
            token_keys_read_at=clock.now())
    url, cookie = start(api, host, "zoom")
    location = consent(url)
    rebuild(token_keys=old, token_active_kid=old_kid,
            token_keys_read_at=clock.now() - timedelta(hours=1))

    back = come_back(api, location, cookie)

    # THEN the host starts again from Penny, as after an expired round trip (the state is
    # taken by then: a state is single-use), and nothing is connected
    assert back.status == 400 and b"start again" in back.body
    assert status_of(api, host, "zoom")["status"] == "not_connected"
