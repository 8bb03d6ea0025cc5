"""What a visitor does on the booking page, as steps the browser tests share."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import BrowserContext, Page, Request

from tests.e2e.conftest import LocalStack
from tests.e2e.hosts import new_host

PAID_CONSULT: dict[str, Any] = {
    "slug": "consult", "title": "Strategy session", "duration_minutes": 60,
    "description": "An hour on your roadmap, with a written summary afterwards.",
    "location": {"kind": "zoom"}, "price": {"amount_minor": 15000, "currency": "USD"},
    "questions": [
        {"id": "plan", "label": "Your plan", "type": "select", "required": True,
         "options": ["Starter", "Growth", "Scale"]},
        {"id": "goal", "label": "What should we focus on?", "type": "long_text"}],
}
# The same, free: booked and confirmed at once.
CONSULT: dict[str, Any] = {k: v for k, v in PAID_CONSULT.items() if k != "price"}
INTRO: dict[str, Any] = {"slug": "intro", "title": "Intro call", "duration_minutes": 30,
                         "location": {"kind": "google_meet"},
                         "questions": [{"id": "topic", "label": "Topic", "type": "text"}]}


# The sandbox's Stripe onboarding page has one form (sandbox/stripe_pages.py).
ONBOARDING_FORM = re.compile(r'<form\b[^>]*\baction="(?P<action>[^"]+)"')
PAYING_CARD = "4242 4242 4242 4242"  # the sandbox's Stripe takes it


def finish_stripe_onboarding(link: str) -> None:
    """The host completes the sandbox's Stripe onboarding page that `link` opens, as its
    own visitor (no Penny credentials)."""
    with requests.Session() as browser:
        page = browser.get(link, timeout=30)
        form = ONBOARDING_FORM.search(page.text)
        assert page.ok and form, page.text
        done = browser.post(urljoin(page.url, unescape(form["action"])),
                            data={"decision": "complete"}, allow_redirects=False, timeout=30)
        assert done.status_code == 303, done.text


def connect_stripe(stack: LocalStack, auth: str) -> None:
    """Connect the host's Stripe as a host does: Penny's onboarding link, the sandbox's
    onboarding page completed, then Penny checks the account (a paid event type can be
    saved only once a payment provider is connected)."""
    headers = {"Authorization": auth}
    r = requests.post(f"{stack.api_url}/me/connections/stripe", headers=headers,
                      json={"features": ["payments"]}, timeout=30)
    assert r.status_code == 200, r.text
    finish_stripe_onboarding(r.json()["authorize_url"])
    r = requests.post(f"{stack.api_url}/me/connections/stripe/test", headers=headers,
                      timeout=30)
    assert (r.status_code, r.json().get("status")) == (200, "connected"), r.text


def pay_at_stripe(checkout_url: str, email: str = "client@example.com") -> None:
    """A client pays on the sandbox's Stripe checkout page without a browser; the sandbox
    then sends Penny the signed webhook that confirms the booking."""
    r = requests.post(checkout_url, data={"email": email, "card": PAYING_CARD},
                      allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.text


def coach(stack: LocalStack, *event_types: dict[str, Any], timezone: str = "America/New_York",
          hours: tuple[str, str] = ("09:00", "17:00")) -> str:
    """A host of the test's own with a real-looking profile (and, for a paid event type,
    the sandbox's Stripe connected); returns its slug."""
    wanted = event_types or (INTRO,)
    paid = any(et.get("price") for et in wanted)
    slug, auth = new_host(stack, "coach", *(() if paid else wanted), timezone=timezone,
                          hours=hours)
    if paid:
        connect_stripe(stack, auth)
        for et in wanted:
            r = requests.post(f"{stack.api_url}/me/event-types", headers={"Authorization": auth},
                              json={"location": {"kind": "zoom"}, **et}, timeout=30)
            assert r.status_code == 201, r.text
    r = requests.put(f"{stack.api_url}/me/profile", headers={"Authorization": auth}, json={
        "slug": slug, "display_name": "Dana Coach", "timezone": timezone,
        "description": "Product coach for small teams.",
        "links": [{"label": "Website", "url": "https://example.com/dana"}]}, timeout=30)
    assert r.status_code == 200, r.text
    return slug


