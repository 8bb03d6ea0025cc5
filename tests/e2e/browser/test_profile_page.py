"""A host's public profile page, /{host}, as a visitor first sees it in headless Chromium
against the local stack: what is listed, what is not, and the page for a host that is
not there.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.conftest import LocalStack
from tests.e2e.hosts import new_host

pytestmark = pytest.mark.e2e
PHONE_375 = {"width": 375, "height": 740}
# A link as hosts paste them: no space or dash to wrap at.
LONG_LINK = "https://www.behance.net/gallery/192837465/PortfolioReview2026?tracking_source=search_projects"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def describe(stack: LocalStack, slug: str, auth: str, description: str) -> None:
    r = requests.put(f"{stack.api_url}/me/profile", headers={"Authorization": auth}, json={
        "slug": slug, "display_name": "Noor Haddad", "timezone": "Asia/Dubai",
        "description": description}, timeout=30)
    assert r.status_code == 200, r.text


def test_a_long_description_with_a_long_link_fits_a_375px_phone(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a host whose description and event type quote a long link
    long_type: dict[str, Any] = {"slug": "review", "title": "Portfolio review",
                                 "duration_minutes": 90, "description": f"Bring {LONG_LINK}"}
    slug, auth = new_host(stack, "noor", long_type)
    describe(stack, slug, auth, f"Designer.\n\nMy work: {LONG_LINK}")

    # WHEN a visitor opens the profile on a phone
    page = new_context(viewport=PHONE_375).new_page()
    page.goto(f"{stack.api_url}/{slug}")
    expect(page.get_by_role("heading", name="Noor Haddad")).to_be_visible()

    # THEN neither the profile nor the event type's page scrolls sideways: the link wraps
    assert page.evaluate(FITS), page.evaluate("document.documentElement.scrollWidth")
    page.get_by_role("link", name="Portfolio review").click()
    expect(page.get_by_role("heading", name="Portfolio review")).to_be_visible()
    assert page.evaluate(FITS), page.evaluate("document.documentElement.scrollWidth")
