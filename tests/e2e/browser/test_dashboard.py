"""The host dashboard in headless Chromium against the local stack.

A host signs up, sets hours and an event type, copies its link and sees bookings
arrive live; the live socket survives the gateway dropping it; the dashboard works
at phone width and by keyboard; the session is httpOnly cookies that logout clears.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from playwright.sync_api import BrowserContext, Locator, Page, Route, WebSocket, expect

from local.stack import REGION, TABLE
from tests.e2e.browser.audit import unseen_focus
from tests.e2e.browser.conftest import DESKTOP, PHONE, NewContext
from tests.e2e.browser.visitor import finish_stripe_onboarding, pay_at_stripe
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]
PASSWORD = "a long passphrase"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
CLIENT_PHONE = "+1 415 555 0100"  # the number a phone call's client gives


def first_slot(stack: LocalStack, slug: str, event: str) -> str:
    """The first free start from tomorrow."""
    today = date.today()
    r = requests.get(f"{stack.api_url}/hosts/{slug}/{event}/slots", timeout=30, params={
        "start": str(today + timedelta(days=1)), "end": str(today + timedelta(days=14)),
        "timeZone": "UTC"})
    assert r.status_code == 200, r.text
    return str(next(day for day in r.json()["slots"].values() if day)[0]["start"])


def numbers_to_call(stack: LocalStack, slug: str, event: str) -> dict[str, str]:
    """CLIENT_PHONE for each phone question the event type asks (a phone call asks the
    number to call, EventType.booking_questions): the booking's answers."""
    r = requests.get(f"{stack.api_url}/hosts/{slug}/{event}", timeout=30)
    assert r.status_code == 200, r.text
    return {q["id"]: CLIENT_PHONE for q in r.json()["questions"] if q["type"] == "phone"}


def book(stack: LocalStack, slug: str, event: str, name: str,
         start: str | None = None) -> dict[str, Any]:
    r = requests.post(f"{stack.api_url}/hosts/{slug}/{event}/bookings", timeout=30, json={
        "start": start or first_slot(stack, slug, event),
        "attendee": {"name": name, "email": "client@example.com", "timezone": "Asia/Kolkata"},
        "answers": numbers_to_call(stack, slug, event)})
    assert r.status_code == 201, r.text
    return dict(r.json())


def open_dashboard(context: BrowserContext, stack: LocalStack, path: str = "/app") -> Page:
    page = context.new_page()
    page.goto(f"{stack.api_url}{path}")
    return page


def sign_up_in_browser(context: BrowserContext, stack: LocalStack) -> tuple[str, str]:
    """A host signed up through the dashboard's own cookie-session endpoint; (slug, id)."""
    slug = f"dash-{secrets.token_hex(4)}"
    r = context.request.post(f"{stack.api_url}/auth/session/signup", headers={
        "Origin": stack.api_url}, data={
        "email": f"{slug}@example.com", "password": PASSWORD, "slug": slug,
        "display_name": "Dana Dash", "timezone": "UTC"})
    assert r.status == 201, r.text()
    return slug, str(r.json()["host_id"])


def csrf_headers(context: BrowserContext, stack: LocalStack) -> dict[str, str]:
    token = next(c["value"] for c in context.cookies() if c["name"].endswith("penny_csrf"))
    return {"Origin": stack.api_url, "X-CSRF-Token": token}


def profile_of(context: BrowserContext, stack: LocalStack) -> dict[str, Any]:
    """The signed-in host's profile as the API has it (GET /me/profile)."""
    r = context.request.get(f"{stack.api_url}/me/profile")
    assert r.status == 200, r.text()
    return dict(r.json())


def set_up_host(context: BrowserContext, stack: LocalStack, slug: str,
                paid: bool = False) -> None:
    """Weekdays all day (UTC), a free "intro" and a "strategy" session: with `paid`, the
    sandbox's Stripe connected and the strategy session at €120 (booked, it waits for its
    payment), else free."""
    headers = csrf_headers(context, stack)
    weekly = {day: [{"start": "00:00", "end": "24:00"}] for day in WEEKDAYS}
    r = context.request.put(f"{stack.api_url}/me/schedule", headers=headers,
                            data={"weekly": weekly})
    assert r.status == 200, r.text()
    if paid:
        connect_stripe_in_browser(context, stack)
    price = {"price": {"amount_minor": 12000, "currency": "EUR"}} if paid else {}
    for body in ({"slug": "intro", "title": "Intro call", "duration_minutes": 30,
                  "location": {"kind": "zoom"}},
                 {"slug": "strategy", "title": "Strategy session", "duration_minutes": 60,
                  "location": {"kind": "google_meet"}, **price}):
        r = context.request.post(f"{stack.api_url}/me/event-types", headers=headers, data=body)
        assert r.status == 201, r.text()


