"""Issue 14's whole flow in the browser, on the `make run` stack and its provider sandbox:
a host connects Google Calendar; a busy event a person adds on the sandbox's Google page
reaches Penny by push and leaves the booking page without Penny asking Google on the next
slots request; a visitor books and the confirmation shows the Google Meet link the
calendar job made; the event is in the sandbox calendar; a cancel removes it. And an
event the host deletes on the sandbox's page is told on the dashboard's row, live, whose
Put it back makes it again.

The sandbox's Google account is shared by every test on the stack, so this one works on
a day and an hour of its own.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser.audit import audit
from tests.e2e.browser.conftest import NewContext, eventually
from tests.e2e.browser.test_connections import connect
from tests.e2e.browser.test_dashboard import (
    csrf_headers,
    open_dashboard,
    set_up_host,
    sign_up_in_browser,
)
from tests.e2e.browser.visitor import choose_slot, confirm, fill_details
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]


def a_day_and_hour_of_its_own() -> tuple[date, int]:
    rng = random.Random()
    day = date.today() + timedelta(days=rng.randint(15, 40))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day, rng.randint(1, 21)


def starts(stack: LocalStack, slug: str, day: date) -> tuple[set[str], bool]:
    r = requests.get(f"{stack.api_url}/hosts/{slug}/call/slots", timeout=30, params={
        "start": str(day), "end": str(day), "timeZone": "UTC"})
    assert r.status_code == 200, r.text
    found = r.json()
    return {s["start"] for s in found["slots"].get(str(day), [])}, bool(found["stale"])


def synced_at(context: BrowserContext, stack: LocalStack) -> str:
    r = context.request.get(f"{stack.api_url}/me/calendars")
    assert r.status == 200, r.text()
    (counted,) = [c for c in r.json()["calendars"] if c["conflicts"]]
    assert counted["push"] is True, counted
    return str(counted["synced_at"])


def sandbox_google(context: BrowserContext, stack: LocalStack) -> Page:
    page = context.new_page()
    page.goto(f"{stack.sandbox_url}/google/_sandbox")
    return page


def test_a_busy_event_leaves_the_page_by_push_and_a_booking_gets_its_meet_link(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)  # weekdays all day, UTC
    r = context.request.post(f"{stack.api_url}/me/event-types", headers=csrf_headers(
        context, stack), data={"slug": "call", "title": "Call", "duration_minutes": 30,
                               "location": {"kind": "google_meet"}})
    assert r.status == 201, r.text()
    dashboard = open_dashboard(context, stack, "/app/connections")
    connect(dashboard, stack, "Google Calendar")
    day, hour = a_day_and_hour_of_its_own()
    busy_at = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()
    assert busy_at in starts(stack, slug, day)[0]

    # A person adds a busy event on the sandbox's Google page
    sandbox = sandbox_google(context, stack)
    sandbox.get_by_label("Date").fill(str(day))
    sandbox.get_by_label("Start").fill(f"{hour:02d}:00")
    sandbox.get_by_label("End").fill(f"{hour + 1:02d}:00")
    sandbox.get_by_label("Title").fill("Dentist")
    sandbox.get_by_role("button", name="Add a busy event").click()

    # Google's push reaches Penny, which syncs: the time leaves the page
    eventually(lambda: busy_at not in starts(stack, slug, day)[0],
               "the busy time left the slots")
    before = synced_at(context, stack)
    offered, stale = starts(stack, slug, day)
    # The next slots request read the copy: no sync (so no call to Google) happened
    assert busy_at not in offered and not stale
    assert synced_at(context, stack) == before

    # A visitor books; the confirmation shows the Meet link the calendar job made
    visitor = context.new_page()
    visitor.goto(f"{stack.api_url}/{slug}/call")
    visitor.locator("button.slot").first.wait_for()
    choose_slot(visitor)
    fill_details(visitor, name="Bo Booker", email="bo@example.com")
    confirm(visitor)
    video = visitor.locator("#confirm-video")
    expect(video).to_contain_text("Join with Google Meet")
    link = video.get_by_role("link")
    href = str(link.get_attribute("href"))
    assert href.startswith("https://meet.google.com/"), href
    screenshot(visitor, "booking-confirmation-meet")

    # The event is in the sandbox calendar, with the same link
    sandbox.reload()
    expect(sandbox.locator("body")).to_contain_text("Call with Bo Booker")
    expect(sandbox.locator("body")).to_contain_text(href)

    # A cancel removes it
    visitor.goto(str(visitor.locator("#cancel-link").get_attribute("href")))
    visitor.get_by_role("button", name="Cancel booking").click()
    expect(visitor.locator("#booking-status")).to_have_text("Cancelled")

    def gone() -> bool:
        sandbox.reload()
        return "Call with Bo Booker" not in sandbox.locator("body").inner_text()

    eventually(gone, "the cancelled booking's event left the sandbox calendar")


def test_an_event_the_host_deletes_in_google_is_told_on_its_row_and_put_back(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)  # weekdays all day, UTC
    r = context.request.post(f"{stack.api_url}/me/event-types", headers=csrf_headers(
        context, stack), data={"slug": "call", "title": "Call", "duration_minutes": 30,
                               "location": {"kind": "google_meet"}})
    assert r.status == 201, r.text()
    dashboard = open_dashboard(context, stack, "/app/connections")
    connect(dashboard, stack, "Google Calendar")
    day, hour = a_day_and_hour_of_its_own()
    name = f"Cy {slug}"  # the sandbox's calendar is shared: the row is this test's
    r = requests.post(f"{stack.api_url}/hosts/{slug}/call/bookings", timeout=30, json={
        "start": datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat(),
        "attendee": {"name": name, "email": "cy@example.com", "timezone": "UTC"}})
    assert r.status_code == 201, r.text
    dashboard.goto(f"{stack.api_url}/app/bookings")
    expect(dashboard.locator("#live-pill")).to_have_attribute("data-state", "live")
    row = dashboard.locator(".booking", has_text=name)
    expect(row.get_by_role("link", name=re.compile(r"^Join Call with"))).to_have_count(1)

    # The host deletes the event in Google Calendar (the sandbox's page)
    sandbox = sandbox_google(context, stack)
    event = sandbox.locator("tr", has_text=f"Call with {name}")
    first_link = str(event.get_by_role("link").get_attribute("href"))
    event.get_by_role("button", name="Delete").click()

    # Google's push reaches Penny, whose sync flags the booking: the row says so, live
    notice = row.locator(".booking-calendar-removed")
    expect(notice).to_contain_text("The event was removed from your calendar.")
    assert audit(dashboard) == []

    # Put it back: the calendar worker makes the event again, and the notice goes
    notice.get_by_role("button", name=f"Put it back: Call with {name}, in your calendar").click()
    expect(notice).to_have_count(0)

    def back() -> bool:
        sandbox.reload()
        return sandbox.locator("tr", has_text=f"Call with {name}").count() == 1

    eventually(back, "the event put back in the sandbox calendar")
    again = sandbox.locator("tr", has_text=f"Call with {name}").get_by_role("link")
    assert again.get_attribute("href") != first_link  # a new event, with its own Meet link
