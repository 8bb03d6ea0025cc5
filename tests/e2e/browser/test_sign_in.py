"""Signing in with Google or Microsoft, in headless Chromium against the local stack and
its provider sandbox.

The sandbox's accounts are fixed (Google: ada@sandbox.test; Microsoft: Ada, verified, and
Grace, whose e-mail nobody verified), and the stack is shared by the whole session. So
one test tells the whole Google story (sign up, log out, sign in again as the same host):
a second Google sign-up would sign in to the first one's account. The others make no
account from a sandbox identity and leave none linked, so the order does not matter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser.conftest import SCREENSHOTS, NewContext
from tests.e2e.browser.test_connections import SANDBOX_ACCOUNT, penny_console_errors
from tests.e2e.browser.test_dashboard import (
    csrf_headers,
    open_dashboard,
    profile_of,
    sign_up_in_browser,
    view,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]
MICROSOFT_ACCOUNT = "ada@penny-sandbox.onmicrosoft.com"  # sandbox/server.py
UNVERIFIED_MICROSOFT = "grace@unverified.test"


def at_the_sandbox(page: Page, stack: LocalStack, decision: str = "Allow",
                   account: str | None = None) -> None:
    """On the provider sandbox's consent page: pick `account` (else its first), answer."""
    expect(page).to_have_url(re.compile(re.escape(stack.sandbox_url)))
    expect(page.get_by_text("Provider sandbox: a local fake")).to_be_visible()
    if account is not None:
        page.get_by_label(re.compile(re.escape(account))).check()
    page.get_by_role("button", name=decision, exact=True).click()


def identities_of(context: BrowserContext, stack: LocalStack) -> dict[str, dict[str, Any]]:
    r = context.request.get(f"{stack.api_url}/me/identities")
    assert r.status == 200, r.text()
    return {i["provider"]: i for i in r.json()["identities"]}


def no_session(context: BrowserContext) -> bool:
    return not [c for c in context.cookies() if c["name"].startswith("penny_")
                and not c["name"].startswith("penny_oauth")]


