"""Seeds a demo host through the public HTTP API, so seeding exercises the real routes.

Run against a fresh stack it signs up; against one that already has the demo host it
logs in and puts the same profile, schedule and event types again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

log = logging.getLogger(__name__)

EMAIL = "demo@penny.local"
PASSWORD = "penny-demo-password"
SLUG = "demo"
TIMEZONE = "America/New_York"

PROFILE: dict[str, Any] = {
    "slug": SLUG,
    "display_name": "Dana Demo",
    "timezone": TIMEZONE,
    "description": "Product coach for small teams. Book an intro call or a strategy session.",
    "links": [
        {"label": "Website", "url": "https://example.com/dana"},
        {"label": "LinkedIn", "url": "https://www.linkedin.com/in/dana-demo"},
    ],
}

_WORKDAY = [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
SCHEDULE: dict[str, Any] = {
    "weekly": {
        **{day: _WORKDAY for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
        "saturday": [{"start": "10:00", "end": "13:00"}],
        "sunday": [],
    },
    "overrides": [],
}

_EVENT_DEFAULTS: dict[str, Any] = {
    "price": None,
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 0,
    "slot_interval_minutes": None,
    "booking_window_days": 30,
    "daily_limit": None,
    "hidden": False,
}
EVENT_TYPES: list[dict[str, Any]] = [
    {
        **_EVENT_DEFAULTS,
        "slug": "intro",
        "title": "Intro call",
        "description": "A free half hour to see whether we are a fit.",
        "duration_minutes": 30,
        "location": {"kind": "google_meet", "details": None},
        "buffer_after_minutes": 5,
        "minimum_notice_minutes": 60,
        "questions": [
            {
                "id": "topic",
                "label": "What would you like to discuss?",
                "type": "text",
                "required": False,
                "options": [],
            },
        ],
    },
    {
        **_EVENT_DEFAULTS,
        "slug": "consult",
        "title": "Strategy session",
        "description": "An hour on your roadmap, with a written summary afterwards.",
        "duration_minutes": 60,
        "location": {"kind": "zoom", "details": None},
        "price": {"amount_minor": 15000, "currency": "USD"},
        "buffer_before_minutes": 15,
        "buffer_after_minutes": 15,
        "minimum_notice_minutes": 240,
        "daily_limit": 3,
        "questions": [
            {
                "id": "plan",
                "label": "Your plan",
                "type": "select",
                "required": True,
                "options": ["Starter", "Growth", "Scale"],
            },
            {
                "id": "phone",
                "label": "Phone number",
                "type": "phone",
                "required": True,
                "options": [],
            },
        ],
    },
]


class SeedError(RuntimeError):
    """The API refused a seeding request; the message carries its answer."""


@dataclass(frozen=True)
class Demo:
    """What a newcomer needs to try the seeded host."""

    profile_url: str
    slots_url: str
    booking_url: str
    first_slot: str | None


def seed(api_url: str, today: date | None = None) -> Demo:
    """Create (or refresh) the demo host and return its URLs."""
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {_sign_in(http, api_url)}"
        _call(http, "PUT", f"{api_url}/me/profile", PROFILE)
        _call(http, "PUT", f"{api_url}/me/schedule", SCHEDULE)
        for event_type in EVENT_TYPES:
            _call(http, "POST", f"{api_url}/me/event-types", event_type, "event_slug_taken")
    start = today or datetime.now(ZoneInfo(TIMEZONE)).date()
    # `end` is inclusive: today and the six days after it.
    query = f"start={start}&end={start + timedelta(days=6)}&timeZone={TIMEZONE}"
    slots_url = f"{api_url}/hosts/{SLUG}/intro/slots?{query}"
    with requests.Session() as http:
        days: dict[str, list[dict[str, str]]] = _call(http, "GET", slots_url)["slots"]
    return Demo(
        profile_url=f"{api_url}/hosts/{SLUG}",
        slots_url=slots_url,
        booking_url=f"{api_url}/hosts/{SLUG}/intro/bookings",
        first_slot=next((day[0]["start"] for day in days.values() if day), None),
    )


def _sign_in(http: requests.Session, api_url: str) -> str:
    signup = {key: PROFILE[key] for key in ("slug", "display_name", "timezone")}
    body = _call(
        http,
        "POST",
        f"{api_url}/auth/signup",
        {"email": EMAIL, "password": PASSWORD, **signup},
        tolerate="email_taken",
    )
    if body.get("access_token"):
        log.info("signed up %s", EMAIL)
        return str(body["access_token"])
    body = _call(http, "POST", f"{api_url}/auth/login", {"email": EMAIL, "password": PASSWORD})
    log.info("logged in as %s", EMAIL)
    return str(body["access_token"])


def _call(
    http: requests.Session, method: str, url: str, payload: Any = None, tolerate: str = ""
) -> dict[str, Any]:
    """Send one JSON request; a 409 with the `tolerate` code counts as done."""
    response = http.request(method, url, json=payload, timeout=30)
    body: dict[str, Any] = response.json() if response.content else {}
    if response.ok:
        return body
    if response.status_code == 409 and body.get("error", {}).get("code") == tolerate:
        return {}
    raise SeedError(f"{method} {url} -> {response.status_code} {response.text[:500]}")
