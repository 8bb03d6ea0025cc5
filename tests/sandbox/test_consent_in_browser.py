"""The consent page works for a person: headless Chromium (Debian's, as the browser tests
use it) loads it, presses Allow and lands on Penny's callback with a code and the state."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Route, sync_playwright

from sandbox import ProviderSandbox
from sandbox.testing import callback_params

CHROMIUM = Path(os.environ.get("PENNY_CHROMIUM", "/usr/bin/chromium"))
REDIRECT = "http://127.0.0.1:8000/oauth/google/callback"
WAIT_MS = 30_000  # bounds a failure on a busy machine; a passing run never waits it


def test_allow_in_a_real_browser_redirects_to_the_callback_with_code_and_state(
        provider_sandbox: ProviderSandbox) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"this test needs Chromium at {CHROMIUM}: install Debian's `chromium`")
    query = urlencode({"client_id": provider_sandbox.client("google").client_id,
                       "redirect_uri": REDIRECT, "response_type": "code",
                       "scope": "openid email", "state": "st-123"})
    landed: list[str] = []

    def callback(route: Route) -> None:
        landed.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Penny callback</p>")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT_MS)
            page.route(f"{REDIRECT}*", callback)
            page.goto(f"{provider_sandbox.base_url('google')}/o/oauth2/v2/auth?{query}")
            # A sign-in (openid email) asks for no calendar, and the page does not say so
            assert page.get_by_role("heading").first.inner_text() == \
                "Sign in to Penny with Google?"
            page.get_by_role("button", name="Allow").click()
            page.wait_for_url(f"{REDIRECT}*")
        finally:
            browser.close()

    params = callback_params(landed[0])
    assert params["state"] == "st-123" and params["code"].startswith("4/0A")


@pytest.mark.parametrize(("provider", "scopes", "question"), [
    ("google", ("openid", "https://www.googleapis.com/auth/calendar.events",
                "https://www.googleapis.com/auth/calendar.readonly"),
     "Allow Penny to see your calendar?"),
    ("google", ("https://www.googleapis.com/auth/documents",
                "https://www.googleapis.com/auth/drive.file"),
     "Allow Penny to make notes documents in your Google Drive?"),
    ("google", ("openid", "email", "profile"), "Sign in to Penny with Google?"),
    ("microsoft", ("openid", "offline_access", "Calendars.ReadWrite"),
     "Allow Penny to see your calendar?"),
    ("microsoft", ("openid", "profile", "email"), "Sign in to Penny with Microsoft?"),
    ("zoom", (), "Allow Penny to create Zoom meetings for you?"),
])
def test_the_consent_page_asks_for_what_the_scopes_give(
        provider_sandbox: ProviderSandbox, provider: str, scopes: tuple[str, ...],
        question: str) -> None:
    assert provider_sandbox.providers[provider].question_for(scopes) == question
