"""The Bookings view's rows as time passes and live events come: a meeting in progress
stays under Upcoming, first, until it ends (against the local stack, the list's answers
stubbed and the page's clock the test's)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_bookings_paging import past_booking
from tests.e2e.browser.test_dashboard import sign_up_in_browser
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
MINUTE_MS = 60_000


def booking_at(uid: str, name: str, start: datetime, minutes: int = 30) -> dict[str, Any]:
    """A confirmed Zoom booking with its Join link, `minutes` long from `start`."""
    return {**past_booking(0), "uid": uid, "start": start.isoformat(),
            "end": (start + timedelta(minutes=minutes)).isoformat(),
            "attendee": {"name": name, "email": f"{uid}@example.com", "timezone": "UTC"},
            "video_url": "https://zoom.us/j/1234567890"}


def listing(by_status: dict[str, list[dict[str, Any]]]) -> Any:
    """A route answering GET /me/bookings with the tab's bookings, one page."""
    def answer(route: Route) -> None:
        status = parse_qs(urlparse(route.request.url).query).get("status", ["upcoming"])[0]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(
            {"bookings": by_status.get(status, []), "next_cursor": None}))
    return answer


def test_a_meeting_in_progress_stays_first_under_upcoming_with_its_join_until_it_ends(
        stack: LocalStack, new_context: NewContext) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    under_way = booking_at("under-way", "Ada Lovelace", now - timedelta(minutes=5))
    next_one = booking_at("next-one", "Grace Hopper", now + timedelta(minutes=10))
    context = new_context()
    sign_up_in_browser(context, stack)
    context.route("**/me/bookings?*", listing({"upcoming": [under_way, next_one]}))
    page = context.new_page()
    page.clock.install(time=now + timedelta(seconds=1))  # the page's time, moved by the test
    page.goto(f"{stack.api_url}/app/bookings")
    rows = page.locator("#bookings-list .booking")

    # WHEN the host opens Bookings five minutes into a meeting
    # THEN it is first under Upcoming, said in words to be on, with its Join link and no
    # Cancel (a begun booking cannot be cancelled)
    expect(rows).to_have_count(2)
    first, second = rows.nth(0), rows.nth(1)
    expect(first).to_have_attribute("data-uid", "under-way")
    expect(first.get_by_role("list", name="Status")).to_contain_text("In progress")
    expect(first.get_by_role("link", name="Join Coaching with Ada Lovelace (opens a new tab)"))\
        .to_be_visible()
    expect(first.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(second.get_by_role("list", name="Status")).not_to_contain_text("In progress")
    expect(second.get_by_role("button", name="Cancel")).to_be_visible()

    # WHEN the next meeting begins
    page.clock.run_for(10 * MINUTE_MS)

    # THEN it says so too, and can no longer be cancelled
    expect(second.get_by_role("list", name="Status")).to_contain_text("In progress")
    expect(second.get_by_role("button", name="Cancel")).to_have_count(0)

    # WHEN the first meeting ends
    page.clock.run_for(16 * MINUTE_MS)

    # THEN it leaves Upcoming; the one still on is first
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-uid", "next-one")
