"""A dashboard tab left in the background gives up its billed WebSocket, and catches up.

API Gateway bills every connection minute and every message, so a tab hidden for
HIDDEN_CLOSE_MS (app-live.js) closes its socket and asks nothing until it is shown again;
then it reconnects with a fresh ticket and reads the bookings list again. A tab hidden
for less keeps its socket and its keepalives. The page's clock is Playwright's, moved on
by the tests; the tab is hidden and shown as a browser does it, by changing
`document.visibilityState` and firing "visibilitychange".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
import requests
from playwright.sync_api import BrowserContext, Page, Request, Route, WebSocket, expect

from local.stack import REGION, TABLE
from tests.e2e.browser.conftest import NewContext, eventually
from tests.e2e.browser.test_dashboard import (
    PASSWORD,
    book,
    connect_stripe_in_browser,
    set_up_host,
    sign_up_in_browser,
    view,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
APP_LIVE = Path(__file__).resolve().parents[3] / "chalicelib/web/static/app-live.js"


def constant_ms(name: str) -> int:
    """One of app-live.js's `const NAME = 5 * 60 * 1000;`, read as bench/costing reads it."""
    found = re.search(rf"{name}\s*=\s*([\d\s*]+);", APP_LIVE.read_text())
    assert found, f"no {name} = ...; in {APP_LIVE}"
    ms = 1
    for factor in found[1].split("*"):
        ms *= int(factor)
    return ms


HIDDEN_CLOSE_MS = constant_ms("HIDDEN_CLOSE_MS")
KEEPALIVE_MS = constant_ms("KEEPALIVE_MS")

# Every close() the page's scripts call, with its code and reason (Playwright's WebSocket
# says that a socket closed, not how).
RECORD_CLOSES = """
window.__socketCloses = [];
const close = WebSocket.prototype.close;
WebSocket.prototype.close = function (code, reason) {
  window.__socketCloses.push([code, reason]);
  return close.apply(this, arguments);
};
"""


def show(page: Page, state: str) -> None:
    """Hide (state "hidden") or show ("visible") the tab, as switching tabs does."""
    page.evaluate("""state => {
      const as = (get) => ({ configurable: true, get });
      Object.defineProperty(document, "visibilityState", as(() => state));
      Object.defineProperty(document, "hidden", as(() => state === "hidden"));
      document.dispatchEvent(new Event("visibilitychange"));
    }""", state)


def stack_sockets(stack: LocalStack, host_id: str) -> list[str]:
    """The host's sockets the stack holds open: its table's rows, each alive at the gateway."""
    table = boto3.resource("dynamodb", region_name=REGION, endpoint_url=stack.aws_url,
                           aws_access_key_id="testing", aws_secret_access_key="testing"
                           ).Table(TABLE)
    items = table.query(KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues={":pk": f"HOSTCONNS#{host_id}"})["Items"]
    management = "http" + stack.ws_url.removeprefix("ws")
    ids = [str(item["connection_id"]) for item in items]
    return [i for i in ids
            if requests.get(f"{management}/@connections/{i}", timeout=30).status_code == 200]


