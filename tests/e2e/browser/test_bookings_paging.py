"""The Bookings view of a host with years of bookings: pages of 100 and Show more, by
keyboard and screen reader (against the local stack, the list's answers stubbed: a
history of hundreds of bookings would take the stack minutes to make)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import (
    book,
    open_dashboard,
    set_up_host,
    sign_up_in_browser,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
PAST = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def past_booking(n: int) -> dict[str, Any]:
    """The n-th latest past booking, a day before the one before it."""
    start = PAST - timedelta(days=n)
    return {"uid": f"b{n:04}", "status": "confirmed", "event_title": "Coaching",
            "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
            "attendee": {"name": f"Client {n:03}", "email": f"client{n}@example.com",
                         "timezone": "UTC"},
            "answers": {}, "location_kind": "zoom", "phone": None, "sequence": 0,
            "history": [], "created_at": (start - timedelta(days=7)).isoformat(),
            "cancelled_at": None, "cancel_reason": None, "price": None, "links": None,
            "video_url": None, "video_note": None, "payment": None, "notes_url": None,
            "brief": None, "brief_note": None, "calendar_event_removed_at": None,
            "out_of_date": [], "version": 1}


def history_of(count: int) -> Any:
    """A route answering GET /me/bookings with `count` bookings, a page at a time (the
    cursor: where the next page starts)."""
    rows = [past_booking(n) for n in range(count)]

    def answer(route: Route) -> None:
        query = parse_qs(urlparse(route.request.url).query)
        limit = int(query["limit"][0])
        at = int(query.get("cursor", ["0"])[0])
        more = str(at + limit) if at + limit < count else None
        route.fulfill(status=200, content_type="application/json", body=json.dumps(
            {"bookings": rows[at:at + limit], "next_cursor": more}))
    return answer


def test_show_more_by_keyboard_keeps_the_focus_and_says_what_it_added(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    context.route("**/me/bookings?*", history_of(250))
    page = open_dashboard(context, stack, "/app/bookings")
    rows = page.locator("#bookings-list .booking")
    page.get_by_role("tab", name="Past").click()
    expect(rows).to_have_count(100)
    more = page.get_by_role("button", name="Show more")

    # WHEN a keyboard user presses Show more
    more.focus()
    page.keyboard.press("Enter")

    # THEN the next page is added below, and they are still on the button, told so
    expect(rows).to_have_count(200)
    expect(more).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="more")).to_have_text(
        "100 more bookings shown.")

    # WHEN they press it again, for the last page (the button goes)
    page.keyboard.press("Enter")

    # THEN they are on the first booking it added, not thrown back to the page's top
    expect(rows).to_have_count(250)
    expect(more).to_be_hidden()
    expect(rows.nth(200).get_by_role("link", name="client200@example.com")).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="more")).to_have_text(
        "50 more bookings shown: that is all of them.")
    assert [rows.nth(n).get_attribute("data-uid") for n in (0, 99, 100, 249)] == [
        "b0000", "b0099", "b0100", "b0249"]


def test_the_host_finds_one_clients_bookings_by_typing_part_of_their_name(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    for name in ("Ada Lovelace", "Grace Hopper", "Ada Lovelace"):
        book(stack, slug, "intro", name)
    page = open_dashboard(context, stack, "/app/bookings")
    rows = page.locator("#bookings-list .booking")
    expect(rows).to_have_count(3)
    find = page.get_by_label("Find a client")

    # WHEN the host types part of a client's name, in any case
    find.fill("lovelace")

    # THEN only that client's bookings are listed
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Ada Lovelace")).to_have_count(2)

    # and a name no booking has says so, in words, for the tab chosen
    find.fill("Hedy")
    expect(rows).to_have_count(0)
    expect(page.locator("#bookings-empty")).to_have_text(
        "No upcoming bookings of a client matching “Hedy”.")
    page.get_by_role("tab", name="Cancelled").click()
    expect(page.locator("#bookings-empty")).to_have_text(
        "No cancelled bookings of a client matching “Hedy”.")

    # WHEN the field is emptied, every booking of the tab is back
    page.get_by_role("tab", name="Upcoming").click()
    find.fill("")
    expect(rows).to_have_count(3)
