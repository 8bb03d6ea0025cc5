"""The Profile page's Password card, in headless Chromium against the local stack: a
password host changes its password (errors shown in place; its other logins end), and
an account made by signing in with Microsoft sets a first one, then may unlink Microsoft.

The sandbox's Microsoft account is shared by the whole session (test_sign_in.py links it
to a password host): the test that signs in with it unlinks it before it ends.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_connections import penny_console_errors
from tests.e2e.browser.test_dashboard import (
    PASSWORD,
    csrf_headers,
    open_dashboard,
    sign_up_in_browser,
)
from tests.e2e.browser.test_sign_in import MICROSOFT_ACCOUNT, at_the_sandbox, identities_of
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
NEW = "a brand new passphrase"


def test_a_host_changes_the_password_on_the_profile_page_and_other_logins_end(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    elsewhere = new_context()
    r = elsewhere.request.post(f"{stack.api_url}/auth/session", headers={
        "Origin": stack.api_url}, data={"email": f"{slug}@example.com", "password": PASSWORD})
    assert r.status == 200, r.text()
    page = open_dashboard(context, stack, "/app/profile")
    errors = penny_console_errors(page, stack)
    card = page.locator("#password")
    current, new = card.get_by_label("Current password"), card.get_by_label("New password")

    # GIVEN the Password card of a host with a password
    expect(card.get_by_role("heading", name="Password")).to_be_visible()

    # WHEN the current password given is wrong: the error is beside that field
    current.fill("not my password")
    new.fill(NEW)
    card.get_by_role("button", name="Change password").click()
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(card.locator("#password-current-error")).to_have_text("The current password is wrong.")
    expect(current).to_be_focused()

    # WHEN the new one is too short: the browser's own check says so beside it
    current.fill(PASSWORD)
    new.fill("short")
    card.get_by_role("button", name="Change password").click()
    expect(new).to_have_attribute("aria-invalid", "true")
    expect(current).not_to_have_attribute("aria-invalid", "true")

    # WHEN both are right
    new.fill(NEW)
    card.get_by_role("button", name="Change password").click()

    # THEN it says so; this browser stays in, the other is signed out
    status = page.locator("#password-status")
    expect(status).to_contain_text("Your password is changed.")
    expect(status).to_contain_text("1 other login ended")
    expect(current).to_have_value("")
    assert context.request.get(f"{stack.api_url}/me/profile").status == 200
    assert elsewhere.request.get(f"{stack.api_url}/me/profile").status == 401
    assert context.request.post(f"{stack.api_url}/auth/login", data={
        "email": f"{slug}@example.com", "password": NEW}).status == 200
    # Chromium logs every 4xx answer; the one here is the wrong password's 403
    assert errors == ["Failed to load resource: the server responded with a status of 403 "
                      "(Forbidden)"]


def test_an_account_made_with_microsoft_sets_a_password_then_unlinks_microsoft(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    page = open_dashboard(context, stack, "/app/login")
    errors = penny_console_errors(page, stack)
    try:
        # GIVEN an account made by signing in with Microsoft (no password)
        page.locator('[data-view="login"]').get_by_role(
            "button", name="Sign in with Microsoft").click()
        at_the_sandbox(page, stack, account=MICROSOFT_ACCOUNT)
        expect(page).to_have_url(f"{stack.api_url}/app/welcome")
        page.get_by_role("link", name="Profile").click()
        card = page.locator("#password")

        # THEN its card offers to set a password, asking for no current one
        expect(card.get_by_role("heading", name="Set a password")).to_be_visible()
        expect(card.get_by_label("Current password")).to_be_hidden()

        # WHEN the host sets one (minutes after signing in)
        card.get_by_label("New password").fill(NEW)
        card.get_by_role("button", name="Set password").click()

        # THEN it is set, and the card now changes it
        expect(page.locator("#password-status")).to_contain_text("Your password is set.")
        expect(card.get_by_role("heading", name="Password")).to_be_visible()
        expect(card.get_by_label("Current password")).to_be_visible()

        # AND Microsoft is no longer the last way in: it unlinks
        page.locator("#identities").get_by_role("button", name="Unlink Microsoft").click()
        page.locator("#unlink-dialog").get_by_role("button", name="Unlink", exact=True).click()
        expect(page.locator("#identities-status")).to_contain_text("Microsoft is unlinked")
        assert "microsoft" not in identities_of(context, stack)
        assert context.request.post(f"{stack.api_url}/auth/login", data={
            "email": MICROSOFT_ACCOUNT, "password": NEW}).status == 200
        assert errors == []
    finally:
        # The sandbox's Microsoft account is shared: never leave it linked to this host
        if "microsoft" in identities_of(context, stack):
            context.request.delete(f"{stack.api_url}/me/identities/microsoft",
                                   headers=csrf_headers(context, stack))
