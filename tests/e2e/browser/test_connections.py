"""Connecting platforms from the dashboard, in headless Chromium against the local stack and
its provider sandbox (fake Google, Microsoft, Zoom and Notion on loopback).

A new host connects Google, Zoom and Notion through the sandbox's consent pages and sees
them connected with the sandbox account; disconnects Zoom; says no at a consent page and comes
back to a plain message; and sees a connection the provider revoked flagged as broken,
live, with a Reconnect button that works.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Request, Route, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import open_dashboard, sign_up_in_browser, view
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]
SANDBOX_ACCOUNT = "ada@sandbox.test"  # the sandbox's seeded account (sandbox/server.py)


def card(page: Page, name: str) -> Locator:
    return page.locator(f'[data-view="connections"] .integration:has(h3:text-is("{name}"))')


def connect(page: Page, stack: LocalStack, name: str, decision: str = "Allow",
            action: str = "Connect", screenshot: Screenshot | None = None,
            untick: tuple[str, ...] = (), back_to: str = "connections") -> None:
    """Press Connect (or Reconnect) on `name`'s card, answer the sandbox's consent page
    (unticking the scopes `untick`), and wait until the provider has sent the browser
    back to the view the card was on (`back_to`: the Connections page, or the welcome
    steps)."""
    page.get_by_role("button", name=f"{action} {name}").click()
    expect(page).to_have_url(re.compile(re.escape(stack.sandbox_url)))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Allow Penny to")
    expect(page.get_by_text("Provider sandbox: a local fake")).to_be_visible()
    if screenshot is not None:
        screenshot(page, "sandbox-consent")
    for scope in untick:
        page.get_by_role("checkbox", name=scope).uncheck()
    page.get_by_role("button", name=decision, exact=True).click()
    # The query the callback added is said, then taken off the address
    expect(page).to_have_url(f"{stack.api_url}/app/{back_to}")


def revoke_at_the_sandbox(context: BrowserContext, stack: LocalStack, provider: str) -> None:
    """The host removes Penny's access at the provider: the Revoke button of the newest
    grant on the sandbox's own page for that provider."""
    sandbox = context.new_page()
    sandbox.goto(f"{stack.sandbox_url}/{provider}/_sandbox")
    rows = sandbox.locator("tr", has=sandbox.get_by_role("button", name="Revoke"))
    count = rows.count()
    assert count > 0, sandbox.content()
    rows.last.get_by_role("button", name="Revoke").click()
    expect(sandbox.locator("tr", has=sandbox.get_by_role("button", name="Revoke"))
           ).to_have_count(count - 1)
    sandbox.close()


def calendars_listed(page: Page, provider: str) -> None:
    """Wait until the Connections page has listed `provider`'s calendars: that read asks
    the provider, so a revoke made while it is on its way breaks the connection first."""
    expect(page.locator(f'#calendars-list li.calendar[data-key^="{provider}:"]').first
           ).to_be_visible()
    expect(page.locator("#calendars-loading")).to_be_hidden()