def connect_stripe_in_browser(context: BrowserContext, stack: LocalStack) -> None:
    """The logged-in host connects the sandbox's Stripe (its onboarding completed)."""
    headers = csrf_headers(context, stack)
    r = context.request.post(f"{stack.api_url}/me/connections/stripe", headers=headers,
                             data={"features": ["payments"]})
    assert r.status == 200, r.text()
    finish_stripe_onboarding(str(r.json()["authorize_url"]))
    r = context.request.post(f"{stack.api_url}/me/connections/stripe/test", headers=headers)
    assert (r.status, r.json()["status"]) == (200, "connected"), r.text()


def drop_sockets(stack: LocalStack, host_id: str) -> int:
    """Close the host's WebSockets from the gateway side, as API Gateway may at any time;
    how many were open (the items of sockets closed earlier stay until a push or TTL)."""
    table = boto3.resource("dynamodb", region_name=REGION, endpoint_url=stack.aws_url,
                           aws_access_key_id="testing", aws_secret_access_key="testing"
                           ).Table(TABLE)
    items = table.query(KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues={":pk": f"HOSTCONNS#{host_id}"})["Items"]
    management = "http" + stack.ws_url.removeprefix("ws")
    dropped = 0
    for item in items:  # the stored attribute keeps API Gateway's name (store/items.py)
        r = requests.delete(f"{management}/@connections/{item['connection_id']}", timeout=30)
        assert r.status_code in (204, 410), r.text
        dropped += r.status_code == 204
    return dropped


def view(page: Page, name: str) -> Locator:
    """One view of the dashboard (the others are in the page, hidden)."""
    return page.locator(f'[data-view="{name}"]')


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


# ---- the whole journey ------------------------------------------------------------------