def test_a_visitor_signs_up_with_google_logs_out_and_signs_in_again_as_the_same_host(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(timezone_id="Europe/Lisbon")
    page = open_dashboard(context, stack, "/app/signup")
    errors = penny_console_errors(page, stack)

    # GIVEN a visitor on the sign-up view: both providers are set up on the local stack
    signup = view(page, "signup")
    expect(signup.get_by_role("button", name="Sign in with Microsoft")).to_be_visible()

    # WHEN they sign in with Google and allow it at Google's (the sandbox's) page
    signup.get_by_role("button", name="Sign in with Google").click()
    at_the_sandbox(page, stack)

    # THEN Penny made their account and they are on the welcome step, logged in
    expect(page).to_have_url(f"{stack.api_url}/app/welcome")
    expect(page.locator("#dash-host")).to_have_text("Ada Lovelace")
    made = profile_of(context, stack)
    assert made["display_name"] == "Ada Lovelace"
    assert made["timezone"] == "Europe/Lisbon"  # the browser's zone, sent with the start
    assert made["slug"].startswith("ada")  # from the e-mail
    assert identities_of(context, stack)["google"]["email"] == SANDBOX_ACCOUNT

    # WHEN they log out and sign in with Google from the login view
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    assert no_session(context)
    view(page, "login").get_by_role("button", name="Sign in with Google").click()
    at_the_sandbox(page, stack)

    # THEN they are on Bookings as the same host
    expect(page).to_have_url(f"{stack.api_url}/app/bookings")
    expect(page.locator("#dash-host")).to_have_text("Ada Lovelace")
    again = profile_of(context, stack)
    assert (again["id"], again["slug"]) == (made["id"], made["slug"])

    # The Profile lists Google as a way in; it is the only one (no password), so Penny
    # refuses to unlink it and says why
    page.get_by_role("link", name="Profile").click()
    methods = page.locator("#identities")
    google = methods.locator(".identity[data-provider=google]")
    expect(google).to_contain_text(f"You sign in as {SANDBOX_ACCOUNT}")
    expect(google.locator(".badge")).to_have_text("Linked")
    expect(methods.get_by_role("button", name="Link Microsoft")).to_be_enabled()
    methods.get_by_role("button", name="Unlink Google").click()
    page.locator("#unlink-dialog").get_by_role("button", name="Unlink", exact=True).click()
    status = page.locator("#identities-status")
    expect(status).to_contain_text("Could not unlink Google")
    expect(status).to_contain_text("Google is how you sign in to Penny; link another account "
                                   "first.")
    expect(google.locator(".badge")).to_have_text("Linked")
    expect(methods.get_by_role("button", name="Unlink Google")).to_be_focused()
    assert "google" in identities_of(context, stack)
    # Chromium logs every 4xx answer; the one here is the refused unlink's 400
    assert errors == ["Failed to load resource: the server responded with a status of 400 "
                      "(Bad Request)"]


def google_account_signed_in(stack: LocalStack, new_context: NewContext) -> None:
    """The host whose account Google signs in to, signed in once in a context of its own
    (made now, or by a test before: the sandbox has one Google account)."""
    page = open_dashboard(new_context(), stack, "/app/login")
    view(page, "login").get_by_role("button", name="Sign in with Google").click()
    at_the_sandbox(page, stack)
    expect(page).to_have_url(re.compile(r"/app/(welcome|bookings)$"))


def test_a_bookmarked_view_opened_logged_out_is_where_signing_in_with_google_leads(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a host whose account Google signs in to
    google_account_signed_in(stack, new_context)

    # and, logged out, opening their bookmark of the Availability view
    page = open_dashboard(new_context(), stack, "/app/availability")
    expect(page).to_have_url(f"{stack.api_url}/app/login")

    # WHEN they sign in with Google
    view(page, "login").get_by_role("button", name="Sign in with Google").click()
    at_the_sandbox(page, stack)

    # THEN they are where they were going, not on Bookings
    expect(page).to_have_url(f"{stack.api_url}/app/availability")
    expect(view(page, "availability")).to_be_visible()
    expect(page.locator("#dash-host")).to_have_text("Ada Lovelace")


def test_a_bookmarked_view_is_still_where_signing_in_leads_after_saying_no_at_google_once(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a host whose account Google signs in to
    google_account_signed_in(stack, new_context)

    # who, logged out, opened their bookmark of the Availability view and pressed Deny at
    # Google's page
    page = open_dashboard(new_context(), stack, "/app/availability")
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    login = view(page, "login")
    login.get_by_role("button", name="Sign in with Google").click()
    at_the_sandbox(page, stack, decision="Deny")
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    expect(login.locator(".form-error")).to_contain_text("You said no on Google's page")

    # WHEN they sign in with Google after all
    login.get_by_role("button", name="Sign in with Google").click()
    at_the_sandbox(page, stack)

    # THEN they are where they were going, not on Bookings
    expect(page).to_have_url(f"{stack.api_url}/app/availability")
    expect(view(page, "availability")).to_be_visible()


def test_saying_no_at_google_comes_back_to_the_login_view_with_a_plain_message(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    context = new_context()
    page = open_dashboard(context, stack, "/app/login")
    errors = penny_console_errors(page, stack)
    login = view(page, "login")
    expect(login.get_by_role("button", name="Sign in with Microsoft")).to_be_visible()
    screenshot(page, "login-sign-in-with")

    # WHEN the visitor starts signing in with Google and presses Deny at Google's page
    login.get_by_role("button", name="Sign in with Google").click()
    at_the_sandbox(page, stack, decision="Deny")

    # THEN the login view says so in its error line, an alert with focus, and the query
    # is gone from the address; nobody is logged in
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    message = login.locator(".form-error")
    expect(message).to_have_text(re.compile(r"^You said no on Google's page, so you are not "
                                            r"signed in\."))
    assert message.get_attribute("role") == "alert"
    expect(message).to_be_focused()
    assert no_session(context)

    # A reload does not say it again
    page.reload()
    expect(login.get_by_role("button", name="Sign in with Google")).to_be_visible()
    expect(message).to_be_hidden()
    assert errors == []


def test_an_unverified_microsoft_e_mail_makes_no_account_and_says_to_sign_up_first(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    page = open_dashboard(context, stack, "/app/login")
    login = view(page, "login")

    # WHEN a visitor signs in with a Microsoft account whose e-mail nobody verified
    login.get_by_role("button", name="Sign in with Microsoft").click()
    at_the_sandbox(page, stack, account=UNVERIFIED_MICROSOFT)

    # THEN Penny made nothing, and says what to do instead
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    expect(login.locator(".form-error")).to_contain_text(
        "Microsoft did not confirm that account's e-mail")
    expect(login.locator(".form-error")).to_contain_text(
        "Create an account with a password, then link Microsoft on your Profile page.")
    assert no_session(context)


def test_a_password_host_links_microsoft_on_the_profile_page_sees_it_and_unlinks_it(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/profile")
    errors = penny_console_errors(page, stack)
    methods = page.locator("#identities")
    status = page.locator("#identities-status")
    microsoft = methods.locator(".identity[data-provider=microsoft]")
    try:
        # GIVEN no sign-in method linked yet
        expect(methods.get_by_role("heading", name="Sign-in methods")).to_be_visible()
        expect(microsoft.locator(".badge")).to_have_text("Not linked")
        expect(methods.get_by_role("button", name="Link Google")).to_be_enabled()

        # WHEN the host links Microsoft and allows it at Microsoft's page
        methods.get_by_role("button", name="Link Microsoft").click()
        at_the_sandbox(page, stack, account=MICROSOFT_ACCOUNT)

        # THEN the Profile says so, lists it, and the query is gone from the address
        expect(page).to_have_url(f"{stack.api_url}/app/profile")
        expect(status).to_contain_text("Microsoft is linked")
        expect(status).to_contain_text(f"You can now sign in to Penny as {MICROSOFT_ACCOUNT}")
        expect(microsoft.locator(".badge")).to_have_text("Linked")
        expect(microsoft).to_contain_text(f"You sign in as {MICROSOFT_ACCOUNT}, linked ")
        expect(page.locator("#identities-title")).to_be_focused()
        assert identities_of(context, stack)["microsoft"]["email"] == MICROSOFT_ACCOUNT
        methods.screenshot(path=str(SCREENSHOTS / "profile-sign-in-methods.png"),
                           animations="disabled")

        # WHEN they unlink it: a confirmation first
        methods.get_by_role("button", name="Unlink Microsoft").click()
        dialog = page.locator("#unlink-dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Unlink Microsoft?")
        expect(dialog).to_contain_text(MICROSOFT_ACCOUNT)
        dialog.get_by_role("button", name="Unlink", exact=True).click()

        # THEN it is gone, and the keyboard is on its Link button
        expect(status).to_contain_text("Microsoft is unlinked")
        expect(microsoft.locator(".badge")).to_have_text("Not linked")
        expect(methods.get_by_role("button", name="Link Microsoft")).to_be_focused()
        assert identities_of(context, stack) == {}
        assert errors == []
    finally:
        # The sandbox's Microsoft account is shared: never leave it linked to this host
        if "microsoft" in identities_of(context, stack):
            context.request.delete(f"{stack.api_url}/me/identities/microsoft",
                                   headers=csrf_headers(context, stack))