def penny_console_errors(page: Page, stack: LocalStack) -> list[str]:
    """Console errors, CSP violations and uncaught exceptions of Penny's own pages. The
    consent pages belong to the sandbox (its favicon 404s, as a vendor's might not)."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if msg.type == "error" and (
        msg.location.get("url", "").startswith(stack.api_url)) else None)
    page.on("pageerror", lambda exc: seen.append(f"uncaught: {exc}"))
    return seen


def connections_of(context: BrowserContext, stack: LocalStack) -> dict[str, dict[str, Any]]:
    r = context.request.get(f"{stack.api_url}/me/connections")
    assert r.status == 200, r.text()
    return {c["provider"]: c for c in r.json()["connections"]}


def test_a_new_host_connects_google_zoom_and_notion_sees_them_and_disconnects_zoom(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)

    # GIVEN a new host on the welcome step
    page = open_dashboard(context, stack, "/app/welcome")
    errors = penny_console_errors(page, stack)
    welcome = view(page, "welcome")
    expect(welcome.get_by_role("button", name="Connect Google Calendar")).to_be_enabled()

    # WHEN they connect Google Calendar and allow it on Google's (the sandbox's) page
    connect(page, stack, "Google Calendar", screenshot=screenshot, back_to="welcome")

    # THEN they are back on the welcome steps, whose card says so
    expect(welcome.locator('.integration:has(h3:text-is("Google Calendar")) '
                           ".integration-badge")).to_have_text("Connected")

    # and the Connections page shows the account and when
    page.get_by_role("link", name="Connections").click()
    status = page.locator("#connections-status")
    assert status.get_attribute("role") == "status"
    google = card(page, "Google Calendar")
    expect(google.locator(".integration-badge")).to_have_text("Connected")
    expect(google).to_contain_text(f"Connected as {SANDBOX_ACCOUNT} since ")

    # WHEN they connect Zoom from the Connections page
    connect(page, stack, "Zoom")

    # THEN both are connected with the sandbox account
    expect(status).to_contain_text("Zoom is connected")
    zoom = card(page, "Zoom")
    expect(zoom.locator(".integration-badge")).to_have_text("Connected")
    expect(zoom).to_contain_text(f"Connected as {SANDBOX_ACCOUNT}")
    expect(google.locator(".integration-badge")).to_have_text("Connected")
    found = connections_of(context, stack)
    assert found["google"]["status"] == found["zoom"]["status"] == "connected"
    assert found["google"]["account"] == found["zoom"]["account"] == SANDBOX_ACCOUNT
    # Notion's account is the workspace the host picked
    connect(page, stack, "Notion")
    expect(card(page, "Notion")).to_contain_text("Connected to Sandbox workspace")
    # The buttons say which card they act on, and the status describes them
    disconnect = page.get_by_role("button", name="Disconnect Zoom")
    described = disconnect.get_attribute("aria-describedby")
    expect(zoom.locator(f"#{described}")).to_contain_text("Connected")

    # WHEN they disconnect Zoom: a confirmation first, saying the tokens are revoked
    disconnect.click()
    dialog = page.locator("#disconnect-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Disconnect Zoom?")
    expect(dialog).to_contain_text("revoke")
    dialog.get_by_role("button", name="Disconnect", exact=True).click()

    # THEN Zoom says Not connected, focus is on its Connect button, Google is untouched
    expect(zoom.locator(".integration-badge")).to_have_text("Not connected")
    expect(status).to_contain_text("Zoom is disconnected")
    expect(page.get_by_role("button", name="Connect Zoom")).to_be_focused()
    expect(google.locator(".integration-badge")).to_have_text("Connected")
    assert connections_of(context, stack)["zoom"]["status"] == "not_connected"
    # Stripe and Razorpay are the sandbox's on the local stack (test_paid_bookings.py)
    expect(page.get_by_role("button", name="Connect Stripe")).to_be_enabled()
    expect(card(page, "Stripe")).to_contain_text("Not connected")
    assert errors == []


def test_a_host_who_connects_from_the_welcome_steps_comes_back_to_the_same_step(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)

    # GIVEN a new host at the welcome steps' second step, Notes
    page = open_dashboard(context, stack, "/app/welcome")
    welcome = view(page, "welcome")
    welcome.page.get_by_role("button", name="Next").click()
    expect(welcome.get_by_role("heading", name="Step 2 of 3: Notes")).to_be_visible()

    # WHEN they connect Notion there and allow it on Notion's (the sandbox's) page
    connect(page, stack, "Notion", back_to="welcome")

    # THEN they are back at that step, which says Notion is connected: not sent to the
    # Connections page, away from the steps they had not finished
    expect(welcome.get_by_role("heading", name="Step 2 of 3: Notes")).to_be_visible()
    expect(page.locator(".toast", has_text="Notion is connected")).to_be_visible()
    expect(welcome.locator('.integration:has(h3:text-is("Notion")) .integration-badge')
           ).to_have_text("Connected")
    expect(page.get_by_role("button", name="Finish: set your hours")).to_be_hidden()
    expect(page.get_by_role("button", name="Next")).to_be_visible()


def test_a_host_who_connects_stripe_from_the_welcome_steps_comes_back_to_the_same_step(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)

    # GIVEN a new host at the welcome steps' third step, Payments
    page = open_dashboard(context, stack, "/app/welcome")
    welcome = view(page, "welcome")
    for _ in range(2):
        page.get_by_role("button", name="Next").click()
    expect(welcome.get_by_role("heading", name="Step 3 of 3: Payments")).to_be_visible()

    # WHEN they connect Stripe there and finish Stripe's (the sandbox's) onboarding
    welcome.get_by_role("button", name="Connect Stripe").click()
    expect(page).to_have_url(re.compile(re.escape(stack.sandbox_url)))
    page.get_by_role("button", name="Complete onboarding").click()

    # THEN they are back at that step, which says Stripe is connected: not sent to the
    # Connections page, away from the steps they had not finished
    expect(page).to_have_url(f"{stack.api_url}/app/welcome")
    expect(welcome.get_by_role("heading", name="Step 3 of 3: Payments")).to_be_visible()
    expect(page.locator(".toast", has_text="Stripe is connected")).to_be_visible()
    expect(welcome.locator('.integration:has(h3:text-is("Stripe")) .integration-badge')
           ).to_have_text("Connected")
    expect(page.get_by_role("button", name="Finish: set your hours")).to_be_visible()


def test_saying_no_at_the_consent_page_comes_back_with_a_plain_message_and_nothing_connected(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/connections")

    # WHEN the host starts connecting Outlook and presses Deny at Microsoft's page
    connect(page, stack, "Outlook Calendar", decision="Deny")

    # THEN Penny says, in words, that nothing was connected, and the card agrees
    status = page.locator("#connections-status")
    expect(status).to_contain_text("Outlook Calendar is not connected")
    expect(status).to_contain_text("You said no on Microsoft's page")
    expect(card(page, "Outlook Calendar").locator(".integration-badge")).to_have_text(
        "Not connected")
    expect(page.get_by_role("button", name="Connect Outlook Calendar")).to_be_enabled()
    assert {c["status"] for c in connections_of(context, stack).values()} <= {
        "not_connected", "not_available"}

    # A reload does not say it again: the query is gone
    page.reload()
    expect(page.get_by_role("button", name="Connect Outlook Calendar")).to_be_enabled()
    expect(status).to_be_empty()


def test_a_calendar_permission_unticked_at_google_says_which_and_connects_nothing(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/connections")

    # WHEN the host unticks the calendar's events on Google's page, and allows the rest
    connect(page, stack, "Google Calendar",
            untick=("https://www.googleapis.com/auth/calendar.events.owned",))

    # THEN Penny says which permission was not given and to tick it, and saves nothing
    status = page.locator("#connections-status")
    expect(status).to_contain_text("Connecting Google did not finish")
    expect(status).to_contain_text("You did not tick every box on Google's page")
    expect(status).to_contain_text("put bookings in your calendar")
    expect(status).to_contain_text("Connect again and leave every box ticked")
    expect(card(page, "Google Calendar").locator(".integration-badge")).to_have_text(
        "Not connected")
    assert connections_of(context, stack)["google"]["status"] == "not_connected"


def test_the_way_back_names_what_was_connected_when_the_sockets_read_overtakes_the_pages(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    page.get_by_role("button", name="Connect Google Docs").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Allow Penny to")

    # On the way back the page reads the list, and the socket, opening meanwhile, reads it
    # again: the page's read answers first, while the socket's is still on its way.
    held: dict[str, list[Route]] = {"ticket": [], "list": []}

    def hold(name: str, method: str, count: int) -> Callable[[Route], None]:
        """Hold the first `count` such requests back; let the others through."""
        def handle(route: Route) -> None:
            if route.request.method == method and len(held[name]) < count:
                held[name].append(route)
            else:
                route.continue_()
        return handle

    context.route("**/me/realtime/ticket", hold("ticket", "POST", 1))
    context.route("**/me/connections", hold("list", "GET", 2))
    with page.expect_request(is_list_read):
        page.get_by_role("button", name="Allow", exact=True).click()
    with page.expect_request(is_list_read):
        held["ticket"][0].continue_()  # the socket opens: its catch-up read begins
    with page.expect_response(lambda response: is_list_read(response.request)):
        held["list"][0].continue_()
    # ... and is taken in (its body read) before the socket's read answers
    page.wait_for_function("""() => performance.getEntriesByType("resource")
        .filter((e) => e.name.endsWith("/me/connections")).length >= 1""")
    held["list"][1].continue_()

    # THEN the status names the card that was connected (not the vendor's first card)
    expect(page.locator("#connections-status")).to_contain_text("Google Docs is connected")
    expect(card(page, "Google Docs").locator(".integration-badge")).to_have_text("Connected")
    page.wait_for_load_state("networkidle")


def is_list_read(request: Request) -> bool:
    return request.method == "GET" and request.url.endswith("/me/connections")


def test_a_connection_the_provider_revokes_shows_as_broken_live_and_reconnects(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    errors = penny_console_errors(page, stack)
    connect(page, stack, "Zoom")
    connect(page, stack, "Google Calendar")
    google = card(page, "Google Calendar")
    expect(google.locator(".integration-badge")).to_have_text("Connected")

    # A working connection passes its test
    page.get_by_role("button", name="Test Google Calendar connection").click()
    status = page.locator("#connections-status")
    expect(status).to_contain_text("Google Calendar works")
    expect(google).to_contain_text("it works")

    # GIVEN a second dashboard of the same host, open on Connections, live
    other = open_dashboard(context, stack, "/app/connections")
    other_errors = penny_console_errors(other, stack)
    expect(other.locator("#live-pill")).to_have_attribute("data-state", "live")
    expect(card(other, "Google Calendar").locator(".integration-badge")).to_have_text(
        "Connected")
    # ... each page done asking Google for the calendars it lists: the Test below is the
    # first use of the connection after the revoke
    calendars_listed(page, "google")
    calendars_listed(other, "google")

    # WHEN the host removes Penny's access at Google, and Penny next uses the connection
    revoke_at_the_sandbox(context, stack, "google")
    page.get_by_role("button", name="Test Google Calendar connection").click()

    # THEN this page says it stopped working and offers Reconnect
    expect(status).to_contain_text("Google Calendar stopped working")
    expect(google.locator(".integration-badge")).to_have_text("Broken")
    expect(page.get_by_role("button", name="Reconnect Google Calendar")).to_be_visible()
    # ... and the other dashboard hears it live, without a click or a reload
    expect(other.locator(".toast", has_text="Google Calendar stopped working")).to_be_visible()
    other_google = card(other, "Google Calendar")
    expect(other_google.locator(".integration-badge")).to_have_text("Broken")
    expect(other.get_by_role("button", name="Reconnect Google Calendar")).to_be_visible()
    expect(card(other, "Zoom").locator(".integration-badge")).to_have_text("Connected")
    assert connections_of(context, stack)["google"]["status"] == "broken"
    other.locator(".toast", has_text="Google Calendar stopped working").get_by_role(
        "button", name="Dismiss").click()
    screenshot(other, "dashboard-connections")

    # WHEN the host reconnects (the same consent round trip)
    connect(page, stack, "Google Calendar", action="Reconnect")

    # THEN Google works again
    expect(status).to_contain_text("Google Calendar is connected")
    expect(google.locator(".integration-badge")).to_have_text("Connected")
    assert connections_of(context, stack)["google"]["status"] == "connected"
    # Chromium logs every 4xx answer; the one here is the Test's 409 connection_broken
    assert errors == ["Failed to load resource: the server responded with a status of 409 "
                      "(Conflict)"]
    assert other_errors == []
