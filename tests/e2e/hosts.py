"""Creating a host of a test's own on the running stack, through the API."""

from __future__ import annotations

import secrets
from typing import Any

import requests

from tests.e2e.conftest import LocalStack

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def new_host(stack: LocalStack, prefix: str, *event_types: dict[str, Any],
             timezone: str = "UTC", hours: tuple[str, str] = ("00:00", "24:00"),
             days: tuple[str, ...] = DAYS) -> tuple[str, str]:
    """Sign up a fresh host with the given hours and event types; returns (slug, auth header)."""
    slug = f"{prefix}-{secrets.token_hex(4)}"
    r = requests.post(f"{stack.api_url}/auth/signup", timeout=30, json={
        "email": f"{slug}@example.com", "password": "e2e-test-password", "slug": slug,
        "display_name": prefix.title(), "timezone": timezone})
    assert r.status_code == 201, r.text
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    weekly = {d: [{"start": hours[0], "end": hours[1]}] for d in days}
    r = requests.put(f"{stack.api_url}/me/schedule", json={"weekly": weekly}, headers=auth,
                     timeout=30)
    assert r.status_code == 200, r.text
    for et in event_types:
        r = requests.post(f"{stack.api_url}/me/event-types", json={
            "location": {"kind": "zoom"}, **et}, headers=auth, timeout=30)
        assert r.status_code == 201, r.text
    return slug, auth["Authorization"]
