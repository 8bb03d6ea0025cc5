"""The pages themselves: no CSP violations or console errors, what the first paint waits on,
keyboard use."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.visitor import (
    CONSULT,
    PAID_CONSULT,
    coach,
    open_booking,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
# Runs before any page script (through the DevTools protocol, so the CSP allows it) and
# records every violation the page reports, whether or not it reaches the console.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
# The month is drawn with its free days marked: the page's first meaningful paint.
CALENDAR_READY = "() => document.querySelector('#days button.free') !== null"


def test_pages_run_without_csp_violations_or_console_errors(
        stack: LocalStack, new_context: NewContext,
        console_errors: Callable[[Page], list[str]]) -> None:
    host = coach(stack, CONSULT)
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


def test_the_first_meaningful_paint_waits_on_the_pages_script_and_stylesheet_alone(
        stack: LocalStack, new_context: NewContext) -> None:
    # How fast it paints is measured by bench/page_paint.py, not asserted here: a wall-clock
    # threshold fails on a busy machine. What makes it fast is checked instead: before the
    # month is drawn the page fetches its own script and stylesheet, from its own origin,
    # and no slots (the page is sent with its month's), and the script does not hold up
    # parsing.
    host = coach(stack, hours=("00:00", "24:00"))
    page = new_context().new_page()
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request))

    page.goto(f"{stack.api_url}/{host}/intro")
    page.wait_for_function(CALENDAR_READY)
    before_paint = list(seen)

    kinds = sorted(r.resource_type for r in before_paint)
    assert kinds == ["document", "script", "stylesheet"], [r.url for r in before_paint]
    assert all(r.url.startswith(stack.api_url) for r in before_paint)
    assert page.locator("script[src]").evaluate_all(
        "scripts => scripts.map(s => s.type === 'module' || s.defer || s.async)") == [True]


def test_a_visitor_books_with_the_keyboard_alone(
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

    for label, text in (("Your name", "Kay Board"), ("Email address", "kay@example.com"),
                        ("Topic", "Shortcuts")):
        page.keyboard.press("Tab")
        expect(page.get_by_label(label)).to_be_focused()
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Confirm booking")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-title")).to_be_focused()
    expect(page.locator("#confirm-what")).to_contain_text("Intro call")


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
