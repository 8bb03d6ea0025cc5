"""`make run` as a newcomer meets it: a seeded demo host, served over real HTTP."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def _get(url: str) -> requests.Response:
    return requests.get(url, timeout=30)


def test_seeded_demo_host_has_a_public_profile_with_both_event_types(stack: LocalStack) -> None:
    response = _get(f"{stack.api_url}/hosts/demo")

    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["display_name"] == "Dana Demo"
    assert profile["timezone"] == "America/New_York"
    assert len(profile["links"]) == 2
    assert {e["slug"] for e in profile["event_types"]} == {"intro", "consult"}


def test_seeded_demo_host_offers_slots_this_week_in_the_visitors_zone(stack: LocalStack) -> None:
    today = date.today()
    query = f"start={today}&end={today + timedelta(days=6)}&timeZone=Asia/Kolkata"

    response = _get(f"{stack.api_url}/hosts/demo/intro/slots?{query}")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["time_zone"] == "Asia/Kolkata"
    slots = [slot for day in body["slots"].values() for slot in day]
    # Six days a week of hours: any seven consecutive days hold free intro calls.
    assert slots
    for slot in slots:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        assert end - start == timedelta(minutes=30)
        assert start.utcoffset() == timedelta(hours=5, minutes=30)
        assert start > datetime.now(UTC)


def test_visitor_can_book_the_first_free_slot(stack: LocalStack) -> None:
    today = date.today()
    slots_url = f"{stack.api_url}/hosts/demo/intro/slots?start={today}&end={today + timedelta(6)}"
    first = next(day[0] for day in _get(slots_url).json()["slots"].values() if day)

    response = requests.post(
        f"{stack.api_url}/hosts/demo/intro/bookings",
        json={
            "start": first["start"],
            "attendee": {"name": "Ada Client", "email": "ada@example.com", "timezone": "UTC"},
            "answers": {"topic": "e2e"},
        },
        headers={"Idempotency-Key": "e2e-first-slot"},
        timeout=30,
    )

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "confirmed"


def test_unknown_route_is_a_json_404_like_the_deployed_api(stack: LocalStack) -> None:
    response = _get(f"{stack.api_url}/no/such/route?x=1")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"] == "No route matches GET /no/such/route"


def test_unknown_method_on_a_known_route_is_a_404_too(stack: LocalStack) -> None:
    # API Gateway answers an undeclared method like an unknown route.
    response = requests.delete(f"{stack.api_url}/hosts/demo", timeout=30)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_body_over_one_mebibyte_is_refused_before_it_is_read(stack: LocalStack) -> None:
    response = requests.post(
        f"{stack.api_url}/auth/login",
        data=b"x" * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_ctrl_c_stops_the_stack_cleanly_and_frees_its_ports() -> None:
    # A stack of its own: the session's one is stopped (the same way) at teardown.
    own = LocalStack.start()
    ports = [urlsplit(url).port for url in (own.api_url, own.aws_url)]

    own.assert_stops_cleanly()

    for port in ports:
        assert port is not None
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        socket.create_server(("127.0.0.1", port)).close()  # free to bind again
