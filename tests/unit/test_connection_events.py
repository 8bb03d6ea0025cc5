"""A host's connection as their dashboards hear of it: broken, and repaired, decided from
the stream record's old and new images of the connection's item.

Records are built the way Lambda delivers them (the item's images in DynamoDB JSON),
stamped 2026-03-02T12:00:00Z. Alice and Bob each have a dashboard open.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.connections import ConnectionStatus
from chalicelib.domain.events import Event, EventKind
from chalicelib.integrations.jwt_tokens import JwtAccessTokens
from chalicelib.services.access_tokens import AccessClaims
from chalicelib.services.fanout import Fanout
from chalicelib.services.realtime import Realtime
from chalicelib.services.tickets import RealtimeTickets
from chalicelib.store.items import ConnectionItem
from chalicelib.store.queues import WORKER_TYPES
from chalicelib.store.stream import events_of
from tests.unit.fakes import FakeEventBus, FakeLogins, FakeSender, FakeSockets, FixedClock

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
CONNECTED, BROKEN, PENDING = (s.value for s in (
    ConnectionStatus.CONNECTED, ConnectionStatus.BROKEN, ConnectionStatus.PENDING))


def zoom(status: str, host_id: str = "host-alice", grant_id: str = "grant-1",
         tokens_version: int = 1, provider: str = "zoom") -> dict[str, Any]:
    """A Zoom connection's item (or `provider`'s) as store/connections.py writes it."""
    broken = status == BROKEN
    item = ConnectionItem(
        f"CONNECTIONS#{host_id}", f"PROVIDER#{provider}", host_id=host_id, provider=provider,
        grant_id=grant_id, account_id="zoom-user-1", account_label="ada@sandbox.test",
        scopes=["meeting:write:meeting"], connected_at=NOW - timedelta(days=3),
        status=status, broken_reason="Zoom refused the refresh" if broken else None,
        broken_at=NOW - timedelta(hours=1) if broken else None,
        access_token="v1.k1.sealed-access", refresh_token="v1.k1.sealed-refresh",
        token_expires_at=NOW + timedelta(hours=1), tokens_version=tokens_version)
    return dict(item.serialize())


def record(change_id: str, new: dict[str, Any] | None, old: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    change: dict[str, Any] = {"ApproximateCreationDateTime": NOW.timestamp()}
    if new is not None:
        change["NewImage"] = new
    if old is not None:
        change["OldImage"] = old
    return {"eventID": change_id, "dynamodb": change}


def test_a_broken_connection_that_works_again_is_repaired_once() -> None:
    (repaired,) = events_of(record("c-1", zoom(CONNECTED, grant_id="grant-2"),
                                   zoom(BROKEN, grant_id="grant-1")))

    assert repaired.type is EventKind.CONNECTION_REPAIRED
    assert repaired.host_id == "host-alice"
    assert repaired.to_json()["connection"] == {"provider": "zoom", "status": "connected",
                                                "scopes": ["meeting:write:meeting"],
                                                "reconnected": True}
    assert repaired.booking == {}
    # The same record delivered again is the same event (its id comes from the record).
    assert events_of(record("c-1", zoom(CONNECTED, grant_id="grant-2"),
                            zoom(BROKEN, grant_id="grant-1"))) == [repaired]


def test_a_late_refresh_saved_over_a_refused_ones_mark_is_repaired() -> None:
    (repaired,) = events_of(record("c-1", zoom(CONNECTED, tokens_version=3),
                                   zoom(BROKEN, tokens_version=2)))

    assert repaired.type is EventKind.CONNECTION_REPAIRED
    # The same grant: no reconnect caught the host's bookings up (the calendar worker does)
    assert repaired.connection is not None and repaired.connection["reconnected"] is False


def test_a_repair_reads_back_from_the_json_a_worker_is_pushed_and_names_its_provider() -> None:
    (repaired,) = events_of(record("c-1", zoom(CONNECTED, tokens_version=3),
                                   zoom(BROKEN, tokens_version=2)))
    sent = json.loads(json.dumps(repaired.to_json()))

    assert Event.from_json(sent) == repaired
    with pytest.raises(ValueError, match="names no provider"):
        Event.from_json({**sent, "connection": {"status": "connected"}})


def test_a_stripe_account_made_again_after_a_break_is_repaired_as_pending() -> None:
    (repaired,) = events_of(record("c-1", zoom(PENDING, grant_id="grant-2", provider="stripe"),
                                   zoom(BROKEN, provider="stripe")))

    assert repaired.connection == {"provider": "stripe", "status": "pending",
                                   "scopes": ["meeting:write:meeting"], "reconnected": True}


@pytest.mark.parametrize(("new", "old"), [
    (zoom(CONNECTED, tokens_version=2), zoom(CONNECTED)),
    (zoom(BROKEN), zoom(BROKEN)),
    (zoom(CONNECTED), None),
    (None, zoom(BROKEN)),
    (zoom(CONNECTED, provider="stripe"), zoom(PENDING, provider="stripe")),
], ids=["connected, refreshed", "broken, written again", "new connection",
        "broken, disconnected", "set-up finished"])
def test_a_write_that_does_not_take_a_connection_out_of_broken_is_no_repair(
        new: dict[str, Any] | None, old: dict[str, Any] | None) -> None:
    assert events_of(record("c-1", new, old)) == []


def test_a_connection_turning_broken_is_still_told_broken() -> None:
    (broken,) = events_of(record("c-1", zoom(BROKEN), zoom(CONNECTED)))

    assert broken.type is EventKind.CONNECTION_BROKEN
    assert broken.connection == {"provider": "zoom", "status": "broken",
                                 "reason": "Zoom refused the refresh",
                                 "scopes": ["meeting:write:meeting"]}


class Dashboards:
    """Alice's and Bob's open dashboards, behind the real Realtime service."""

    def __init__(self) -> None:
        clock = FixedClock(NOW)
        self.sender = FakeSender()
        logins = FakeLogins({"alice-token": AccessClaims("host-alice", "login-a"),
                             "bob-token": AccessClaims("host-bob", "login-b")})
        tickets = RealtimeTickets(JwtAccessTokens(
            {"k1": "unit-test-key-0123456789abcdef"}, "k1", "penny", "penny-realtime",
            timedelta(seconds=60)), clock)
        self.realtime = Realtime(FakeSockets(), self.sender, logins, clock, tickets)
        self.realtime.connect("alice-1", "alice-token")
        self.realtime.connect("bob-1", "bob-token")

    def heard(self, socket_id: str) -> list[dict[str, Any]]:
        return [json.loads(m) for m in self.sender.sent.get(socket_id, [])]


def test_a_repair_goes_to_its_hosts_dashboards_only_and_to_the_calendar_worker() -> None:
    dashboards, bus = Dashboards(), FakeEventBus()

    Fanout(bus, dashboards.realtime, events_of, WORKER_TYPES).handle(
        [record("c-1", zoom(CONNECTED, grant_id="grant-2"), zoom(BROKEN))])

    (heard,) = dashboards.heard("alice-1")
    assert (heard["type"], heard["connection"]) == (
        "connection.repaired", {"provider": "zoom", "status": "connected",
                                "scopes": ["meeting:write:meeting"], "reconnected": True})
    assert dashboards.heard("bob-1") == []
    # The calendar worker catches up what a break left behind (services/calendar_sync.py)
    assert [e.type for e in bus.published] == [EventKind.CONNECTION_REPAIRED]
