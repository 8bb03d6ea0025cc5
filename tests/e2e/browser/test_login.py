"""Logging in with an e-mail and a password, in headless Chromium against the local
stack: where the host lands afterwards.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import PASSWORD, open_dashboard, sign_up_in_browser, view
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def log_in(page: Page, slug: str) -> None:
    login = view(page, "login")
    login.get_by_label("Email").fill(f"{slug}@example.com")
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Log in").click()


def signed_up_elsewhere(new_context: NewContext, stack: LocalStack) -> str:
    """A host's slug, signed up in a context of its own (this test's stays logged out)."""
    context: BrowserContext = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    return slug


def test_a_bookmarked_view_opened_logged_out_is_where_logging_in_leads(
        stack: LocalStack, new_context: NewContext) -> None:
    slug = signed_up_elsewhere(new_context, stack)
    # GIVEN a logged-out host opening their bookmark of the Availability view
    page = open_dashboard(new_context(), stack, "/app/availability")
    expect(page).to_have_url(f"{stack.api_url}/app/login")

    # WHEN they log in
    log_in(page, slug)

    # THEN they are where they were going, not on Bookings
    expect(page).to_have_url(f"{stack.api_url}/app/availability")
    expect(view(page, "availability")).to_be_visible()


def test_after_a_session_ends_logging_in_again_goes_back_to_the_view_the_host_was_on(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/event-types")
    expect(view(page, "event-types")).to_be_visible()

    # GIVEN the session ends while the host is on Event types (its cookies are gone)
    context.clear_cookies()
    page.locator("#dash-nav").get_by_role("link", name="Profile").dispatch_event("click")
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    expect(page.locator(".toast", has_text="Your session has ended")).to_be_visible()

    # WHEN they log in again
    log_in(page, slug)

    # THEN they are back on the view they were on
    expect(page).to_have_url(f"{stack.api_url}/app/profile")
