"""A healed connection reaches its host's open dashboards: the provider sandbox breaks and
heals it through Penny's API, and the table's stream goes through the real stream handler
to the host's socket (tests/functional/realtime_wiring.py), and through the filter the
event source deploys."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.scopes import ZOOM
from chalicelib.store.stream import passes_filter
from sandbox.server import ProviderSandbox
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host, make_sandbox_host
from tests.functional.realtime_wiring import Wiring, invoke
from tests.functional.realtime_wiring import connect as open_socket
from tests.functional.test_connections import connect, expire_in_penny, status_of


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    """Asked for before `wiring`: setting the sandbox's providers up installs the API's
    services anew, and the realtime wiring after them."""
    return make_sandbox_host(api, sandbox, clock)


def deliver(api: Api, wiring: Wiring) -> list[dict[str, Any]]:
    """The stream's records since the last read, handed to the stream function; those the
    event source's filter would let through."""
    records = wiring.stream.read()
    invoke(api, "booking_events", {"Records": records})
    return [r for r in records if passes_filter(r["dynamodb"])]


def broken_zoom(api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect(api, host, "zoom")
    sandbox.revoke("zoom")
    sandbox.expire_access_tokens("zoom")
    expire_in_penny(api, host, clock)
    assert api.post("/me/connections/zoom/test", token=host).code == "connection_broken"


def test_a_reconnected_broken_connection_reaches_the_hosts_socket_as_repaired(
        api: Api, host: str, wiring: Wiring, sandbox: ProviderSandbox,
        clock: FixedClock) -> None:
    broken_zoom(api, host, sandbox, clock)
    other = make_host(api, slug="bob")
    open_socket(api, "alice-1", host)
    open_socket(api, "bob-1", other)
    deliver(api, wiring)
    assert wiring.sender.types("alice-1") == ["connection.broken"]

    connect(api, host, "zoom")
    passed = deliver(api, wiring)

    assert status_of(api, host, "zoom")["status"] == "connected"
    assert wiring.sender.types("alice-1") == ["connection.broken", "connection.repaired"]
    repaired = wiring.sender.sent["alice-1"][-1]
    assert repaired["connection"] == {"provider": "zoom", "status": "connected",
                                      "scopes": list(ZOOM[Feature.VIDEO]),
                                      "reconnected": True}
    assert wiring.sender.types("bob-1") == []
    # The reconnect's write is the one record of it the deployed filter lets through.
    assert [r["dynamodb"]["NewImage"]["status"]["S"] for r in passed] == ["connected"]


def test_a_write_that_keeps_a_connection_working_sends_nothing(
        api: Api, host: str, wiring: Wiring, sandbox: ProviderSandbox,
        clock: FixedClock) -> None:
    connect(api, host, "zoom")
    open_socket(api, "alice-1", host)
    deliver(api, wiring)
    sandbox.expire_access_tokens("zoom")
    expire_in_penny(api, host, clock)

    # A refresh: the lease, then the new tokens, written on the connection's item.
    assert api.post("/me/connections/zoom/test", token=host).status == 200
    # Connecting again over a working connection: a new grant, still working.
    connect(api, host, "zoom")
    passed = deliver(api, wiring)

    assert sandbox.grants("zoom")[0].refreshes == 1
    assert wiring.sender.types("alice-1") == []
    assert passed == []
