"""The Bookings view's rows as time passes and live events come: a meeting in progress
stays under Upcoming, first, until it ends; a live booking puts its one row in place
(against the local stack, the list's answers stubbed: a history of hundreds of bookings
would take the stack minutes to make)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_bookings_paging import past_booking
from tests.e2e.browser.test_dashboard import (
    book,
    first_slot,
    open_dashboard,
    set_up_host,
    sign_up_in_browser,
)
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


def upcoming_of(count: int, first: datetime) -> Any:
    """A route answering GET /me/bookings?status=upcoming with `count` bookings half an
    hour apart from `first` and the host's own upcoming ones (the stack's first page of
    them), in order, a page at a time (the cursor: where the next page starts); and no
    booking under the other tabs."""
    rows = [{**booking_at(f"u{n:04}", f"Client {n:03}", first + timedelta(minutes=30 * n)),
             "answers": {"Topic": f"Plans {n}"}} for n in range(count)]

    def answer(route: Route) -> None:
        url = urlparse(route.request.url)
        query = parse_qs(url.query)
        if query.get("status", ["upcoming"])[0] != "upcoming":
            route.fulfill(status=200, content_type="application/json",
                          body=json.dumps({"bookings": [], "next_cursor": None}))
            return
        limit = int(query["limit"][0])
        at = int(query.get("cursor", ["0"])[0])
        real = route.fetch(url=url._replace(query=urlencode(
            {k: v for k, v in query.items() if k != "cursor"}, doseq=True)).geturl())
        listed = sorted(rows + real.json()["bookings"],
                        key=lambda b: (datetime.fromisoformat(b["start"]), b["uid"]))
        more = str(at + limit) if at + limit < len(listed) else None
        route.fulfill(status=200, content_type="application/json", body=json.dumps(
            {"bookings": listed[at:at + limit], "next_cursor": more}))
    return answer


def test_a_live_booking_puts_its_one_row_in_place_without_reading_the_pages_again(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    start = datetime.fromisoformat(first_slot(stack, slug, "intro").replace("Z", "+00:00"))
    # 700 upcoming bookings, the client's new one to fall between the 40th and the 41st
    context.route("**/me/bookings?*", upcoming_of(700, start - timedelta(minutes=40 * 30 - 15)))
    page = open_dashboard(context, stack, "/app/bookings")
    rows = page.locator("#bookings-list .booking")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    with page.expect_response(lambda r: "attendee=client" in r.url):
        page.get_by_label("Find a client").fill("client")
    expect(rows).to_have_count(100)
    more = page.get_by_role("button", name="Show more")
    for shown in range(200, 800, 100):
        more.click()
        expect(rows).to_have_count(shown)
    expect(more).to_be_hidden()
    page.wait_for_load_state("networkidle")  # the socket's catch-up read has drawn
    # The host is on row 400: its answers open, its Cancel focused
    kept = page.locator('#bookings-list .booking[data-uid="u0400"]')
    kept.get_by_text("Answers").click()
    cancel = kept.get_by_role("button", name=re.compile("^Cancel"))
    cancel.focus()
    top = kept.bounding_box()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/me/bookings" in r.url else None)
    heard: list[dict[str, Any]] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: heard.append(
        json.loads(frame)) if isinstance(frame, str) and frame.startswith("{") else None))

    # WHEN a client books, the event coming over the dashboard's socket
    made = book(stack, slug, "intro", "Client Ada Lovelace")

    # THEN its row is put in at its time, between the 40th and the 41st
    expect(rows.nth(40)).to_have_attribute("data-uid", made["uid"])
    expect(rows.nth(40)).to_contain_text("Client Ada Lovelace")
    page.wait_for_load_state("networkidle")
    # having read that booking alone, once for each event that asked (created and
    # confirmed, come together or apart), and no page of the list
    told = [e for e in heard if e.get("booking", {}).get("uid") == made["uid"]
            and e.get("type") != "booking.updated"]
    assert [u for u in asked if "/me/bookings?" in u] == []
    reads = [u for u in asked if u.endswith(f"/me/bookings/{made['uid']}")]
    assert 1 <= len(reads) <= max(len(told), 1), (reads, told)
    # and the host's place is as it was: the focus, the answers opened, the row where it
    # was on the screen, the client looked for and the tab
    expect(cancel).to_be_focused()
    expect(kept.locator("details.booking-answers")).to_have_attribute("open", "")
    box = kept.bounding_box()
    assert top is not None and box is not None and abs(box["y"] - top["y"]) < 1
    expect(page.get_by_label("Find a client")).to_have_value("client")
    expect(page.get_by_role("tab", name="Upcoming")).to_have_attribute("aria-selected", "true")
