"""`make run` as a newcomer meets it: a seeded demo host, served over real HTTP."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.e2e.conftest import REPO_ROOT, LocalStack

pytestmark = pytest.mark.e2e


def _get(url: str) -> requests.Response:
    return requests.get(url, timeout=30)


def test_seeded_demo_host_has_a_public_profile_with_its_free_and_paid_event_types(
        stack: LocalStack) -> None:
    response = _get(f"{stack.api_url}/hosts/demo")

    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["display_name"] == "Dana Demo"
    assert profile["timezone"] == "America/New_York"
    assert len(profile["links"]) == 2
    assert {e["slug"]: e["price"] for e in profile["event_types"]} == {
        "intro": None, "consult": {"amount_minor": 15000, "currency": "USD"},
        "consult-in": {"amount_minor": 150000, "currency": "INR"}}


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


# Bounds the wait for the sandbox's webhook to reach the stack; not a measure.
WEBHOOK_DEADLINE = 30.0


def _book_paid(stack: LocalStack, event: str) -> dict[str, Any]:
    today = date.today()
    slots_url = f"{stack.api_url}/hosts/demo/{event}/slots?start={today}&end={today + timedelta(6)}"
    first = next(day[0] for day in _get(slots_url).json()["slots"].values() if day)
    response = requests.post(
        f"{stack.api_url}/hosts/demo/{event}/bookings",
        json={"start": first["start"],
              "attendee": {"name": "Ada Client", "email": "ada@example.com", "timezone": "UTC"},
              "answers": {"plan": "Growth", "phone": "+1 415 555 0100"}},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    booking: dict[str, Any] = response.json()
    assert (booking["status"], booking["payment"]["state"]) == ("pending_payment", "awaiting")
    return booking


def _status_once_settled(stack: LocalStack, booking: dict[str, Any]) -> dict[str, Any]:
    """The booking as its link shows it, once it is no longer waiting for the payment
    (or as it stands at the deadline)."""
    (token,) = parse_qs(urlsplit(booking["links"]["view"]).query)["token"]
    url = f"{stack.api_url}/bookings/{booking['uid']}?token={token}"
    deadline = time.monotonic() + WEBHOOK_DEADLINE
    while True:
        seen: dict[str, Any] = _get(url).json()
        if seen["status"] != "pending_payment" or time.monotonic() > deadline:
            return seen
        time.sleep(0.1)


def test_a_booking_paid_on_the_sandboxs_stripe_checkout_is_confirmed_by_its_webhook(
        stack: LocalStack) -> None:
    booking = _book_paid(stack, "consult")
    checkout = booking["payment"]["checkout_url"]
    assert checkout.startswith(f"{stack.sandbox_url}/stripe/")

    # The checkout page's form, as the visitor submits it with Stripe's test card.
    paid = requests.post(checkout, data={"email": "ada@example.com",
                                         "card": "4242 4242 4242 4242"},
                         allow_redirects=False, timeout=30)
    assert paid.status_code == 303, paid.text  # back to the booking's page

    settled = _status_once_settled(stack, booking)
    assert settled["status"] == "confirmed", settled
    assert (settled["payment"]["state"], settled["payment"]["amount_minor"]) == ("paid", 15000)


def test_a_booking_paid_with_the_sandboxs_razorpay_checkout_is_confirmed_by_its_webhook(
        stack: LocalStack) -> None:
    booking = _book_paid(stack, "consult-in")
    payment = booking["payment"]
    assert (payment["provider"], payment["currency"]) == ("razorpay", "INR")

    # What Checkout's Pay button sends; the webhook, not this answer, reaches Penny.
    paid = requests.post(f"{stack.sandbox_url}/razorpay/v1/checkout/pay",
                         json={"key_id": payment["key_id"], "order_id": payment["order_id"]},
                         timeout=30)
    assert paid.status_code == 200, paid.text

    settled = _status_once_settled(stack, booking)
    assert settled["status"] == "confirmed", settled
    assert (settled["payment"]["state"], settled["payment"]["amount_minor"]) == ("paid", 150000)


def test_a_password_reset_email_stays_on_the_machine_and_is_listed_in_the_outbox(
        stack: LocalStack) -> None:
    from local.seed import EMAIL

    # WHEN the demo host asks for a reset on the stack's API
    asked = requests.post(f"{stack.api_url}/auth/password-reset", json={"email": EMAIL},
                          timeout=30)

    # THEN the embedded SES kept the e-mail, which the outbox lists with its link (the
    # banner says where), on its page and as JSON
    assert asked.status_code == 202, asked.text
    assert "Sent e-mail" in stack.log and f"{stack.aws_url}/_outbox" in stack.log
    mails = [m for m in _get(f"{stack.aws_url}/_outbox.json").json() if EMAIL in m["to"]]
    assert mails, "no reset e-mail in the outbox"
    assert f"{stack.api_url}/app/reset-password#token=" in mails[-1]["body"]
    page = _get(f"{stack.aws_url}/_outbox")
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Reset your Penny password" in page.text


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


def test_a_taken_port_stops_the_stack_before_it_starts_naming_the_port_and_its_setting(
        ) -> None:
    # GIVEN something else on a port, as LocalStack would be on 4566
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1]
        # WHEN the stack is asked to put the embedded AWS there
        ran = subprocess.run(
            [sys.executable, "-m", "local.stack", "--api-port", "0", "--aws-port", str(port),
             "--ws-port", "0", "--sandbox-port", "0"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)

    # THEN it stops, naming that port with the flag and the variable that move it
    assert ran.returncode == 1
    assert f"port {port} (--aws-port, PENNY_AWS_PORT) is already in use" in ran.stderr
    # ... and a free port above it to try (the first one free: not always port + 1 on a
    # busy machine; tests/unit/test_stack_options.py checks which)
    hint = re.search(r"e\.g\. PENNY_AWS_PORT=(\d+) make run", ran.stderr)
    assert hint is not None and int(hint.group(1)) > port, ran.stderr
    assert "PENNY_STACK_READY" not in ran.stdout
