"""The pages themselves: no CSP violations or console errors, fast first paint, keyboard use."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.visitor import PAID_CONSULT, coach, open_booking
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
# Runs before any page script (through the DevTools protocol, so the CSP allows it) and
# records every violation the page reports, whether or not it reaches the console.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
CALENDAR_READY = "() => document.querySelector('#days button.free') && performance.now()"
FCP = """new Promise(resolve => {
    // The entry may not be recorded yet when the page is ready: wait for it.
    new PerformanceObserver((list, observer) => {
        const entry = list.getEntriesByName('first-contentful-paint')[0];
        if (entry) { observer.disconnect(); resolve(entry.startTime); }
    }).observe({type: 'paint', buffered: true});
})"""


def test_pages_run_without_csp_violations_or_console_errors(
        stack: LocalStack, new_context: NewContext,
        console_errors: Callable[[Page], list[str]]) -> None:
    host = coach(stack, PAID_CONSULT)
    context = new_context("America/Sao_Paulo")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    errors = console_errors(page)

    page.goto(f"{stack.api_url}/{host}")
    page.get_by_role("link", name="Strategy session").click()
    page.locator("button.slot").first.click()
    page.get_by_role("button", name="Confirm booking").click()  # client-side errors shown
    page.get_by_label("Your plan").select_option("Scale")
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Email address").fill("ana@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    page.locator("#confirmation").wait_for()
    page.goto(str(page.locator("#manage-link").get_attribute("href")))
    expect(page.locator("#booking-status")).to_have_text("Confirmed")

    assert page.evaluate("window.__violations") == []
    assert errors == []


def requests_of(context: BrowserContext, url: str) -> list[Request]:
    """Every request a first-time visit to `url` makes, until the network is idle."""
    page = context.new_page()
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.close()
    return seen


def test_a_page_costs_one_script_one_stylesheet_and_no_favicon_request(
        stack: LocalStack, new_context: NewContext) -> None:
    # Each static request is a paid Lambda invocation.
    host = coach(stack)
    for path in (f"{host}/intro", "app"):
        seen = requests_of(new_context(), f"{stack.api_url}/{path}")

        kinds = [r.resource_type for r in seen]
        urls = [r.url for r in seen]
        assert (kinds.count("script"), kinds.count("stylesheet")) == (1, 1), (path, urls)
        assert not [r.url for r in seen if "favicon" in r.url or r.resource_type == "image"]


def test_first_meaningful_paint_is_under_a_second(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("00:00", "24:00"))
    url = f"{stack.api_url}/{host}/intro"
    open_booking(new_context(), stack, f"{host}/intro")  # warm: the stack imports page code
    fcp, calendar = [], []

    for _ in range(3):  # a first-time visitor each time: fresh context, empty cache
        page = new_context().new_page()
        page.goto(url)
        calendar.append(float(page.wait_for_function(CALENDAR_READY).json_value()))
        fcp.append(float(page.evaluate(FCP)))

    assert statistics.median(fcp) < 1000, fcp
    assert statistics.median(calendar) < 1000, calendar  # month drawn, free days marked


def test_the_calendar_and_times_work_from_the_keyboard(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("00:00", "24:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/intro")
    selected = page.locator('td[aria-selected="true"] button')
    day = str(selected.get_attribute("data-day"))
    selected.focus()

    page.keyboard.press("ArrowRight")
    next_day = page.locator(":focus")
    assert next_day.get_attribute("data-day") != day
    page.keyboard.press("Enter")
    expect(page.locator('td[aria-selected="true"] button')).to_be_focused()
    month = page.locator("#month-label").inner_text()
    page.keyboard.press("PageDown")
    expect(page.locator("#month-label")).not_to_have_text(month)
    expect(page.locator("#days button[tabindex='0']")).to_be_focused()

    page.locator("button.slot").first.wait_for()
    page.locator("button.slot").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#details")).to_be_visible()
    expect(page.locator("#details-title")).to_be_focused()


def test_the_pages_fit_a_375px_phone_without_sideways_scrolling(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, PAID_CONSULT)
    page = open_booking(new_context(viewport={"width": 375, "height": 740}), stack,
                        f"{host}/consult")
    fits = "document.documentElement.scrollWidth <= window.innerWidth"

    assert page.evaluate(fits)
    page.locator("button.slot").first.click()
    assert page.evaluate(fits)
    page.goto(f"{stack.api_url}/{host}")
    assert page.evaluate(fits)
