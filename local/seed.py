"""Seeds a demo host through the public HTTP API, so seeding exercises the real routes.

Run against a fresh stack it signs up; against one that already has the demo host it
logs in and puts the same profile, schedule and event types again.

A paid event type cannot be saved until its host can take payments, so when the stack
runs the provider sandbox the host connects both payment platforms first, as a host
would: Stripe through Penny's Connect onboarding (the sandbox's onboarding page
completed, then Penny asked to check the account), Razorpay with the sandbox merchant's
keys. Then the paid event types: `consult` in dollars (Stripe) and `consult-in` in rupees
(Razorpay).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import urljoin
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
FREE_EVENT_TYPES: list[dict[str, Any]] = [
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
]
_CONSULT: dict[str, Any] = {
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
}
# Paid: saved only once the host has a connected payment platform (see the docstring).
PAID_EVENT_TYPES: list[dict[str, Any]] = [
    _CONSULT,
    {
        **_CONSULT,
        "slug": "consult-in",
        "title": "Strategy session (India)",
        "description": "The strategy session, paid in rupees with Razorpay (UPI or card).",
        "price": {"amount_minor": 150000, "currency": "INR"},
    },
]


# The onboarding page's one form (sandbox/stripe_pages.py), as a browser finds it.
ONBOARDING_FORM = re.compile(r'<form\b[^>]*\baction="(?P<action>[^"]+)"')


class SeedError(RuntimeError):
    """The API refused a seeding request; the message carries its answer."""


@dataclass(frozen=True)
class PaymentSandbox:
    """The provider sandbox's payment platforms, for the demo host to connect."""

    stripe: bool                               # its onboarding page can be completed here
    razorpay_keys: dict[str, str] | None       # the merchant's key_id, key_secret, webhook_secret


@dataclass(frozen=True)
class Demo:
    """What a newcomer needs to try the seeded host."""

    profile_url: str
    slots_url: str
    booking_url: str
    first_slot: str | None
    # Where the demo host's Razorpay webhook must point (None: Razorpay not connected).
    razorpay_webhook_url: str | None = None
    paid_event_types: tuple[str, ...] = ()


def seed(api_url: str, today: date | None = None,
         payments: PaymentSandbox | None = None) -> Demo:
    """Create (or refresh) the demo host and return its URLs; with `payments`, connect
    the demo host's payment platforms, then add its paid event types."""
    webhook_url: str | None = None
    paid: tuple[str, ...] = ()
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {_sign_in(http, api_url)}"
        _call(http, "PUT", f"{api_url}/me/profile", PROFILE)
        _call(http, "PUT", f"{api_url}/me/schedule", SCHEDULE)
        event_types = list(FREE_EVENT_TYPES)
        if payments is not None and (payments.stripe or payments.razorpay_keys):
            if payments.stripe:
                _connect_stripe(http, api_url)
            if payments.razorpay_keys:
                webhook_url = str(_call(http, "PUT", f"{api_url}/me/connections/razorpay",
                                        payments.razorpay_keys)["webhook_url"])
            event_types += PAID_EVENT_TYPES
            paid = tuple(str(e["slug"]) for e in PAID_EVENT_TYPES)
        for event_type in event_types:
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
        razorpay_webhook_url=webhook_url,
        paid_event_types=paid,
    )


def _connect_stripe(http: requests.Session, api_url: str) -> None:
    """Stripe Connect as the host goes through it: Penny's onboarding link, the (sandbox)
    onboarding page's "Complete" button, then Penny checks the account is ready."""
    # Connect asks for what to turn on: for Stripe, taking payments.
    link = str(_call(http, "POST", f"{api_url}/me/connections/stripe",
                     {"features": ["payments"]})["authorize_url"])
    # A browser of its own: the host's Penny token is not the onboarding page's business.
    with requests.Session() as browser:
        page = browser.get(link, timeout=30)
        form = ONBOARDING_FORM.search(page.text)
        if not page.ok or form is None:
            raise SeedError(f"GET {link} -> {page.status_code}: no onboarding form")
        done = browser.post(urljoin(page.url, unescape(form["action"])),
                            data={"decision": "complete"}, allow_redirects=False, timeout=30)
        if done.status_code != 303:
            raise SeedError(f"completing Stripe onboarding -> {done.status_code} "
                            f"{done.text[:500]}")
    checked = _call(http, "POST", f"{api_url}/me/connections/stripe/test")
    if checked.get("status") != "connected":
        raise SeedError(f"Stripe is {checked.get('status')} after onboarding: {checked}")


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