def open_booking(context: BrowserContext, stack: LocalStack, path: str) -> Page:
    page = context.new_page()
    page.goto(f"{stack.api_url}/{path}")
    page.locator("button.slot").first.wait_for()
    return page


def slot_starts(page: Page) -> list[str]:
    return [str(s) for s in page.locator("button.slot").evaluate_all(
        "buttons => buttons.map(b => b.dataset.start)")]


def show_day(page: Page, day: date) -> None:
    """Choose `day` on the calendar, in the next month when this one ends before it."""
    if not page.locator(f'button.day[data-day="{day}"]').count():
        page.get_by_role("button", name="Next month").click()
    page.locator(f'button.day[data-day="{day}"]').click()


def starts_on_day_of(page: Page, start: str) -> list[str]:
    """The times the page offers on `start`'s day (in the page's zone), that day chosen:
    the first day shown is whichever has a free time first, which another test's hold
    ending can change meanwhile (the stack and its demo host are shared)."""
    page.locator("button.slot").first.wait_for()
    zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    day = datetime.fromisoformat(start).astimezone(ZoneInfo(zone)).date().isoformat()
    button = page.locator(f'button.day[data-day="{day}"]')
    if button.get_attribute("aria-disabled") == "true":
        return []  # no time free that day
    if button.get_attribute("aria-pressed") != "true":
        button.click()
        page.locator(f'button.day[data-day="{day}"][aria-pressed="true"]').wait_for()
    page.locator("button.slot").first.wait_for()
    return slot_starts(page)


def full_day(page: Page, at_least: int = 3) -> None:
    """Show a day with at least `at_least` times free: late in the host's day, the first
    day shown has one or none left, whatever the test is about."""
    page.locator("button.slot").first.wait_for()
    for day in [None, *page.locator("button.day.free").all()]:
        if day is not None:
            day.click()
            page.locator("button.slot").first.wait_for()
        if len(slot_starts(page)) >= at_least:
            return
    raise AssertionError(f"no day shown has {at_least} free times")


def choose_slot(page: Page, start: str | None = None) -> str:
    """Pick the slot starting at `start` (default: the first shown); returns its start."""
    button = page.locator(f'button.slot[data-start="{start}"]' if start else "button.slot").first
    chosen = button.get_attribute("data-start")
    if not chosen:
        raise AssertionError(f"the slot button has no data-start ({chosen!r})")
    button.click()
    page.locator("#details").wait_for()
    return chosen


def fill_details(page: Page, name: str = "Ada Client", email: str = "ada@example.com",
                 **answers: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    for qid, value in answers.items():
        field = page.locator(f'[name="answers.{qid}"]')
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def confirm(page: Page) -> None:
    page.get_by_role("button", name="Confirm booking").click()
    page.locator("#confirmation").wait_for()


def is_slots_request(request: Request) -> bool:
    return "/slots?" in request.url


def hold_paid(stack: LocalStack, host: str, event: str, **answers: str) -> dict[str, Any]:
    """Book a paid event's first free time through the API: a booking that waits for its
    payment (its `links` and `payment`)."""
    today = date.today()
    r = requests.get(f"{stack.api_url}/hosts/{host}/{event}/slots", timeout=30, params={
        "start": str(today + timedelta(days=1)), "end": str(today + timedelta(days=20)),
        "timeZone": "UTC"})
    assert r.status_code == 200, r.text
    start = next(day for day in r.json()["slots"].values() if day)[0]["start"]
    r = requests.post(f"{stack.api_url}/hosts/{host}/{event}/bookings", timeout=30, json={
        "start": start, "answers": answers,
        "attendee": {"name": "Mary Jackson", "email": "mary@example.com", "timezone": "UTC"}})
    assert r.status_code == 201, r.text
    booking: dict[str, Any] = r.json()
    assert booking["status"] == "pending_payment", booking
    return booking
