"""Every page, in every state a visitor or host meets it, at desktop and phone width:
axe-core's WCAG 2.1 AA rules, a visible focus ring on every control, 44 px targets.

Each journey collects the findings state by state and fails once, listing them all, so a
run shows every defect rather than the first one.
"""

from __future__ import annotations

import re
from contextlib import suppress

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from local.seed import SLUG as DEMO
from tests.e2e.browser.audit import audit
from tests.e2e.browser.conftest import DESKTOP, PHONE, NewContext, take_screenshot
from tests.e2e.browser.test_connections import connect, revoke_at_the_sandbox
from tests.e2e.browser.test_dashboard import book, csrf_headers, set_up_host, sign_up_in_browser
from tests.e2e.browser.test_dashboard_settings import change_event_type
from tests.e2e.browser.test_sign_in import at_the_sandbox
from tests.e2e.browser.visitor import (
    CONSULT,
    PAID_CONSULT,
    choose_slot,
    coach,
    fill_details,
    hold_paid,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
WIDTHS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def width(viewport: dict[str, int]) -> str:
    return "phone" if viewport == PHONE else "desktop"


class Findings:
    """The audit of each state the test walks through, kept until the end."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.by_state: dict[str, list[str]] = {}

    def check(self, state: str) -> None:
        self.by_state[state] = audit(self.page)

    def report(self) -> str:
        """Empty when every state passed; otherwise each failing state and its findings."""
        return "\n".join(f"{state}:\n  " + "\n  ".join(found)
                         for state, found in self.by_state.items() if found)


@WIDTHS
def test_every_public_page_and_state_passes_axe_with_visible_focus_and_44px_targets(
        stack: LocalStack, new_context: NewContext, viewport: dict[str, int]) -> None:
    host = coach(stack, CONSULT, {**PAID_CONSULT, "slug": "paid"})
    page = new_context("Europe/Berlin", viewport, bypass_csp=True).new_page()
    findings = Findings(page)

    page.goto(f"{stack.api_url}/{host}")
    findings.check("profile")
    take_screenshot(page, f"profile-{width(viewport)}")
    page.goto(f"{stack.api_url}/{host}/consult")
    page.locator("button.slot").first.wait_for()
    findings.check("calendar and times")
    choose_slot(page)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    findings.check("details with errors")
    fill_details(page, plan="Growth", goal="A plan for the quarter")
    page.get_by_role("button", name="Confirm booking").click()
    page.locator("#confirmation").wait_for()
    findings.check("confirmation")

    links = {name: str(page.locator(f"#{name}-link").get_attribute("href"))
             for name in ("manage", "reschedule", "cancel")}
    page.goto(links["manage"])
    findings.check("manage")
    page.goto(links["reschedule"])
    page.locator("button.slot").first.wait_for()
    findings.check("reschedule times")
    choose_slot(page, str(page.locator("button.slot").last.get_attribute("data-start")))
    findings.check("reschedule details")
    page.goto(links["cancel"])
    expect(page.locator("#cancel-title")).to_be_focused()
    findings.check("cancel")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.locator("#booking-status")).to_have_text("Cancelled")
    findings.check("cancelled")
    page.goto(f"{stack.api_url}/booking/0123456789abcdef?token=forged")
    findings.check("not found")

    # A paid event: the price and refund policy, the form saying what comes next, and a
    # booking that waits for its payment
    page.goto(f"{stack.api_url}/{host}/paid")
    choose_slot(page)
    findings.check("paid event: details and what comes next")
    waiting = hold_paid(stack, host, "paid", plan="Scale")
    page.goto(waiting["links"]["view"])
    expect(page.locator("#payment-state")).to_contain_text("Waiting for your payment")
    findings.check("booking waiting for its payment")
    # Razorpay Checkout on Penny's pay page (the demo host's rupee event), closed unpaid
    rupees = hold_paid(stack, DEMO, "consult-in", plan="Growth", phone="+91 98765 43210")
    page.goto(rupees["links"]["view"].replace("?", "/pay?"))
    page.frame_locator('iframe[title="Razorpay Checkout"]').get_by_role(
        "button", name="Cancel").click()
    expect(page.locator("#pay-state")).to_contain_text("You closed the payment window")
    findings.check("pay page, Checkout closed")

    assert findings.report() == "", "\n" + findings.report()


@WIDTHS
def test_every_dashboard_view_and_state_passes_axe_with_visible_focus_and_44px_targets(
        stack: LocalStack, new_context: NewContext, viewport: dict[str, int]) -> None:
    context = new_context("America/New_York", viewport, bypass_csp=True)
    page = context.new_page()
    findings = Findings(page)
    page.goto(f"{stack.api_url}/app/login")
    expect(page.get_by_role("button", name="Sign in with Microsoft")).to_be_visible()
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    findings.check("login with errors, and the sign-in buttons")
    page.get_by_role("button", name="Sign in with Google").click()
    at_the_sandbox(page, stack, decision="Deny")
    expect(page.locator("#login-form .form-error")).to_contain_text("You said no")
    findings.check("login: sign-in with Google refused")
    page.goto(f"{stack.api_url}/app/signup")
    page.locator("#signup-timezone option").first.wait_for(state="attached")
    findings.check("signup")
    page.goto(f"{stack.api_url}/app/forgot-password")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.locator("#forgot-email[aria-invalid=true]")).to_be_visible()
    findings.check("forgot password, with an error")
    page.goto(f"{stack.api_url}/app/reset-password")
    expect(page.locator("#reset-form .form-error")).to_contain_text("reset e-mail")
    findings.check("reset password, opened without its link")

    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug, paid=True)  # Stripe connected, strategy €120
    book(stack, slug, "intro", "Katherine Johnson")
    book(stack, slug, "strategy", "Dorothy Vaughan")
    page.goto(f"{stack.api_url}/app/welcome")
    expect(page.locator("#welcome-step-title")).to_be_visible()
    findings.check("welcome")
    page.goto(f"{stack.api_url}/app/bookings")
    expect(page.locator(".booking")).to_have_count(2)
    findings.check("bookings")
    page.get_by_role("button", name=re.compile("^Cancel Intro call with Katherine")).click()
    expect(page.locator("#cancel-dialog")).to_be_visible()
    findings.check("cancel dialog")
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Past").click()
    expect(page.locator("#bookings-empty")).to_be_visible()
    findings.check("past bookings (none)")
    change_event_type(context, stack, "strategy", active=False)  # its card: Inactive, Turn on

    for section, ready in (("event-types", ".event-type"), ("availability", "input:checked"),
                           # the profile's data, not just its form (the link is empty till then)
                           ("profile", "#profile-public-url:not(:empty)"),
                           ("connections", ".integration-badge:text-is('Not connected')")):
        page.get_by_role("link", name=section.replace("-", " ").capitalize()).click()
        page.locator(f'[data-view="{section}"] {ready}').first.wait_for()
        findings.check(section)
    # Connections with one platform connected (its granted access open) and one broken
    connect(page, stack, "Zoom")
    connect(page, stack, "Google Calendar")
    revoke_at_the_sandbox(context, stack, "google")
    # Testing it finds it broken; a call Penny makes to Google meanwhile (the calendar's
    # sync) may find it first, and then the card says so live, its Test button gone
    with suppress(PlaywrightTimeoutError):
        page.get_by_role("button", name="Test Google Calendar connection").click(timeout=10_000)
    expect(page.get_by_role("button", name="Reconnect Google Calendar")).to_be_visible()
    page.get_by_text("Access granted").click()
    findings.check("connections: connected and broken")
    page.get_by_role("button", name="Disconnect Zoom").click()
    expect(page.locator("#disconnect-dialog")).to_be_visible()
    findings.check("disconnect dialog")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Connect Razorpay").click()
    page.get_by_role("button", name="Connect Razorpay", exact=True).last.click()  # empty
    expect(page.locator("#razorpay-key-id")).to_have_attribute("aria-invalid", "true")
    findings.check("razorpay keys dialog, with errors")
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Event types").click()
    page.get_by_role("button", name="New event type").click()
    page.get_by_text("Scheduling rules").click()
    findings.check("event type editor")
    # The Profile's sign-in methods: Microsoft linked, then the Unlink confirmation
    page.get_by_role("link", name="Profile").click()
    try:
        page.get_by_role("button", name="Link Microsoft").click()
        at_the_sandbox(page, stack)
        expect(page.locator("#identities-status")).to_contain_text("Microsoft is linked")
        findings.check("profile: sign-in methods, one linked")
        page.get_by_role("button", name="Unlink Microsoft").click()
        expect(page.locator("#unlink-dialog")).to_be_visible()
        findings.check("unlink dialog")
        page.locator("#unlink-dialog").get_by_role("button", name="Unlink", exact=True).click()
        expect(page.get_by_role("button", name="Link Microsoft")).to_be_visible()
    finally:  # the sandbox's Microsoft account is shared: never leave it linked here
        page.request.delete(f"{stack.api_url}/me/identities/microsoft",
                            headers=csrf_headers(context, stack))

    assert findings.report() == "", "\n" + findings.report()
