"""Live events over a real WebSocket from the running local stack."""

from __future__ import annotations

import asyncio
import json
import time
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


def book(stack: LocalStack, slug: str, start: str) -> float:
    r = requests.post(f"{stack.api_url}/hosts/{slug}/call/bookings", timeout=30, json={
        "start": start, "attendee": {"name": "Ada", "email": "ada@example.com",
                                     "timezone": "Europe/London"}})
    assert r.status_code == 201, r.text
    return time.monotonic()


async def receive(ws: Any, within: float) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            got.append(json.loads(await asyncio.wait_for(ws.recv(), left)))
        except TimeoutError:
            break
    return got


def test_host_dashboard_gets_its_booking_within_a_second_and_others_get_nothing(
        stack: LocalStack) -> None:
    alice, alice_auth = new_host(stack, "ws", {"slug": "call", "title": "Call",
                                               "duration_minutes": 30})
    _, bob_auth = new_host(stack, "ws", {"slug": "call", "title": "Call",
                                         "duration_minutes": 30})

    async def scenario() -> tuple[list[dict[str, Any]], float, list[dict[str, Any]]]:
        alice_token = alice_auth.removeprefix("Bearer ")
        bob_token = bob_auth.removeprefix("Bearer ")
        async with connect(f"{stack.ws_url}/?token={alice_token}") as ws_alice, \
                connect(stack.ws_url, subprotocols=["penny.bearer", bob_token]) as ws_bob:
            assert ws_bob.subprotocol == "penny.bearer"
            sent = await asyncio.to_thread(book, stack, alice, tomorrow_at(10))
            first = json.loads(await asyncio.wait_for(ws_alice.recv(), 1.0))
            latency = time.monotonic() - sent
            rest = await receive(ws_alice, 0.5)
            return [first, *rest], latency, await receive(ws_bob, 0.5)

    alice_events, latency, bob_events = asyncio.run(scenario())

    assert [e["type"] for e in alice_events][:2] == ["booking.created", "booking.confirmed"]
    assert latency < 1.0
    assert bob_events == []


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
            return dict(json.loads(await asyncio.wait_for(ws.recv(), 2.0)))

    assert asyncio.run(ping()) == {"type": "pong"}
