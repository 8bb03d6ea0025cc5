"""The dashboard as a host away from their own zone sees it, a first connection that
fails once, and a client's long address on a phone (from an adversarial review).

- A host whose profile is in New York, reading the dashboard on a laptop set to Tokyo:
  the live toast and a paid booking's hold say their times in the host's zone, as the
  list does ("Times in America/New York.").
- A dashboard whose first ticket request fails retries, goes "Live", and reads the list
  again: a booking made while it was connecting shows.
- The client's manage page keeps a long e-mail address inside its card at phone width.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import BrowserContext, Route, expect

from tests.e2e.browser.conftest import PHONE, NewContext
from tests.e2e.browser.test_dashboard import (
    PASSWORD,
    WEEKDAYS,
    book,
    connect_stripe_in_browser,
    csrf_headers,
    first_slot,
    no_horizontal_scroll,
    numbers_to_call,
    open_dashboard,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def host_in(context: BrowserContext, stack: LocalStack, timezone: str) -> str:
    """A host signed up in `context`, in `timezone`, every day all day, with a free
    "intro"; their slug."""
    slug = f"zone-{secrets.token_hex(4)}"
    r = context.request.post(f"{stack.api_url}/auth/session/signup", headers={
        "Origin": stack.api_url}, data={
        "email": f"{slug}@example.com", "password": PASSWORD, "slug": slug,
        "display_name": "Zed Zone", "timezone": timezone})
    assert r.status == 201, r.text()
    headers = csrf_headers(context, stack)
    weekly = {day: [{"start": "00:00", "end": "24:00"}] for day in WEEKDAYS}
    assert context.request.put(f"{stack.api_url}/me/schedule", headers=headers,
                               data={"weekly": weekly}).status == 200
    r = context.request.post(f"{stack.api_url}/me/event-types", headers=headers, data={
        "slug": "intro", "title": "Intro call", "duration_minutes": 30,
        "location": {"kind": "phone"}})
    assert r.status == 201, r.text()
    return slug


def clock(at: str, zone: str) -> re.Pattern[str]:
    """`at`'s time of day in `zone` as en-US writes it ("9:00 AM", any space before AM)."""
    shown = datetime.fromisoformat(at).astimezone(ZoneInfo(zone)).strftime("%-I:%M")
    return re.compile(re.escape(shown) + r"\s?[AP]M")


def test_the_toast_and_a_hold_say_their_times_in_the_hosts_zone_not_the_browsers(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(timezone_id="Asia/Tokyo")
    slug = host_in(context, stack, "America/New_York")
    connect_stripe_in_browser(context, stack)
    r = context.request.post(f"{stack.api_url}/me/event-types",
                             headers=csrf_headers(context, stack), data={
                                 "slug": "paid", "title": "Paid call", "duration_minutes": 30,
                                 "location": {"kind": "phone"},
                                 "price": {"amount_minor": 15000, "currency": "USD"}})
    assert r.status == 201, r.text()
    page = open_dashboard(context, stack, "/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    expect(page.locator("#bookings-zone")).to_have_text("Times in America/New York.")

    booked = book(stack, slug, "paid", "Ada Lovelace")

    hold = booked["payment"]["hold_until"]
    assert clock(hold, "America/New_York").pattern != clock(hold, "Asia/Tokyo").pattern
    toast = page.locator(".toast", has_text="Ada Lovelace")
    expect(toast).to_contain_text(clock(booked["start"], "America/New_York"))
    line = page.locator(".booking", has_text="Ada Lovelace").locator(".booking-payment")
    expect(line).to_contain_text("the time is held until")
    expect(line).to_contain_text(clock(hold, "America/New_York"))

    # The Connections page says when Stripe was connected on the host's clock too
    listed = context.request.get(f"{stack.api_url}/me/connections").json()["connections"]
    since = next(c["connected_at"] for c in listed if c["provider"] == "stripe")
    assert clock(since, "America/New_York").pattern != clock(since, "Asia/Tokyo").pattern
    page.get_by_role("link", name="Connections").click()
    stripe = page.locator('[data-view="connections"] .integration:has(h3:text-is("Stripe"))')
    expect(stripe).to_contain_text(clock(since, "America/New_York"))


def test_a_booking_made_while_the_first_connection_failed_shows_once_live(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug = host_in(context, stack, "UTC")
    held: list[Route] = []
    page = context.new_page()
    page.route("**/me/realtime/ticket",
               lambda route: route.continue_() if held else held.append(route))
    page.goto(f"{stack.api_url}/app/bookings")
    expect(page.get_by_text("No upcoming bookings")).to_be_visible()
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "connecting")

    # A client books while the first ticket is on its way, and that request then fails
    book(stack, slug, "intro", "Grace Hopper")
    held[0].fulfill(status=503, content_type="application/json", body='{"error": {'
                    '"code": "unavailable", "message": "try again", "field": null}}')

    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    expect(page.locator(".booking", has_text="Grace Hopper")).to_be_visible()


def test_a_long_email_address_stays_inside_the_manage_page_on_a_phone(
        stack: LocalStack, new_context: NewContext) -> None:
    slug = host_in(new_context(), stack, "UTC")
    email = "maximilian.vonhohenbergschwarzenau@consultingpartners.example.com"
    r = requests.post(f"{stack.api_url}/hosts/{slug}/intro/bookings", timeout=30, json={
        "start": first_slot(stack, slug, "intro"),
        "attendee": {"name": "Max", "email": email, "timezone": "UTC"},
        "answers": numbers_to_call(stack, slug, "intro")})
    assert r.status_code == 201, r.text

    page = new_context(viewport=PHONE).new_page()
    page.goto(r.json()["links"]["view"])

    expect(page.get_by_text(email)).to_be_visible()
    assert no_horizontal_scroll(page), page.evaluate("document.documentElement.scrollWidth")