def test_host_signs_up_sets_hours_and_an_event_type_copies_the_link_and_sees_a_live_booking(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot,
        console_errors: Callable[[Page], list[str]]) -> None:
    context = new_context(timezone_id="Europe/Berlin")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.api_url)
    page = open_dashboard(context, stack)
    errors = console_errors(page)
    slug = f"kim-{secrets.token_hex(4)}"

    # GIVEN a visitor with no session: the dashboard asks to log in
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    page.get_by_role("link", name="Create an account").click()

    # WHEN they sign up
    signup = view(page, "signup")
    signup.get_by_label("Your name").fill("Kim Coach")
    signup.get_by_label("Email").fill(f"{slug}@example.com")
    signup.get_by_label("Password").fill(PASSWORD)
    signup.get_by_label("Your link").fill(slug)
    expect(signup.get_by_label("Timezone")).to_have_value("Europe/Berlin")  # detected
    signup.get_by_role("button", name="Create account").click()

    # THEN the first page asks which platforms to connect. The stack sets up the provider
    # sandbox's Google, Microsoft, Zoom, Notion, Stripe and Razorpay: those connect (Google
    # twice: its calendar, and its Docs for notes); the brief is the operator's, and says so
    expect(page).to_have_url(f"{stack.api_url}/app/welcome")
    welcome = view(page, "welcome")
    expect(page.get_by_text("Step 1 of 3: Calendars and video")).to_be_visible()
    for name in ("Google Calendar", "Outlook Calendar", "Zoom"):
        expect(page.get_by_role("button", name=f"Connect {name}")).to_be_enabled()
    expect(welcome.locator(".integration-badge", has_text="Not connected")).to_have_count(3)
    expect(welcome.get_by_text("Penny asks Google for your calendar only.")).to_be_visible()
    expect(welcome.get_by_text("Not available on this Penny")).to_have_count(0)
    expect(welcome.get_by_text("Coming soon")).to_have_count(0)
    screenshot(page, "dashboard-welcome")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("button", name="Connect Notion")).to_be_enabled()
    expect(page.get_by_role("button", name="Connect Google Docs")).to_be_enabled()
    docs = welcome.locator('.integration:has(h3:text-is("Google Docs"))')
    expect(docs.locator(".integration-badge")).to_have_text("Not connected")
    expect(docs.get_by_text("a Google Doc per booking, in a folder Penny makes in your Drive")
           ).to_be_visible()
    # The brief is the operator's to set up, not the host's to connect: no button (the
    # stack's sandbox sets Gemini up, so the card says so, and who gets briefs)
    brief = welcome.locator(".integration", has_text="Pre-meeting brief")
    expect(brief.get_by_text("Set up on this Penny")).to_be_visible()
    expect(brief.get_by_text("On for premium hosts: each confirmed booking gets a brief")
           ).to_be_visible()
    expect(brief.get_by_role("button")).to_have_count(0)
    page.get_by_role("button", name="Next").click()
    for name in ("Stripe", "Razorpay"):  # the sandbox's, on this stack
        expect(page.get_by_role("button", name=f"Connect {name}")).to_be_enabled()
    expect(welcome.get_by_text("Penny sends you to Stripe to connect your Stripe account")
           ).to_be_visible()
    expect(welcome.get_by_text("Coming soon")).to_have_count(0)
    page.get_by_role("button", name="Finish: set your hours").click()

    # The session is httpOnly cookies; web storage holds no token, only when the access
    # cookie runs out (so the page refreshes before a request, not after its 401)
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["penny_access"]["httpOnly"] and cookies["penny_refresh"]["httpOnly"]
    assert cookies["penny_access"]["sameSite"] == "Strict"
    assert not cookies["penny_csrf"]["httpOnly"]
    stored = page.evaluate("({...localStorage, ...sessionStorage})")
    assert list(stored) == ["penny-session-expires"]
    assert stored["penny-session-expires"].isdigit()

    # Availability: weekdays 09:00-17:00 are suggested; make Monday 10:00-16:00, save
    expect(page).to_have_url(f"{stack.api_url}/app/availability")
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday", exact=True)).to_be_checked()
    expect(availability.get_by_label("Saturday", exact=True)).not_to_be_checked()
    availability.get_by_label("Monday, hours 1: from").fill("10:00")
    availability.get_by_label("Monday, hours 1: until").fill("16:00")
    availability.get_by_role("button", name="Save availability").click()
    expect(page.locator(".toast", has_text="Availability saved")).to_be_visible()
    # Hours alone are not bookable: with no event type yet, the host is told what is next
    expect(page.locator(".toast", has_text="Next: add an event type")).to_be_visible()

    # Event type: create it, then copy its link
    page.get_by_role("link", name="Event types").click()
    page.get_by_role("button", name="New event type").click()
    editor = page.locator("#et-form")
    editor.get_by_label("Title").fill("Intro call")
    expect(editor.get_by_label("Link name")).to_have_value("intro-call")
    editor.get_by_label("Duration (minutes)").fill("30")
    # A link name the pattern refuses says what it may hold, not only "match the format"
    editor.get_by_label("Link name").fill("Intro Call!")
    editor.get_by_role("button", name="Save event type").click()
    expect(editor.locator("#et-slug-error")).to_contain_text(
        "Lower-case letters, digits and dashes.")
    editor.get_by_label("Link name").fill("intro-call")
    editor.get_by_role("button", name="Save event type").click()
    copy = page.get_by_role("button", name="Copy link to Intro call")
    copy.click()
    link = f"{stack.api_url}/{slug}/intro-call"
    expect(page.locator(".toast", has_text="Link copied")).to_contain_text(link)
    assert page.evaluate("navigator.clipboard.readText()") == link

    # The saved hours are what the public API now offers: Monday 10:00-16:00 Berlin
    monday = date.today() + timedelta(days=(7 - date.today().weekday()))
    r = requests.get(f"{stack.api_url}/hosts/{slug}/intro-call/slots", timeout=30, params={
        "start": str(monday), "end": str(monday), "timeZone": "Europe/Berlin"})
    times = [s["start"][11:16] for s in r.json()["slots"][str(monday)]]
    assert times[0] == "10:00" and times[-1] == "15:30"

    # WHEN a client books (the public API, as the booking page does)
    page.get_by_role("link", name="Bookings").click()
    expect(view(page, "bookings").get_by_text("No upcoming bookings")).to_be_visible()
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    book(stack, slug, "intro-call", "Ada Lovelace")

    # THEN a toast says so and the list shows it, without a reload
    toast = page.locator("#toasts .toast", has_text="New booking: Intro call")
    expect(toast).to_be_visible(timeout=30_000)
    expect(toast).to_contain_text("Ada Lovelace")
    assert page.locator("#toasts").get_attribute("aria-live") == "polite"
    booking = page.locator(".booking", has_text="Ada Lovelace")
    expect(booking).to_be_visible()
    expect(booking.locator(".badge", has_text="Confirmed")).to_be_visible()
    expect(booking.locator(".badge", has_text="Free")).to_be_visible()
    screenshot(page, "dashboard-desktop")

    # A reload keeps the session (the cookie), and logging out ends it
    page.reload()
    expect(page.locator(".booking", has_text="Ada Lovelace")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    assert not [c for c in context.cookies() if c["name"].startswith("penny_")]
    page.goto(f"{stack.api_url}/app/bookings")
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    assert errors == []


def test_live_updates_reconnect_with_a_fresh_ticket_after_the_socket_drops(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, host_id = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/bookings")
    pill = page.locator("#live-pill")
    expect(pill).to_have_attribute("data-state", "live")

    # WHEN the gateway drops the socket
    # THEN the dashboard asks for a fresh ticket and reconnects on its own
    with page.expect_request(lambda r: r.url.endswith("/me/realtime/ticket"), timeout=30_000):
        assert drop_sockets(stack, host_id) == 1
    expect(pill).to_have_attribute("data-state", "live", timeout=30_000)
    book(stack, slug, "intro", "Grace Hopper")
    expect(page.locator(".toast", has_text="New booking: Intro call")).to_be_visible(
        timeout=30_000)
    expect(page.locator(".booking", has_text="Grace Hopper")).to_be_visible()

    # A cancellation arrives live too, and moves the booking to the cancelled tab
    booking = book(stack, slug, "intro", "Alan Turing")
    expect(page.locator(".booking", has_text="Alan Turing")).to_be_visible(timeout=30_000)
    r = requests.post(f"{stack.api_url}/bookings/{booking['uid']}/cancel", timeout=30,
                      json={"token": booking["links"]["cancel_token"], "reason": "ill"})
    assert r.status_code == 200, r.text
    expect(page.locator(".toast", has_text="Booking cancelled: Intro call")).to_be_visible(
        timeout=30_000)
    expect(page.locator(".booking", has_text="Alan Turing")).to_have_count(0)


def test_reconnecting_while_a_ticket_is_on_its_way_leaves_one_socket_and_logout_closes_it(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    held: list[Route] = []

    def hold_the_first_ticket(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    context.route("**/me/realtime/ticket", hold_the_first_ticket)
    page = context.new_page()
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    with page.expect_request(lambda r: r.url.endswith("/me/realtime/ticket")):
        page.goto(f"{stack.api_url}/app/connections")
    pill = page.locator("#live-pill")
    expect(pill).to_have_attribute("data-state", "connecting")

    # WHEN the host asks to reconnect while the first ticket is still on its way
    page.get_by_role("button", name="Reconnect now").click()
    expect(pill).to_have_attribute("data-state", "live")
    # (live, there is nothing to reconnect: the button goes)
    expect(page.get_by_role("button", name="Reconnect now")).to_be_hidden()
    # ... and that first ticket arrives late
    with page.expect_response(lambda r: r.request == held[0].request):
        held[0].continue_()
    page.wait_for_timeout(500)  # time for a superseded connect to (wrongly) open a socket

    # THEN only the second connect opened a socket, and logging out closes it
    assert len(sockets) == 1
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    if not sockets[0].is_closed():
        sockets[0].wait_for_event("close")  # times out, failing the test, if left open


def test_an_expired_access_cookie_is_refreshed_without_the_host_noticing(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/event-types")
    expect(page.locator(".event-type")).to_have_count(2)
    refresh_cookie = next(c["value"] for c in context.cookies() if c["name"] == "penny_refresh")
    refreshes: list[str] = []
    page.on("request", lambda r: refreshes.append(r.url) if r.url.endswith(
        "/auth/session/refresh") else None)

    # WHEN the 15-minute access cookie is gone (the browser drops it at Max-Age)
    context.clear_cookies(name="penny_access")
    page.get_by_role("link", name="Bookings").click()

    # THEN one refresh brings a new session and the page carries on
    expect(view(page, "bookings").get_by_text("No upcoming bookings")).to_be_visible()
    expect(page).to_have_url(f"{stack.api_url}/app/bookings")
    assert len(refreshes) == 1
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert cookies["penny_access"] and cookies["penny_refresh"] != refresh_cookie


def bookings_live(stack: LocalStack, new_context: NewContext, client: str
                  ) -> tuple[str, Page]:
    """A host (set_up_host) with `client`'s intro call booked, on a live Bookings view
    whose socket's catch-up read has drawn the list (it draws it anew: a key pressed or
    a button clicked before may be lost); (the host's slug, the page)."""
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    book(stack, slug, "intro", client)
    page = open_dashboard(context, stack, "/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    page.wait_for_load_state("networkidle")
    return slug, page


def test_the_host_cancels_from_the_list_with_the_keyboard(
        stack: LocalStack, new_context: NewContext) -> None:
    _, page = bookings_live(stack, new_context, "Barbara Liskov")
    cancel = page.get_by_role("button", name=re.compile("^Cancel Intro call with Barbara"))
    expect(cancel).to_be_visible()

    cancel.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Reason for the client").fill("Travelling that week")
    page.get_by_role("button", name="Cancel booking").press("Enter")

    expect(page.locator(".booking", has_text="Barbara Liskov")).to_have_count(0)
    # Penny sends no e-mail, and does not say it will tell the client
    expect(page.locator(".toast", has_text="Booking cancelled.")).to_contain_text(
        "Barbara Liskov's booking links now say so")
    tab = page.get_by_role("tab", name="Upcoming")
    tab.focus()
    page.keyboard.press("End")
    cancelled = page.get_by_role("tab", name="Cancelled")
    expect(cancelled).to_be_focused()
    expect(cancelled).to_have_attribute("aria-selected", "true")
    row = page.locator(".booking", has_text="Barbara Liskov")
    expect(row).to_contain_text("Travelling that week")
    expect(row.locator(".badge", has_text="Cancelled")).to_be_visible()


def test_a_cancel_on_its_way_cannot_be_asked_again_from_its_row(
        stack: LocalStack, new_context: NewContext) -> None:
    slug, page = bookings_live(stack, new_context, "Barbara Liskov")
    held: list[Route] = []
    page.route("**/me/bookings/*/cancel", lambda route: held.append(route))
    cancel = page.get_by_role("button", name=re.compile("^Cancel Intro call with Barbara"))

    # WHEN the host confirms the cancel, and it is slow to be answered
    cancel.click()
    page.get_by_role("button", name="Cancel booking").click()

    # THEN the row's Cancel waits for it, also when the list is drawn anew meanwhile
    expect(cancel).to_be_disabled()
    expect(cancel).to_have_text("Cancelling…")
    book(stack, slug, "intro", "Ada Lovelace")
    expect(page.locator(".booking")).to_have_count(2)
    expect(cancel).to_be_disabled()
    assert len(held) == 1

    # ... and once answered, the booking is cancelled with no word of a failure
    held[0].continue_()
    page.unroute("**/me/bookings/*/cancel")
    expect(page.locator(".toast", has_text="Booking cancelled.")).to_be_visible()
    expect(page.locator(".booking", has_text="Barbara Liskov")).to_have_count(0)
    expect(page.locator(".toast", has_text="Could not cancel")).to_have_count(0)


def test_a_live_redraw_of_the_bookings_keeps_the_keyboards_place(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    book(stack, slug, "intro", "Ada Lovelace")
    barbara = book(stack, slug, "intro", "Barbara Liskov")
    page = open_dashboard(context, stack, "/app/bookings")
    expect(page.locator(".booking")).to_have_count(2)
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    page.wait_for_load_state("networkidle")  # the socket's catch-up read has drawn
    cancel = page.get_by_role("button", name=re.compile("^Cancel Intro call with Barbara"))
    cancel.focus()

    # WHEN a booking made meanwhile draws the list anew
    book(stack, slug, "intro", "Charles Babbage")

    # THEN the keyboard is still on Barbara's Cancel (it fell to the page's body)
    expect(page.locator(".booking")).to_have_count(3)
    expect(cancel).to_be_focused()

    # WHEN Barbara's booking leaves the list while the keyboard is on it
    r = context.request.post(f"{stack.api_url}/me/bookings/{barbara['uid']}/cancel",
                             headers=csrf_headers(context, stack), data={"reason": None})
    assert r.status == 200, r.text()

    # THEN it is on the Cancel of the row now in its place
    expect(page.locator(".booking")).to_have_count(2)
    expect(page.get_by_role("button", name=re.compile("^Cancel Intro call with Charles"))
           ).to_be_focused()


@pytest.fixture
def own_stack() -> Iterator[LocalStack]:
    """A stack of this test's own: the embedded AWS copies the whole table (items and
    stream records) before every transaction, so a hundred bookings of one host would
    slow every later booking of the session's stack, shared by every browser test
    (measured: the 60th booking of a host takes three times as long as the first)."""
    running = LocalStack.start()
    yield running
    running.assert_stops_cleanly()


def test_a_host_with_more_bookings_than_a_page_shows_the_rest_with_show_more(
        own_stack: LocalStack, new_context: NewContext) -> None:
    stack = own_stack
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    # From tomorrow: a time starting while the 101 are booked would leave the upcoming list
    tomorrow = date.today() + timedelta(days=1)
    slots = requests.get(f"{stack.api_url}/hosts/{slug}/intro/slots", timeout=30, params={
        "start": tomorrow.isoformat(), "end": (tomorrow + timedelta(days=14)).isoformat(),
        "timeZone": "UTC"}).json()["slots"]
    starts = [s["start"] for day in sorted(slots) for s in slots[day]][:101]
    for n, start in enumerate(starts):  # another client each: 5 a day is one's allowance
        r = requests.post(f"{stack.api_url}/hosts/{slug}/intro/bookings", timeout=30, json={
            "start": start, "attendee": {"name": f"Client {n:03}",
                                         "email": f"client{n}@example.com",
                                         "timezone": "UTC"}})
        assert r.status_code == 201, r.text

    # The dashboard's socket is slow to open (its ticket held back), and "Show more" is
    # slow to answer: the catch-up read the socket's opening makes begins while the
    # next page is on its way, and must not undo it.
    held: dict[str, Route] = {}
    context.route("**/me/realtime/ticket", lambda route: held.setdefault("ticket", route))
    context.route("**/me/bookings?*cursor=*", lambda route: held.setdefault("more", route))
    page = open_dashboard(context, stack, "/app/bookings")
    rows = page.locator("#bookings-list .booking")
    expect(rows).to_have_count(100)
    expect(page.get_by_text("Client 100")).to_have_count(0)

    with page.expect_request(lambda r: "cursor=" in r.url):
        page.get_by_role("button", name="Show more").click()
    with page.expect_request(lambda r: "/me/bookings?" in r.url and "cursor=" not in r.url):
        held["ticket"].continue_()  # the socket opens: its catch-up read begins
    context.unroute("**/me/bookings?*cursor=*")
    held["more"].continue_()

    expect(rows).to_have_count(101)
    expect(rows.last).to_contain_text("Client 100")
    expect(page.get_by_role("button", name="Show more")).to_be_hidden()
    # The reads still on their way end before the page closes (the stack must stop with
    # no write to a closed connection)
    page.wait_for_load_state("networkidle")
    page.close()


def test_hiding_an_event_type_keeps_its_link_but_takes_it_off_the_profile(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/event-types")

    # The accessible name starts with the words on the button (WCAG 2.5.3, label in name)
    page.get_by_role("button", name="Hide from profile: Strategy session", exact=True).click()

    expect(page.get_by_role("button", name="Show on profile: Strategy session", exact=True)
           ).to_be_visible()
    listed = requests.get(f"{stack.api_url}/hosts/{slug}", timeout=30).json()["event_types"]
    assert [e["slug"] for e in listed] == ["intro"]
    assert requests.get(f"{stack.api_url}/hosts/{slug}/strategy", timeout=30).status_code == 200


def test_a_server_error_is_shown_next_to_its_field(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/profile")

    profile = view(page, "profile")
    field = profile.get_by_label("Your link")
    expect(field).to_have_value(slug)
    field.fill("demo")  # the seeded demo host has it
    profile.get_by_role("button", name="Save profile").click()

    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    expect(page.locator("#profile-slug-error")).to_contain_text("taken")


def test_the_dashboard_at_phone_width(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot,
        console_errors: Callable[[Page], list[str]]) -> None:
    context = new_context(viewport=PHONE, timezone_id="America/New_York", is_mobile=True,
                          has_touch=True)
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug, paid=True)
    book(stack, slug, "intro", "Katherine Johnson")
    # Paid on the sandbox's Stripe page: its signed webhook confirms the booking
    pay_at_stripe(book(stack, slug, "strategy", "Dorothy Vaughan")["payment"]["checkout_url"])
    book(stack, slug, "strategy", "Mary Jackson")  # the next free time: it waits
    page = open_dashboard(context, stack, "/app/bookings")
    errors = console_errors(page)

    expect(page.locator(".booking")).to_have_count(3)
    paid = page.locator(".booking", has_text="Dorothy Vaughan")
    expect(paid.locator(".badge", has_text="€120.00")).to_have_text("Paid · €120.00")
    expect(paid.locator(".booking-payment")).to_have_text("Paid €120.00 through Stripe.")
    waiting = page.locator(".booking", has_text="Mary Jackson")
    expect(waiting.locator(".badge", has_text="€120.00")).to_have_text(
        "Awaiting payment · €120.00")
    assert no_horizontal_scroll(page)
    screenshot(page, "dashboard-phone")

    page.get_by_role("link", name="Event types").click()
    expect(page.locator(".event-type")).to_have_count(2)
    assert no_horizontal_scroll(page)
    screenshot(page, "dashboard-event-types-phone")

    page.get_by_role("link", name="Availability").click()
    expect(view(page, "availability").get_by_label("Monday", exact=True)).to_be_checked()
    assert no_horizontal_scroll(page)
    assert errors == []


def test_the_dashboard_at_desktop_width_lists_event_types(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    context = new_context(viewport=DESKTOP)
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug, paid=True)
    page = open_dashboard(context, stack, "/app/event-types")

    expect(page.locator(".event-type")).to_have_count(2)
    expect(page.locator(".event-type", has_text="Strategy session")).to_contain_text("€120.00")
    screenshot(page, "dashboard-event-types-desktop")


def test_an_event_type_priced_at_zero_is_free_on_its_card_as_on_its_pages(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(viewport=DESKTOP)
    sign_up_in_browser(context, stack)
    r = context.request.post(f"{stack.api_url}/me/event-types",
                             headers=csrf_headers(context, stack), data={
                                 "slug": "chat", "title": "Quick chat", "duration_minutes": 15,
                                 "location": {"kind": "phone"},
                                 "price": {"amount_minor": 0, "currency": "USD"}})
    assert r.status == 201, r.text()

    page = open_dashboard(context, stack, "/app/event-types")

    card = page.locator(".event-type", has_text="Quick chat")
    expect(card).to_contain_text("Free")
    expect(card).not_to_contain_text("$0.00")


# ---- layout and accessibility (issue 11) --------------------------------------------------

# The box a finger can hit: the control, or the label that wraps a checkbox (a tap on it
# ticks the box). As tests/e2e/browser/audit.py measures it.
FINGER_BOX = """el => {
  const target = el.type === 'checkbox' && el.closest('label') ? el.closest('label') : el;
  const box = target.getBoundingClientRect();
  return [box.width, box.height];
}"""


def too_small(controls: Locator, what: str, minimum: int = 44) -> list[str]:
    found = []
    for i in range(controls.count()):
        width, height = controls.nth(i).evaluate(FINGER_BOX)
        if width + 0.5 < minimum or height + 0.5 < minimum:
            found.append(f"{what} {i + 1}: {round(width)}x{round(height)} px")
    return found


def fits(element: Locator) -> bool:
    """Whether the element shows all its text (its own overflow cuts nothing off)."""
    return bool(element.evaluate("el => el.scrollWidth <= el.clientWidth"))


def test_your_link_shows_the_whole_address_or_cuts_its_start_behind_a_visible_ellipsis(
        stack: LocalStack, new_context: NewContext) -> None:
    # The address is shown as the rest of the dashboard shows links: without the scheme.
    address = stack.api_url.split("://", 1)[1] + "/"
    signup = new_context(viewport=PHONE).new_page()
    signup.goto(f"{stack.api_url}/app/signup")
    expect(signup.locator("#signup-slug-prefix")).to_have_text(address)
    assert fits(signup.locator("#signup-slug-prefix"))

    context = new_context(viewport=PHONE)
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/profile")
    prefix = page.locator("#profile-slug-prefix")
    expect(prefix).to_have_text(address)
    assert fits(prefix)
    expect(prefix).to_have_attribute("title", f"{stack.api_url}/")

    # WHEN the screen is too narrow for the whole address
    page.set_viewport_size({"width": 260, "height": 700})

    # THEN its start gives way to an ellipsis the host can see, and the end stays by the slug
    expect(prefix).to_have_text(re.compile(r"^\u2026.+:\d+/$"))
    assert fits(prefix)
    expect(prefix).to_have_attribute("title", f"{stack.api_url}/")


def test_at_phone_width_the_nav_is_one_row_and_the_hosts_name_stays_in_view(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/bookings")
    links = page.locator("#dash-nav a")
    expect(links.first).to_be_visible()

    assert len(set(links.evaluate_all("links => links.map((a) => a.offsetTop)"))) == 1
    host = page.locator("#dash-host")
    expect(host).to_have_text("Dana Dash")
    expect(host).to_be_visible()
    assert (host.bounding_box() or {"width": 0})["width"] > 0

    # The row scrolls sideways, not the page, and its far end can be reached
    assert no_horizontal_scroll(page)
    links.last.click()
    expect(page).to_have_url(f"{stack.api_url}/app/connections")
    expect(links.last).to_be_in_viewport()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_nav_and_the_booking_tabs_draw_their_focus_rings_in_full(
        stack: LocalStack, new_context: NewContext, viewport: dict[str, int]) -> None:
    context = new_context(viewport=viewport)
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/bookings")
    expect(view(page, "bookings").get_by_text("No upcoming bookings")).to_be_visible()

    # No scrolling row (nav, tabs) cuts the ring of a control inside it
    assert unseen_focus(page) == []


def test_the_small_controls_are_44px_targets_for_a_finger(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/availability")
    days = page.locator("#av-weekly input[type=checkbox]")
    expect(page.locator("#av-weekly input:checked")).to_have_count(5)  # the saved hours
    page.get_by_role("button", name="Save availability").click()
    dismiss = page.locator(".toast", has_text="Availability saved").get_by_role("button")
    expect(dismiss).to_be_visible()
    found = too_small(dismiss, "toast's Dismiss")  # measured before the toast goes (8 s)
    page.get_by_role("button", name="Add a date").click()
    found += (too_small(page.locator(".dash-brand"), "brand link")
              + too_small(page.locator("#live-pill"), "live pill")
              + too_small(page.locator("#dash-nav a"), "nav link")
              + too_small(days, "day checkbox")
              + too_small(page.locator(".override-off"), "day-off checkbox"))

    page.once("dialog", lambda dialog: dialog.accept())  # the date added is left unsaved
    page.get_by_role("link", name="Event types").click()
    expect(page.locator(".event-type")).to_have_count(2)
    page.get_by_role("button", name="New event type").click()
    page.get_by_role("button", name="Add a question").click()
    found += (too_small(page.locator(".et-url"), "event type link")
              + too_small(page.locator("#et-form summary"), "Scheduling rules")
              + too_small(page.locator("#et-hidden"), "hide checkbox")
              + too_small(page.locator("#et-questions input[type=checkbox]"), "required checkbox"))

    assert found == []


def test_an_unknown_dashboard_page_is_a_404_page(stack: LocalStack) -> None:
    r = requests.get(f"{stack.api_url}/app/nope", timeout=30)

    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")


def test_the_page_allows_exactly_its_websocket_origin(stack: LocalStack) -> None:
    r = requests.get(f"{stack.api_url}/app", timeout=30)

    csp = r.headers["Content-Security-Policy"]
    assert f"connect-src 'self' {stack.ws_url}" in csp
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert f'"websocketUrl":"{stack.ws_url}"' in r.text



def test_a_bookings_read_answered_after_logout_is_dropped_without_an_error(
        stack: LocalStack, new_context: NewContext,
        console_errors: Callable[[Page], list[str]]) -> None:
    # GIVEN a dashboard whose bookings reads are answered late: each is sent, and its
    # answer held back (a slow network)
    context = new_context()
    sign_up_in_browser(context, stack)
    page = context.new_page()
    errors = console_errors(page)
    held: list[tuple[Route, Any]] = []

    def answer_late(route: Route) -> None:
        held.append((route, route.fetch()))

    page.route("**/me/bookings?*", answer_late)
    page.goto(f"{stack.api_url}/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")

    # WHEN the host logs out, and only then do the reads' answers arrive
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    assert held
    for route, answer in held:
        route.fulfill(response=answer)
    page.wait_for_timeout(300)  # time for a late answer to (wrongly) be drawn

    # THEN nothing throws: the answers belong to a session that ended
    assert not [e for e in errors if "uncaught" in e], errors
