"""A repaired connection shows live on the host's open dashboards, in headless Chromium
against the local stack (its stream poller applying the event source's filter) and its
provider sandbox: a Zoom connection the provider revoked is Broken on one dashboard's
Connections page and in another's event type editor, and turns working on both, without a
reload, when the host reconnects it from a third."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import APIResponse, BrowserContext, Page, Route, expect

from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.scopes import ZOOM
from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_connections import (
    card,
    connect,
    penny_console_errors,
    revoke_at_the_sandbox,
)
from tests.e2e.browser.test_dashboard import open_dashboard, sign_up_in_browser
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def live_dashboard(context: BrowserContext, stack: LocalStack, path: str,
                   heard: list[str]) -> tuple[Page, list[str]]:
    """A dashboard open at `path`, live, keeping what its socket hears in `heard`, and
    marked so that a reload of it would show (the mark would be gone); its console's
    errors."""
    page = context.new_page()
    errors = penny_console_errors(page, stack)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: heard.append(
        payload if isinstance(payload, str) else payload.decode())))
    page.goto(f"{stack.api_url}{path}")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    page.evaluate("window.pennyTestSameDocument = true")
    return page, errors


def test_a_broken_connection_turns_connected_live_on_open_dashboards_when_reconnected(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    errors = penny_console_errors(page, stack)
    connect(page, stack, "Zoom")
    expect(card(page, "Zoom").locator(".integration-badge")).to_have_text("Connected")
    revoke_at_the_sandbox(context, stack, "zoom")
    page.get_by_role("button", name="Test Zoom connection").click()
    expect(card(page, "Zoom").locator(".integration-badge")).to_have_text("Broken")

    # GIVEN a second dashboard showing Zoom broken on Connections, and a third editing a
    # new event type, where Zoom asks to be reconnected first
    heard: list[str] = []
    other, other_errors = live_dashboard(context, stack, "/app/connections", heard)
    expect(card(other, "Zoom").locator(".integration-badge")).to_have_text("Broken")
    editor, editor_errors = live_dashboard(context, stack, "/app/event-types", [])
    editor.get_by_role("button", name="New event type").click()
    zoom_option = editor.locator('#et-location option[value="zoom"]')
    expect(zoom_option).to_have_text("Zoom (Reconnect Zoom first)")
    expect(zoom_option).to_be_disabled()

    # WHEN the host reconnects Zoom on the first
    connect(page, stack, "Zoom", action="Reconnect")

    # THEN the others hear it live: Connected, and Zoom can be chosen, with no reload
    expect(other.locator(".toast", has_text="Zoom works again")).to_be_visible()
    other_zoom = card(other, "Zoom")
    expect(other_zoom.locator(".integration-badge")).to_have_text("Connected")
    expect(other.get_by_role("button", name="Reconnect Zoom")).to_have_count(0)
    expect(other.get_by_role("button", name="Test Zoom connection")).to_be_visible()
    expect(zoom_option).to_be_enabled()
    expect(zoom_option).to_have_text("Zoom")
    for dashboard in (other, editor):
        assert dashboard.evaluate("window.pennyTestSameDocument") is True
    repaired = [m for m in (json.loads(text) for text in list(heard))
                if m.get("type") == "connection.repaired"]
    assert [m["connection"] for m in repaired] == [
        {"provider": "zoom", "status": "connected", "scopes": list(ZOOM[Feature.VIDEO]),
         "reconnected": True}]
    # Chromium logs every 4xx answer; the one here is the Test's 409 connection_broken
    assert errors == ["Failed to load resource: the server responded with a status of 409 "
                      "(Conflict)"]
    assert other_errors == editor_errors == []


def test_an_older_read_answered_after_the_news_does_not_show_zoom_broken_again(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    connect(page, stack, "Zoom")
    revoke_at_the_sandbox(context, stack, "zoom")
    page.get_by_role("button", name="Test Zoom connection").click()
    expect(card(page, "Zoom").locator(".integration-badge")).to_have_text("Broken")

    # GIVEN the event types page's reads of the connections answered while Zoom was
    # broken, their answers held back on the way (a slow network) until after the news
    held: list[tuple[Route, APIResponse]] = []
    holding = [True]

    def hold_broken_answers(route: Route) -> None:
        answer = route.fetch()
        zoom = [c for c in answer.json()["connections"] if c["provider"] == "zoom"]
        if holding[0] and zoom and zoom[0]["status"] == "broken":
            held.append((route, answer))
        else:
            route.fulfill(response=answer)

    heard: list[str] = []
    editor = context.new_page()
    editor.route("**/me/connections", hold_broken_answers)
    editor.on("websocket", lambda ws: ws.on("framereceived", lambda payload: heard.append(
        payload if isinstance(payload, str) else payload.decode())))
    editor.goto(f"{stack.api_url}/app/event-types")
    expect(editor.locator("#live-pill")).to_have_attribute("data-state", "live")
    for _ in range(50):
        if held:
            break
        editor.wait_for_timeout(100)
    assert held

    # WHEN the host reconnects Zoom, the editor hears it, and then the older answers land
    connect(page, stack, "Zoom", action="Reconnect")
    for _ in range(100):
        if any("connection.repaired" in text for text in heard):
            break
        editor.wait_for_timeout(100)
    else:
        raise AssertionError("the editor never heard connection.repaired")
    holding[0] = False
    for route, answer in held:
        route.fulfill(response=answer)

    # THEN Zoom can be chosen in a new event type
    editor.get_by_role("button", name="New event type").click()
    zoom_option = editor.locator('#et-location option[value="zoom"]')
    expect(zoom_option).to_have_text("Zoom")
    expect(zoom_option).to_be_enabled()
    editor.unroute_all(behavior="wait")   # no answer still on its way as the page closes
