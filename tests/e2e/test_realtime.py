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
