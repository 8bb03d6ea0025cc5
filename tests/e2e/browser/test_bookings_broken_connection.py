"""The Bookings view says when a calendar or video connection is broken: what it means for
bookings, and the way to Connections to reconnect (against the local stack and its
provider sandbox; the states the sandbox need not make, with stubbed answers).

- Google broken while new bookings go to it: the notice arrives live (connection.broken)
  on an open Bookings view, is there after a reload (GET /me/connections), takes the host
  to Connections, and goes once Google is reconnected, live (connection.repaired).
- Outlook broken while bookings go to Google: it says only what Penny cannot see; Zoom
  broken: Zoom bookings get no link. A Google connection made for the Docs alone is not
  the calendar's, and says nothing here: also when its news comes before the view has
  read the connections.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.scopes import GOOGLE
from tests.e2e.browser.audit import audit
from tests.e2e.browser.conftest import DESKTOP, PHONE, NewContext
from tests.e2e.browser.test_calendars_and_video import CONNECTED
from tests.e2e.browser.test_connections import (
    calendars_listed,
    connect,
    penny_console_errors,
    revoke_at_the_sandbox,
)
from tests.e2e.browser.test_dashboard import (
    no_horizontal_scroll,
    open_dashboard,
    set_up_host,
    sign_up_in_browser,
)
from tests.e2e.browser.test_notes import connect_google_docs
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def notices(page: Page) -> Any:
    return page.locator("#bookings-broken .notice")


def test_a_broken_google_is_said_on_the_bookings_view_live_and_goes_once_reconnected(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)  # "strategy" is on Google Meet
    connections = open_dashboard(context, stack, "/app/connections")
    connect(connections, stack, "Google Calendar")
    calendars_listed(connections, "google")

    # GIVEN the host's Bookings view, live, with Google working: nothing to say
    page = open_dashboard(context, stack, "/app/bookings")
    errors = penny_console_errors(page, stack)
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    expect(page.get_by_role("heading", name="Bookings")).to_be_visible()
    expect(notices(page)).to_have_count(0)

    # WHEN Google stops accepting Penny's access, and Penny next uses it
    revoke_at_the_sandbox(context, stack, "google")
    connections.get_by_role("button", name="Test Google Calendar connection").click()

    # THEN the Bookings view says so, live, and what it means for bookings
    notice = notices(page)
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("Google Calendar needs reconnecting.")
    expect(notice).to_contain_text(
        "Until then, new bookings are not added to Google Calendar and get no Google Meet "
        "link: clients are told you will send it. Penny adds bookings made meanwhile once "
        "you reconnect.")
    expect(notice).to_contain_text("Penny can't see changes to your Google Calendar")
    reconnect = notice.get_by_role("link", name="Reconnect Google Calendar on Connections")
    expect(reconnect).to_be_visible()
    assert audit(page) == []

    # ... and a reload says it from the connections list, with since when
    page.reload()
    expect(notice).to_contain_text(re.compile(r"Google Calendar needs reconnecting\. Since "))
    assert no_horizontal_scroll(page)

    # WHEN the host follows the link and reconnects
    reconnect.click()
    expect(page).to_have_url(f"{stack.api_url}/app/connections")
    expect(page.get_by_role("button", name="Reconnect Google Calendar")).to_be_visible()
    bookings = open_dashboard(context, stack, "/app/bookings")
    expect(bookings.locator("#live-pill")).to_have_attribute("data-state", "live")
    expect(notices(bookings)).to_have_count(1)
    connect(page, stack, "Google Calendar", action="Reconnect")

    # THEN the open Bookings view drops the notice, live
    expect(notices(bookings)).to_have_count(0)
    assert errors == []


def stub_connections(page: Page, answer: dict[str, Any]) -> None:
    page.route("**/me/connections", lambda route: route.fulfill(json=answer))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_each_broken_calendar_or_video_connection_says_what_it_means_for_bookings(
        stack: LocalStack, new_context: NewContext, viewport: dict[str, int]) -> None:
    context = new_context(bypass_csp=True, viewport=viewport)
    sign_up_in_browser(context, stack)
    page = context.new_page()
    # GIVEN (stubbed answer) new bookings going to Google, which works; Outlook and Zoom broken
    broken = {**CONNECTED, "status": "broken", "broken_at": "2026-03-02T10:00:00Z"}
    stub_connections(page, {"destination_provider": "google", "connections": [
        {**CONNECTED, "provider": "google", "scopes": list(GOOGLE[Feature.CALENDAR])},
        {**broken, "provider": "microsoft",
         "broken_reason": "Microsoft refused to refresh the connection; reconnect it"},
        {**broken, "provider": "zoom", "broken_reason": None}]})

    # WHEN the host opens Bookings
    page.goto(f"{stack.api_url}/app/bookings")

    # THEN each broken one is said, with why and since when, and what it means
    outlook = page.locator('#bookings-broken .notice[data-provider="microsoft"]')
    expect(outlook).to_contain_text("Outlook Calendar needs reconnecting. Since ")
    expect(outlook).to_contain_text("Microsoft refused to refresh the connection; reconnect it.")
    expect(outlook).to_contain_text("Until then, Penny can't see changes to your Outlook, so "
                                    "a time you fill there now can still be booked.")
    expect(outlook).not_to_contain_text("new bookings are not added")  # they go to Google
    zoom = page.locator('#bookings-broken .notice[data-provider="zoom"]')
    expect(zoom).to_contain_text("Zoom needs reconnecting.")
    expect(zoom).to_contain_text("Zoom no longer accepts Penny's access.")
    expect(zoom).to_contain_text("Until then, Zoom bookings get no Zoom link: clients are told "
                                 "you will send it.")
    expect(zoom.get_by_role("link", name="Reconnect Zoom on Connections")).to_have_attribute(
        "href", "/app/connections")
    expect(notices(page)).to_have_count(2)
    assert no_horizontal_scroll(page)
    assert audit(page) == []


def test_a_broken_google_connection_made_for_the_docs_alone_says_nothing_on_bookings(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = context.new_page()
    stub_connections(page, {"destination_provider": None, "connections": [
        {**CONNECTED, "provider": "google", "status": "broken",
         "scopes": list(GOOGLE[Feature.NOTES])}]})

    page.goto(f"{stack.api_url}/app/bookings")

    expect(page.locator("#bookings-empty")).to_be_visible()
    expect(notices(page)).to_have_count(0)


def test_a_docs_only_google_heard_broken_before_the_first_read_says_nothing_on_bookings(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    sign_up_in_browser(context, stack)
    connections = open_dashboard(context, stack, "/app/connections")
    connect_google_docs(connections, stack)
    # GIVEN the Bookings view, live, its reads of the connections not answered yet
    page = context.new_page()
    held: list[Route] = []
    page.route("**/me/connections", lambda route: held.append(route))
    page.goto(f"{stack.api_url}/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    assert held

    # WHEN Google stops accepting Penny's access, and Penny next uses it for the Docs
    revoke_at_the_sandbox(context, stack, "google")
    connections.get_by_role("button", name="Test Google Docs connection").click()

    # THEN the news, heard first, names Google Docs, and the Bookings view says nothing
    expect(page.locator(".toast", has_text="Google Docs stopped working")).to_be_visible()
    expect(page.locator(".toast", has_text="Google Calendar")).to_have_count(0)
    expect(notices(page)).to_have_count(0)
    # ... nor once its reads are answered
    for route in held:
        route.continue_()
    page.unroute("**/me/connections")
    expect(page.locator("#bookings-empty")).to_be_visible()
    expect(notices(page)).to_have_count(0)


def test_a_broken_connection_disconnected_on_connections_is_no_longer_said_on_bookings(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    sign_up_in_browser(context, stack)
    page = context.new_page()
    # GIVEN (stubbed answers) Zoom broken, and the host's Bookings view saying so
    broken = {**CONNECTED, "provider": "zoom", "status": "broken",
              "broken_at": "2026-03-02T10:00:00Z", "broken_reason": None}
    answer: dict[str, Any] = {"destination_provider": None, "connections": [broken]}
    page.route("**/me/connections", lambda route: route.fulfill(json=answer))
    page.goto(f"{stack.api_url}/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    expect(notices(page)).to_have_count(1)

    # WHEN the host disconnects Zoom on Connections (no live event says a disconnect),
    # and goes back to Bookings in the same tab
    answer["connections"] = [{**broken, "status": "not_connected", "broken_at": None,
                              "account": None, "connected_at": None, "scopes": []}]
    page.get_by_role("link", name="Connections", exact=True).click()
    expect(page.get_by_role("button", name="Connect Zoom")).to_be_visible()
    page.get_by_role("link", name="Bookings", exact=True).click()

    # THEN the notice is gone: the view read the connections again
    expect(page.get_by_role("heading", name="Bookings")).to_be_visible()
    expect(notices(page)).to_have_count(0)

