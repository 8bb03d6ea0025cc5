"""A forgotten password, in headless Chromium against the local stack: "Forgot password?"
on the login view, the e-mail (read from the stack's outbox, local/outbox.py, as a
developer would open it) and the page its link opens.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.browser.conftest import NewContext, eventually
from tests.e2e.browser.test_dashboard import open_dashboard, view
from tests.e2e.browser.test_login import signed_up_elsewhere
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

NEW = "a fresh passphrase"
LINK = re.compile(r"\S+/app/reset-password#token=\S+")


def reset_links(stack: LocalStack, email: str) -> list[str]:
    """The reset links e-mailed to `email` so far, oldest first (the stack's outbox)."""
    with urllib.request.urlopen(f"{stack.aws_url}/_outbox.json") as answer:
        mails = json.load(answer)
    return [found.group(0) for mail in mails if email in mail["to"]
            for found in [LINK.search(mail["body"])] if found]


def ask_for_a_link(page: Page, stack: LocalStack, email: str) -> str:
    """Forgot password? on the login view, the form sent; the link the e-mail holds."""
    view(page, "login").get_by_role("link", name="Forgot password?").click()
    forgot = view(page, "forgot-password")
    forgot.get_by_label("Email").fill(email)
    forgot.get_by_role("button", name="Send reset link").click()
    expect(forgot.get_by_role("status")).to_contain_text("If an account uses this e-mail")
    eventually(lambda: bool(reset_links(stack, email)), "e-mailed")
    return reset_links(stack, email)[-1]


def test_a_host_who_forgot_the_password_sets_a_new_one_from_the_emailed_link(
        stack: LocalStack, new_context: NewContext) -> None:
    slug = signed_up_elsewhere(new_context, stack)
    email = f"{slug}@example.com"
    page = open_dashboard(new_context(), stack, "/app/login")

    # GIVEN the host asked for a link from the login view
    link = ask_for_a_link(page, stack, email)

    # WHEN they open it and choose a new password
    page.goto(link)
    reset = view(page, "reset-password")
    expect(reset.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(page).to_have_url(f"{stack.api_url}/app/reset-password")  # the token left the bar
    reset.get_by_label("New password").fill(NEW)
    reset.get_by_role("button", name="Set new password").click()

    # THEN they are asked to log in, and the new password is the one that works
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    expect(page.locator(".toast", has_text="Your new password is set")).to_be_visible()
    login = view(page, "login")
    login.get_by_label("Email").fill(email)
    login.get_by_label("Password").fill(NEW)
    login.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{stack.api_url}/app/bookings")


def test_a_weak_password_is_refused_beside_its_field_and_a_used_link_says_so(
        stack: LocalStack, new_context: NewContext) -> None:
    slug = signed_up_elsewhere(new_context, stack)
    page = open_dashboard(new_context(), stack, "/app/login")
    link = ask_for_a_link(page, stack, f"{slug}@example.com")
    page.goto(link)
    reset = view(page, "reset-password")
    field = reset.get_by_label("New password")

    # WHEN the new password is spaces alone
    field.fill(" " * 12)
    reset.get_by_role("button", name="Set new password").click()

    # THEN the field says why, and the link still works
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(reset.locator("#reset-new-password-error")).to_contain_text("besides spaces")
    field.fill(NEW)
    reset.get_by_role("button", name="Set new password").click()
    expect(page).to_have_url(f"{stack.api_url}/app/login")

    # AND opened again, the spent link says it was used, at the top of the form
    page.goto(link)
    field.fill("yet another passphrase")
    reset.get_by_role("button", name="Set new password").click()
    expect(reset.get_by_role("alert")).to_contain_text("already used")


def test_a_penny_that_cannot_send_email_says_so_and_what_to_do_instead(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a Penny with no sender (the page's config says so; the local stack has one)
    context = new_context()

    def without_sender(route: Route) -> None:
        page_html = route.fetch().text()
        route.fulfill(body=re.sub(r'"passwordReset":\s*true', '"passwordReset": false',
                                  page_html), content_type="text/html; charset=utf-8")

    context.route(f"{stack.api_url}/app/login", without_sender)
    page = open_dashboard(context, stack, "/app/login")

    # WHEN the host presses "Forgot password?"
    view(page, "login").get_by_role("link", name="Forgot password?").click()

    # THEN no form that cannot work: the page says why, and the ways back in
    forgot = view(page, "forgot-password")
    expect(forgot).to_contain_text("This Penny cannot send e-mail")
    expect(forgot).to_contain_text("Sign in with Google")
    expect(forgot.get_by_role("button", name="Send reset link")).to_be_hidden()
    forgot.get_by_role("link", name="go back to log in").click()
    expect(page).to_have_url(f"{stack.api_url}/app/login")