def another_tab(new_context: NewContext, stack: LocalStack, slug: str
                ) -> tuple[Page, list[str]]:
    """The same host's dashboard in a tab that stays in view (its own browser context and
    clock), and the messages its socket receives."""
    context = new_context()
    r = context.request.post(f"{stack.api_url}/auth/session", headers={"Origin": stack.api_url},
                             data={"email": f"{slug}@example.com", "password": PASSWORD})
    assert r.ok, r.text()
    page = context.new_page()
    heard: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: heard.append(
        payload if isinstance(payload, str) else payload.decode())))
    page.goto(f"{stack.api_url}/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    return page, heard


def heard_event(heard: list[str], event_type: str, booking_uid: str) -> bool:
    events = [json.loads(message) for message in list(heard)]
    return any(e.get("type") == event_type and e.get("booking", {}).get("uid") == booking_uid
               for e in events)


def is_ticket(request: Request) -> bool:
    return request.url.endswith("/me/realtime/ticket")


def is_keepalive(payload: str | bytes) -> bool:
    return payload == '{"action":"keepalive"}'


def live_dashboard(context: BrowserContext, stack: LocalStack) -> tuple[Page, list[WebSocket]]:
    """The host's bookings, live, on Playwright's clock; and every socket the page opens."""
    context.add_init_script(RECORD_CLOSES)
    page = context.new_page()
    page.clock.install()
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(f"{stack.api_url}/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    expect(view(page, "bookings").get_by_text("No upcoming bookings")).to_be_visible()
    assert len(sockets) == 1
    return page, sockets


def test_a_tab_hidden_past_the_threshold_closes_its_socket_and_catches_up_when_shown(
        stack: LocalStack, new_context: NewContext,
        console_errors: Callable[[Page], list[str]]) -> None:
    context = new_context()
    slug, host_id = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page, sockets = live_dashboard(context, stack)
    errors = console_errors(page)
    pill = page.locator("#live-pill")
    eventually(lambda: len(stack_sockets(stack, host_id)) == 1, "one socket at the stack")
    [first_id] = stack_sockets(stack, host_id)

    # WHEN the tab stays hidden for the threshold
    show(page, "hidden")
    page.clock.run_for(HIDDEN_CLOSE_MS + 1_000)

    # THEN its socket is closed, normally (1000), on both sides, and the page says it is
    # paused: calmly, not as an error
    if not sockets[0].is_closed():
        sockets[0].wait_for_event("close")
    assert page.evaluate("window.__socketCloses") == [[1000, "hidden"]]
    eventually(lambda: stack_sockets(stack, host_id) == [], "closed at the stack")
    expect(pill).to_have_attribute("data-state", "paused")
    expect(page.locator("#live-label")).to_have_text("Paused")
    expect(page.locator("#live-detail")).to_contain_text("in the background")

    # ... and for the rest of the day it asks nothing: no keepalive (no socket), no
    # reconnect, no session refresh
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.clock.run_for(8 * 60 * 60 * 1000)
    assert len(sockets) == 1
    assert asked == []
    expect(pill).to_have_attribute("data-state", "paused")

    # WHEN a client books while it is hidden: its events reach the host's other tab, the
    # one in view, and no socket of this one; then the host comes back to this tab
    other, heard = another_tab(new_context, stack, slug)
    booking = book(stack, slug, "intro", "Grace Hopper")
    expect(other.locator(".toast", has_text="Grace Hopper")).to_be_visible()
    expect(other.locator(".booking", has_text="Grace Hopper")).to_be_visible()
    assert heard_event(heard, "booking.created", booking["uid"])
    other.close()
    eventually(lambda: stack_sockets(stack, host_id) == [], "the other tab's socket closed")
    lists: list[str] = []
    page.on("request", lambda r: lists.append(r.url) if "/me/bookings?" in r.url else None)
    with page.expect_request(is_ticket):
        show(page, "visible")

    # THEN it reconnects at once with a fresh ticket, and reads the list again, which shows
    # the booking (no event of it came to this tab: nothing to toast)
    expect(pill).to_have_attribute("data-state", "live")
    expect(page.locator(".booking", has_text="Grace Hopper")).to_be_visible()
    assert len(lists) == 1
    expect(page.locator(".toast", has_text="Grace Hopper")).to_have_count(0)
    assert len(sockets) == 2 and not sockets[1].is_closed()
    eventually(lambda: len(stack_sockets(stack, host_id)) == 1, "one socket at the stack")
    assert stack_sockets(stack, host_id) != [first_id]

    # ... and it is live again: the next booking arrives on the new socket
    book(stack, slug, "intro", "Alan Turing")
    expect(page.locator(".toast", has_text="Alan Turing")).to_contain_text(
        "New booking: Intro call")
    assert errors == []


def test_a_tab_hidden_for_less_than_the_threshold_keeps_its_socket_and_keepalives(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, host_id = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page, sockets = live_dashboard(context, stack)
    pill = page.locator("#live-pill")
    eventually(lambda: len(stack_sockets(stack, host_id)) == 1, "one socket at the stack")
    [socket_id] = stack_sockets(stack, host_id)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if is_ticket(r) else None)
    # Shown long enough that the next keepalive falls due while the tab is hidden
    page.clock.run_for(KEEPALIVE_MS - HIDDEN_CLOSE_MS + 60_000)

    # WHEN the tab is hidden for a little less than the threshold
    show(page, "hidden")
    with sockets[0].expect_event("framesent", predicate=is_keepalive):
        page.clock.run_for(HIDDEN_CLOSE_MS - 30_000)

    # THEN the socket stayed open (a keepalive went out on it while hidden), at the stack too
    assert not sockets[0].is_closed()
    assert page.evaluate("window.__socketCloses") == []
    expect(pill).to_have_attribute("data-state", "live")
    assert stack_sockets(stack, host_id) == [socket_id]

    # WHEN it is shown again, and hidden again for less than the threshold
    show(page, "visible")
    show(page, "hidden")
    page.clock.run_for(HIDDEN_CLOSE_MS - 30_000)  # the countdown starts again at each hide
    show(page, "visible")

    # THEN nothing changed: the same socket, no new ticket, and bookings still arrive on it
    assert not sockets[0].is_closed()
    assert len(sockets) == 1 and asked == []
    book(stack, slug, "intro", "Grace Hopper")
    expect(page.locator(".toast", has_text="New booking: Intro call")).to_contain_text(
        "Grace Hopper")
    assert stack_sockets(stack, host_id) == [socket_id]


def test_a_tab_whose_session_ran_out_comes_back_with_one_refresh_that_brings_its_ticket(
        stack: LocalStack, new_context: NewContext,
        console_errors: Callable[[Page], list[str]]) -> None:
    # The session's answers say when the 15-minute access cookie runs out: the first
    # request after that refreshes first, rather than being refused (a billed 401) and
    # probing (another billed request) before refreshing; and that refresh brings the
    # socket's ticket, so no ticket request follows it.
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    context.clear_cookies()   # then the host logs in on the page, which keeps its expiry
    page = context.new_page()
    page.clock.install()
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(f"{stack.api_url}/app/login")
    login = page.locator("#login-form")
    login.get_by_label("Email").fill(f"{slug}@example.com")
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Log in").click()
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    errors = console_errors(page)
    assert page.evaluate("Number(localStorage.getItem('penny-session-expires'))") > 0
    asked: list[tuple[str, str]] = []
    page.on("request", lambda r: asked.append((r.method, r.url.removeprefix(stack.api_url))))
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 401 else None)

    # WHEN the tab is hidden past the threshold and past the access cookie's 15 minutes
    show(page, "hidden")
    page.clock.run_for(16 * 60 * 1000)
    if not sockets[0].is_closed():
        sockets[0].wait_for_event("close")
    with page.expect_request(lambda r: "/auth/session/refresh" in r.url):
        show(page, "visible")

    # THEN its first request refreshes the session and brings the ticket: a new socket,
    # no ticket request, nothing refused, no probe, and it is live again
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    assert asked[0] == ("POST", "/auth/session/refresh?realtime=true")
    assert len(sockets) == 2 and not sockets[1].is_closed()
    assert ("POST", "/me/realtime/ticket") not in asked
    assert ("GET", "/me/profile") not in asked
    assert refused == [] and errors == []


def test_a_booking_made_while_the_first_socket_opens_shows_once_it_is_live(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a dashboard that has read its (empty) list, and whose first socket is slow to
    # open: its ticket is held back (a cold $connect, a slow network)
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = context.new_page()
    held: list[Route] = []
    page.route("**/me/realtime/ticket", lambda route: held.append(route))
    with page.expect_request(is_ticket):
        page.goto(f"{stack.api_url}/app/bookings")
    expect(view(page, "bookings").get_by_text("No upcoming bookings")).to_be_visible()
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "connecting")

    # WHEN a client books meanwhile: its events are pushed (the host's other tab, in view,
    # hears them) before this tab's socket is there to get them
    other, _ = another_tab(new_context, stack, slug)
    book(stack, slug, "intro", "Grace Hopper")
    expect(other.locator(".toast", has_text="Grace Hopper")).to_be_visible()
    other.close()
    assert len(held) == 1
    held[0].continue_()

    # THEN once this tab is live, the list read after its socket opened shows the booking
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    expect(page.locator(".booking", has_text="Grace Hopper")).to_be_visible()


def test_a_server_naming_no_websocket_address_turns_live_updates_off_not_stuck(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a server whose ticket names an address no browser can open a WebSocket to
    context = new_context()
    sign_up_in_browser(context, stack)
    page = context.new_page()

    def http_address(route: Route) -> None:
        answer = route.fetch()
        ticket = answer.json()
        route.fulfill(response=answer, json={**ticket, "url": "ftp://not-a-websocket.test"})

    page.route("**/me/realtime/ticket", http_address)
    # WHEN the dashboard opens
    page.goto(f"{stack.api_url}/app/bookings")

    # THEN it says live updates are off (not "Connecting" for good), and the page works
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "unavailable")
    expect(view(page, "bookings").get_by_text("No upcoming bookings")).to_be_visible()


def test_a_connection_that_broke_while_the_tab_was_paused_shows_broken_when_it_is_shown(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN the host's Connections page, live, with Stripe connected
    context = new_context()
    slug, host_id = sign_up_in_browser(context, stack)
    connect_stripe_in_browser(context, stack)
    page = context.new_page()
    page.clock.install()
    page.goto(f"{stack.api_url}/app/connections")
    pill = page.locator("#live-pill")
    expect(pill).to_have_attribute("data-state", "live")
    badge = page.locator('[data-view="connections"] .integration:has(h3:text-is("Stripe")) '
                         ".integration-badge")
    expect(badge).to_have_text("Connected")

    # WHEN the tab is paused, and Stripe stops working meanwhile: its connection.broken
    # reaches the host's other tab, in view, and no socket of this one
    show(page, "hidden")
    page.clock.run_for(HIDDEN_CLOSE_MS + 1_000)
    expect(pill).to_have_attribute("data-state", "paused")
    other, heard = another_tab(new_context, stack, slug)
    table = boto3.resource("dynamodb", region_name=REGION, endpoint_url=stack.aws_url,
                           aws_access_key_id="testing", aws_secret_access_key="testing"
                           ).Table(TABLE)
    table.update_item(Key={"pk": f"CONNECTIONS#{host_id}", "sk": "PROVIDER#stripe"},
                      UpdateExpression="SET #status = :broken, broken_reason = :why",
                      ExpressionAttributeNames={"#status": "status"},
                      ExpressionAttributeValues={":broken": "broken",
                                                 ":why": "Stripe no longer accepts Penny"})
    expect(other.locator(".toast", has_text="Stripe stopped working")).to_be_visible()
    assert any(json.loads(m).get("type") == "connection.broken" for m in list(heard))
    other.close()

    # THEN shown again, it is live and its Stripe card says Broken, without a reload
    show(page, "visible")
    expect(pill).to_have_attribute("data-state", "live")
    expect(badge).to_have_text("Broken")
