"""What a visitor does on the booking page, as steps the browser tests share."""

from __future__ import annotations

from typing import Any

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
INTRO: dict[str, Any] = {"slug": "intro", "title": "Intro call", "duration_minutes": 30,
                         "location": {"kind": "google_meet"},
                         "questions": [{"id": "topic", "label": "Topic", "type": "text"}]}


def coach(stack: LocalStack, *event_types: dict[str, Any], timezone: str = "America/New_York",
          hours: tuple[str, str] = ("09:00", "17:00")) -> str:
    """A host of the test's own with a real-looking profile; returns its slug."""
    slug, auth = new_host(stack, "coach", *(event_types or (INTRO,)), timezone=timezone,
                          hours=hours)
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
