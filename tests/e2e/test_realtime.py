"""Live events over a real WebSocket from the running local stack."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chalicelib.services.realtime import CONNECTING, MAX_SOCKETS_PER_HOST
from tests.e2e.conftest import LocalStack
from tests.e2e.hosts import new_host

pytestmark = pytest.mark.e2e


def tomorrow_at(hour: int) -> str:
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


def book(stack: LocalStack, slug: str, start: str) -> None:
    r = requests.post(f"{stack.api_url}/hosts/{slug}/call/bookings", timeout=30, json={
        "start": start, "attendee": {"name": "Ada", "email": "ada@example.com",
                                     "timezone": "Europe/London"}})
    assert r.status_code == 201, r.text


async def receive_until(ws: Any, last: str, within: float = 30.0) -> list[dict[str, Any]]:
    """Messages up to and including the first of type `last`. The deadline only bounds a
    failure; how fast events arrive is bench/realtime.py's to measure, not a test's."""
    got: list[dict[str, Any]] = []

    async def collect() -> None:
        while not got or got[-1].get("type") != last:
            got.append(json.loads(await ws.recv()))

    await asyncio.wait_for(collect(), within)
    return got


def test_host_dashboard_gets_its_booking_and_others_get_nothing(stack: LocalStack) -> None:
    alice, alice_auth = new_host(stack, "ws", {"slug": "call", "title": "Call",
                                               "duration_minutes": 30})
    _, bob_auth = new_host(stack, "ws", {"slug": "call", "title": "Call",
                                         "duration_minutes": 30})

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        alice_token = alice_auth.removeprefix("Bearer ")
        bob_token = bob_auth.removeprefix("Bearer ")
        async with connect(f"{stack.ws_url}/?token={alice_token}") as ws_alice, \
                connect(stack.ws_url, subprotocols=["penny.bearer", bob_token]) as ws_bob:
            assert ws_bob.subprotocol == "penny.bearer"
            await asyncio.to_thread(book, stack, alice, tomorrow_at(10))
            alice_events = await receive_until(ws_alice, "booking.confirmed")
            # Bob's socket as a barrier, not a pause: his pong comes after anything that
            # was pushed to him while Alice's events went out.
            await ws_bob.send(json.dumps({"action": "ping"}))
            return alice_events, await receive_until(ws_bob, "pong")

    alice_events, bob_events = asyncio.run(scenario())

    assert [e["type"] for e in alice_events] == ["booking.created", "booking.confirmed"]
    assert bob_events == [{"type": "pong"}]


def test_bad_token_is_refused_at_the_handshake(stack: LocalStack) -> None:
    async def attempt() -> None:
        async with connect(f"{stack.ws_url}/?token=not-a-token"):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(attempt())
    assert refused.value.response.status_code == 403


def test_ping_gets_a_pong(stack: LocalStack) -> None:
    _, auth = new_host(stack, "ws")

    async def ping() -> dict[str, Any]:
        async with connect(f"{stack.ws_url}/?token={auth.removeprefix('Bearer ')}") as ws:
            await ws.send(json.dumps({"action": "ping"}))
            return dict(json.loads(await asyncio.wait_for(ws.recv(), 30.0)))

    assert asyncio.run(ping()) == {"type": "pong"}


def test_a_dashboard_reloaded_past_the_bound_gets_a_live_socket_once_its_old_tabs_are_found_closed(
        stack: LocalStack) -> None:
    # The walkthrough's lockout: ten reloads leave ten records, nine of closed sockets.
    slug, auth = new_host(stack, "ws", {"slug": "call", "title": "Call",
                                        "duration_minutes": 30})

    def ticket() -> list[str]:
        r = requests.post(f"{stack.api_url}/me/realtime/ticket", headers={"Authorization": auth},
                          timeout=30)
        assert r.status_code == 200, r.text
        return [str(r.json()["protocol"]), str(r.json()["ticket"])]

    async def scenario() -> tuple[int, list[dict[str, Any]]]:
        for _ in range(MAX_SOCKETS_PER_HOST - 1):  # each load's socket, closed by the reload
            async with connect(stack.ws_url, subprotocols=ticket()):
                pass
        async with connect(stack.ws_url, subprotocols=ticket()):  # the tab left open
            # Within CONNECTING of them, the closed ones still count (their handshakes
            # might still be running): the next is refused, and leaves nothing counted
            with pytest.raises(InvalidStatus) as refused:
                async with connect(stack.ws_url, subprotocols=ticket()):
                    pass
            # After it, a GetConnection finds the oldest gone and its place is taken
            await asyncio.sleep(CONNECTING.total_seconds() + 1)
            async with connect(stack.ws_url, subprotocols=ticket()) as ws:
                await asyncio.to_thread(book, stack, slug, tomorrow_at(10))
                return refused.value.response.status_code, await receive_until(
                    ws, "booking.confirmed")

    status, events = asyncio.run(scenario())

    assert status == 429
    assert [e["type"] for e in events] == ["booking.created", "booking.confirmed"]
