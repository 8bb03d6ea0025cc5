"""Paid bookings in the browser, against the local stack and its provider sandbox.

The seeded demo host has the sandbox's Stripe and Razorpay connected, with a paid event
in dollars (`consult`, Stripe's hosted checkout page) and one in rupees (`consult-in`,
Razorpay Checkout on Penny's own pay page). A visitor pays and lands on the booking's
page, which turns to "Paid · Confirmed" once the provider's signed webhook (or
Razorpay's signed handler) has confirmed it, never on the redirect alone; the demo
host's dashboard, open in another browser, shows "Paid" live. A payment abandoned at
Stripe leaves the time held until the hold ends (PAYMENT_HOLD_SECONDS on this stack),
then the booking's page says so and the time is offered again. A new host connects
Stripe (its onboarding) and Razorpay (its keys, then the webhook to add there) before a
price can be saved.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import BrowserContext, Locator, Page, expect

from local.seed import EMAIL, PASSWORD, SLUG
from sandbox.razorpay import SANDBOX_MERCHANT
from tests.e2e.browser.conftest import WAIT_MS, NewContext
from tests.e2e.browser.test_connections import card
from tests.e2e.browser.test_dashboard import (
    connect_stripe_in_browser,
    open_dashboard,
    sign_up_in_browser,
)
from tests.e2e.browser.visitor import (
    PAID_CONSULT,
    choose_slot,
    coach,
    fill_details,
    open_booking,
    show_day,
    starts_on_day_of,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]
ANSWERS = {"plan": "Growth", "phone": "+1 415 555 0100"}


def demo_dashboard(context: BrowserContext, stack: LocalStack) -> Page:
    """The demo host's bookings, logged in, with live updates on."""
    page = context.new_page()
    page.goto(f"{stack.api_url}/app/login")
    login = page.locator("#login-form")
    login.get_by_label("Email").fill(EMAIL)
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Log in").click()
    expect(page.locator("#bookings-title")).to_be_visible()
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    return page


def book_paid(context: BrowserContext, stack: LocalStack, event: str, who: str) -> str:
    """A visitor books the demo host's paid event up to the payment; returns the start."""
    page = open_booking(context, stack, f"{SLUG}/{event}")
    # The price and the refund policy are said before the visitor pays
    expect(page.locator("#refund-policy")).to_have_text(
        "Full refund if you cancel at least 24 hours before; no refund after that.")
    start = choose_slot(page)
    fill_details(page, name=who, email=f"{who.split()[0].lower()}@example.com", **ANSWERS)
    expect(page.locator("#pay-note")).to_contain_text("Next you pay")
    page.get_by_role("button", name="Continue to payment").click()
    return start


def row_of(dashboard: Page, who: str) -> tuple[Locator, Locator]:
    """A booking's row on the dashboard, and its payment badge."""
    row = dashboard.locator(".booking", has_text=who)
    return row, row.locator(".booking-tags .badge").nth(1)


def test_a_visitor_pays_at_stripe_and_the_booking_turns_to_paid_for_both_sides(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    dashboard = demo_dashboard(new_context(), stack)
    who = f"Grace Hopper {secrets.token_hex(2)}"
    visitor = new_context("Europe/London")
    book_paid(visitor, stack, "consult", who)
    page = visitor.pages[0]

    # Stripe's hosted checkout page (the sandbox's), with the visitor's e-mail filled in
    expect(page).to_have_url(re.compile(rf"^{re.escape(stack.sandbox_url)}/stripe/pay/"))
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    # Back on the booking's own page, which turns to Paid once the webhook confirmed it
    expect(page).to_have_url(re.compile(rf"^{re.escape(stack.api_url)}/booking/"))
    expect(page.locator("#booking-status")).to_have_text("Paid · Confirmed")
    # (the first free time may start within the 24 hours: then the page says so too)
    expect(page.locator("#payment-state")).to_have_text(re.compile(
        r"^Paid \$150\.00\. Full refund if you cancel at least 24 hours before; no refund "
        r"after that\.( That deadline has passed, so cancelling it now gives no refund\.)?$"))
    expect(page.locator("#video")).to_be_visible()  # the meeting's link, as any booking's
    expect(page.locator("#ics-link")).to_be_visible()
    screenshot(page, "booking-paid-desktop")
    # ... and the host's dashboard says it live
    row, badge = row_of(dashboard, who)
    expect(badge).to_have_text("Paid · $150.00")
    expect(row.locator(".booking-payment")).to_have_text("Paid $150.00 through Stripe.")
    expect(dashboard.locator("#toasts")).to_contain_text("Payment received: Strategy session")


def test_the_pay_note_says_when_the_chosen_times_refund_deadline_has_already_passed(
        stack: LocalStack, new_context: NewContext) -> None:
    # A host free all day, every day: the first time is less than 24 hours away
    host = coach(stack, PAID_CONSULT, timezone="UTC", hours=("00:00", "24:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/consult")
    note = page.locator("#pay-note")

    soon = choose_slot(page)

    assert datetime.fromisoformat(soon) - datetime.now(UTC) < timedelta(hours=24)
    expect(note).to_have_text("Next you pay $150.00 online; your time is held for you while "
                              "you pay. This time is less than 24 hours away, so it can't "
                              "be refunded if you cancel.")

    # Another time, days ahead: its own deadline, in the visitor's zone
    page.locator("#back").click()
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    show_day(page, day)
    later = datetime.fromisoformat(choose_slot(page))
    deadline = later.astimezone(UTC) - timedelta(hours=24)
    expect(note).to_have_text(
        "Next you pay $150.00 online; your time is held for you while you pay. Full refund "
        f"if you cancel by {deadline:%A, %B %-d, %-I:%M %p} (UTC); no refund after that.")


def test_moving_a_paid_booking_says_when_the_chosen_times_refund_deadline_has_passed(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a paid booking days ahead, inside its refund deadline, with a host free all
    # day, every day (the first time to move to is less than 24 hours away)
    host = coach(stack, PAID_CONSULT, timezone="UTC", hours=("00:00", "24:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/consult")
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    show_day(page, day)
    choose_slot(page)
    fill_details(page, plan="Growth")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.locator("#booking-status")).to_have_text("Paid · Confirmed")

    # WHEN the client opens its reschedule page and picks the soonest time
    page.locator("#reschedule-link").click()
    page.locator("button.slot").first.wait_for()   # it opens on the first day with times
    soon = choose_slot(page)

    # THEN the move step says that time can't be refunded once moved to (the move sets
    # the deadline from the new start), where the card's policy alone read as a refund
    assert datetime.fromisoformat(soon) - datetime.now(UTC) < timedelta(hours=24)
    note = page.locator("#move-refund")
    expect(note).to_have_text("This time is less than 24 hours away, so it can't be "
                              "refunded if you cancel.")

    # ... and a time days ahead gets its own deadline
    page.locator("#back").click()
    later_day = (datetime.now(UTC) + timedelta(days=5)).date()
    show_day(page, later_day)
    later = datetime.fromisoformat(choose_slot(page))
    deadline = later.astimezone(UTC) - timedelta(hours=24)
    expect(note).to_have_text(f"Full refund if you cancel by {deadline:%A, %B %-d, %-I:%M %p} "
                              "(UTC); no refund after that.")


def test_a_disputed_payments_page_says_cancelling_makes_no_refund_before_the_client_cancels(
        stack: LocalStack, new_context: NewContext) -> None:
    dashboard = demo_dashboard(new_context(), stack)
    who = f"Mary Jackson {secrets.token_hex(2)}"
    visitor = new_context()
    book_paid(visitor, stack, "consult", who)
    page = visitor.pages[0]
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.locator("#booking-status")).to_have_text("Paid · Confirmed")
    uid = page.url.split("/booking/", 1)[1].split("?", 1)[0]

    # The client's bank disputes the payment (the sandbox's Stripe dashboard), and the
    # host's row turns to Disputed once Stripe's webhook is in
    bank = new_context().new_page()
    bank.goto(f"{stack.sandbox_url}/stripe/_sandbox")
    bank.locator("tr", has_text=uid).get_by_role(
        "button", name="Dispute it (the client's bank)").click()
    expect(row_of(dashboard, who)[1]).to_have_text("Disputed · $150.00")

    # It was an inquiry, closed without a chargeback; then the bank opens a chargeback on
    # the same payment: the row keeps both disputes and says each (ours is the newest)
    bank.locator("tr", has=bank.get_by_role("button", name="Closed (inquiry)")).last \
        .get_by_role("button", name="Closed (inquiry)").click()
    expect(row_of(dashboard, who)[1]).to_have_text("Dispute closed · $150.00")
    bank.locator("tr", has_text=uid).get_by_role(
        "button", name="Dispute it (the client's bank)").click()
    row, badge = row_of(dashboard, who)
    expect(badge).to_have_text("Disputed (2 disputes) · $150.00")
    expect(row.locator(".booking-payment")).to_contain_text(
        "(fraudulent) as an inquiry, closed without a chargeback")
    expect(row.locator(".booking-payment")).to_contain_text(
        "answer it in Stripe's dashboard before its deadline")

    # The booking's page says, before the client cancels, that cancelling refunds nothing
    # (the first free time may start within the 24 hours: then no refund follows either)
    page.reload()
    expect(page.locator("#payment-state")).to_have_text(re.compile(
        r"^Paid \$150\.00\. Your bank is disputing this payment: cancelling now makes no "
        r"refund; the dispute decides the money\. "))
    expect(page.locator("#payment-state")).not_to_contain_text("Full refund if you cancel")
    expect(page.locator("#cancel-section")).to_be_visible()


def test_a_visitor_pays_with_razorpay_checkout_on_pennys_pay_page_after_closing_it_once(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    dashboard = demo_dashboard(new_context(), stack)
    who = f"Katherine Johnson {secrets.token_hex(2)}"
    visitor = new_context("Asia/Kolkata")
    book_paid(visitor, stack, "consult-in", who)
    page = visitor.pages[0]

    # Penny's pay page opens Checkout over itself; the visitor closes it first
    expect(page).to_have_url(re.compile(r"/booking/[^/]+/pay\?token="))
    checkout = page.frame_locator('iframe[title="Razorpay Checkout"]')
    checkout.get_by_role("button", name="Cancel").click()
    expect(page.locator("#pay-state")).to_contain_text("You closed the payment window")
    pay = page.get_by_role("button", name="Pay ₹1,500.00")
    expect(pay).to_be_focused()
    screenshot(page, "pay-page-razorpay")
    pay.click()
    checkout.get_by_role("button", name="Pay", exact=True).click()

    # Razorpay's signed answer goes to Penny, and the visitor on to the booking's page
    expect(page).to_have_url(re.compile(rf"^{re.escape(stack.api_url)}/booking/[^/?]+\?"))
    expect(page.locator("#booking-status")).to_have_text("Paid · Confirmed")
    expect(page.locator("#payment-state")).to_contain_text("Paid ₹1,500.00.")
    row, badge = row_of(dashboard, who)
    expect(badge).to_have_text("Paid · ₹1,500.00")
    expect(row.locator(".booking-payment")).to_have_text("Paid ₹1,500.00 through Razorpay.")

    # The host refunds it in Razorpay's dashboard: the payment (made by Checkout, with the
    # notes the pay page gave it) names the booking, so its refund.processed reaches it.
    uid = page.url.split("/booking/", 1)[1].split("?", 1)[0]
    payment = razorpay_payment_of(stack, uid)
    assert payment["notes"] == {"booking_uid": uid}
    razorpay_api(stack, "POST", f"payments/{payment['id']}/refund", {"amount": 150000})
    expect(row.locator(".booking-payment")).to_have_text(
        "Paid ₹1,500.00 through Razorpay. Refunded ₹1,500.00 at the payment provider.")
    page.reload()
    expect(page.locator("#payment-state")).to_contain_text("Refunded ₹1,500.00 by the host.")

    # The refund comes back (the client's card was closed): the sandbox's own page makes
    # it fail, Razorpay's refund.failed reaches the booking, and both sides are told.
    sandbox_page = visitor.new_page()
    sandbox_page.goto(f"{stack.sandbox_url}/razorpay/_sandbox")
    sandbox_page.get_by_role("button", name="Fail it (the card is closed)").first.click()
    expect(row.locator(".booking-payment")).to_contain_text(
        "The refund of ₹1,500.00 came back: the client's card could not take it")
    expect(row.locator(".booking-tags")).to_contain_text("Refund failed · ₹1,500.00")
    expect(dashboard.locator(".toast", has_text="Refund failed")).to_have_count(1)
    page.reload()
    expect(page.locator("#payment-state")).to_contain_text(
        "The refund of ₹1,500.00 could not reach your card")

    # The host refunds the client again at Razorpay, as the row asked: the booking is
    # refunded after all, and the row says so live, not the refund that came back
    razorpay_api(stack, "POST", f"payments/{payment['id']}/refund", {"amount": 150000})
    expect(row.locator(".booking-payment")).to_have_text(
        "Paid ₹1,500.00 through Razorpay. Refunded ₹1,500.00 at the payment provider.")
    expect(row.locator(".booking-tags")).to_contain_text("Refunded · ₹1,500.00")


def test_razorpay_checkout_that_cannot_load_leaves_the_keyboard_on_pay_to_try_again(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a visitor whose network cannot fetch Razorpay's Checkout script, at first
    visitor = new_context("Asia/Kolkata")
    blocked = {"on": True}

    def script(route: Any) -> None:
        if blocked["on"]:
            route.abort()
        else:
            route.continue_()

    visitor.route(re.compile(r"checkout\.js(\?|$)"), script)
    book_paid(visitor, stack, "consult-in", f"Mary Jackson {secrets.token_hex(2)}")
    page = visitor.pages[0]

    # THEN the page says so, and the keyboard is on Pay (disabled while it loaded, the
    # button had dropped the focus to the page's body)
    expect(page.locator("#pay-state")).to_have_text("Razorpay Checkout could not be loaded.")
    pay = page.get_by_role("button", name="Pay ₹1,500.00")
    expect(pay).to_be_focused()

    # WHEN the network is back and the visitor presses Enter there, Checkout opens
    blocked["on"] = False
    page.keyboard.press("Enter")
    expect(page.locator("#pay-state")).to_have_text("Razorpay Checkout is open over this page.")


def razorpay_api(stack: LocalStack, method: str, path: str,
                 body: dict[str, object] | None = None) -> Any:
    """The sandbox's Razorpay API as the demo merchant (its dashboard's own calls)."""
    r = requests.request(method, f"{stack.sandbox_url}/razorpay/v1/{path}", json=body,
                         auth=(SANDBOX_MERCHANT.key_id, SANDBOX_MERCHANT.key_secret),
                         timeout=30)
    r.raise_for_status()
    return r.json()


def razorpay_payment_of(stack: LocalStack, uid: str) -> dict[str, Any]:
    """The captured payment of the booking's order (the order's notes name the booking)."""
    orders = razorpay_api(stack, "GET", "orders?count=100")["items"]
    order = next(o for o in orders if (o.get("notes") or {}).get("booking_uid") == uid)
    payments = razorpay_api(stack, "GET", f"orders/{order['id']}/payments")["items"]
    return next(p for p in payments if p["status"] == "captured")


def test_an_abandoned_payment_holds_the_time_until_the_hold_ends_then_frees_it(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    visitor = new_context()
    start = book_paid(visitor, stack, "consult", f"Ada Lovelace {secrets.token_hex(2)}")
    page = visitor.pages[0]
    expect(page).to_have_url(re.compile(rf"^{re.escape(stack.sandbox_url)}/stripe/pay/"))

    page.get_by_role("link", name="Cancel and go back").click()

    # Stripe comes back to the booking's page: it waits, and offers to pay while held
    expect(page.locator("#payment-state")).to_have_text(
        "Waiting for your payment to be confirmed…")
    expect(page.get_by_role("link", name="Pay $150.00")).to_be_visible()
    screenshot(page, "booking-awaiting-payment")
    other = open_booking(new_context(), stack, f"{SLUG}/consult")
    assert start not in starts_on_day_of(other, start)  # held for the first visitor

    # The hold ends unpaid (the stack's hold timer; the page asks until a grace after)
    until = datetime.fromisoformat(str(page.locator("#payment").get_attribute("data-until")))
    left_ms = max(0.0, (until - datetime.now(until.tzinfo)).total_seconds() * 1000)
    expect(page.locator("#payment-state")).to_have_text(
        "Your hold expired unpaid; the time is free again.", timeout=left_ms + WAIT_MS)
    expect(page.locator("#booking-status")).to_have_text("Expired")
    expect(page.get_by_role("link", name="Book again")).to_have_attribute(
        "href", f"/{SLUG}/consult")
    other.reload()
    assert start in starts_on_day_of(other, start)


def penny_errors(page: Page, stack: LocalStack) -> list[str]:
    """Console errors about Penny's own pages and requests (not the sandbox's pages,
    which the window visits on the way, and their favicon requests)."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if msg.type == "error" and
            str(msg.location.get("url", "")).startswith(stack.api_url) else None)
    page.on("pageerror", lambda exc: seen.append(f"uncaught: {exc}"))
    return seen


def test_a_host_connects_stripe_and_razorpay_before_pricing_an_event_type(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/event-types")
    errors = penny_errors(page, stack)

    # A price with no payment provider is refused, and the reason is by the price
    page.get_by_role("button", name="New event type").click()
    expect(page.locator("#et-price-hint")).to_contain_text("connect Stripe or Razorpay first")
    page.get_by_label("Title").fill("Deep dive")
    page.get_by_label("Price").fill("90")
    page.get_by_role("button", name="Save event type").click()
    expect(page.locator("#et-price-error")).to_contain_text("connect Stripe or Razorpay")
    expect(page.get_by_label("Price")).to_be_focused()

    # Stripe: its onboarding, left unfinished once, then finished (the refused event type
    # is left unsaved: the dashboard asks first)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Connections").click()
    stripe = card(page, "Stripe")
    page.get_by_role("button", name="Connect Stripe").click()
    page.get_by_role("button", name="Not now").click()  # the sandbox's onboarding page
    expect(page.locator("#connections-status")).to_contain_text("Finish setting up on Stripe")
    expect(stripe.locator(".integration-badge")).to_have_text("Setup unfinished")
    assert "stripe=" not in page.url
    page.get_by_role("button", name="Finish setting up on Stripe").click()
    page.get_by_role("button", name="Complete onboarding").click()
    expect(page.locator("#connections-status")).to_contain_text("Stripe is connected")
    expect(stripe.locator(".integration-badge")).to_have_text("Connected")

    # Razorpay: the host's own keys (refused when wrong), then the webhook to add there
    page.get_by_role("button", name="Connect Razorpay").click()
    dialog = page.locator("#razorpay-dialog")
    dialog.get_by_label("Key id").fill(SANDBOX_MERCHANT.key_id)
    dialog.get_by_label("Key secret").fill("notTheSecret0123")  # well formed, wrong
    dialog.get_by_label("Webhook secret").fill(SANDBOX_MERCHANT.webhook_secret)
    dialog.get_by_role("button", name="Connect Razorpay").click()
    expect(dialog.get_by_label("Key secret")).to_have_attribute("aria-invalid", "true")
    expect(dialog).to_contain_text("Razorpay did not accept this key id and secret")
    dialog.get_by_label("Key secret").fill(SANDBOX_MERCHANT.key_secret)
    dialog.get_by_role("button", name="Connect Razorpay").click()
    expect(dialog.get_by_role("heading", level=2)).to_have_text(
        "Now add Penny's webhook at Razorpay")
    expect(dialog.get_by_label("Webhook URL", exact=True)).to_have_value(
        re.compile(rf"^{re.escape(stack.api_url)}/webhooks/razorpay/\w+$"))
    expect(dialog).to_contain_text("payment.captured")
    expect(dialog).to_contain_text("payment.dispute.lost")
    dialog.get_by_role("button", name="Done").click()
    expect(card(page, "Razorpay").locator(".integration-badge")).to_have_text("Connected")
    expect(page.get_by_role("button", name="Webhook steps for Razorpay")).to_be_focused()
    screenshot(page, "dashboard-payments-connected")

    # Now a price is taken, with its refund policy
    page.get_by_role("link", name="Event types").click()
    page.get_by_role("button", name="New event type").click()
    hint = page.locator("#et-price-hint")
    expect(hint).to_contain_text("your Stripe account, which takes at least $0.50.")
    # Rupees go to Razorpay, which takes at least ₹1.00, and less is refused before sending
    page.get_by_label("Currency").select_option("INR")
    expect(hint).to_contain_text("your Razorpay account, which takes at least ₹1.00.")
    page.get_by_label("Title").fill("Deep dive")
    page.get_by_label("Price").fill("0.99")
    page.get_by_role("button", name="Save event type").click()
    expect(page.locator("#et-price-error")).to_have_text(
        "Razorpay takes payments of at least ₹1.00: raise the price, or leave it empty for free.")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Title").fill("Deep dive")
    page.get_by_label("Price").fill("90")
    page.get_by_label("Full refund up to (hours before)").fill("48")
    page.get_by_role("button", name="Save event type").click()
    expect(page.locator(".event-type", has_text="Deep dive")).to_contain_text("$90.00")
    # The browser logs the two refusals' statuses, and nothing else went wrong
    assert [re.sub(r".* status of (\d+) .*", r"\1", e) for e in errors] == ["409", "400"]


def test_a_stripe_account_that_disconnects_penny_shows_broken_live(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    connect_stripe_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    stripe = card(page, "Stripe")
    expect(stripe.locator(".integration-badge")).to_have_text("Connected")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")

    # WHEN the host disconnects Penny in Stripe's dashboard (the sandbox's page for it)
    at_stripe = context.new_page()
    at_stripe.goto(f"{stack.sandbox_url}/stripe/_sandbox")
    row = at_stripe.locator("tr", has_text=f"{slug}@example.com")
    row.get_by_role("button", name="Disconnect Penny").click()
    expect(at_stripe.locator("tr", has_text=f"{slug}@example.com")).to_contain_text(
        "disconnected Penny")

    # THEN Stripe's webhook reaches Penny, and the open dashboard says so without a reload
    expect(stripe.locator(".integration-badge")).to_have_text("Broken")
    expect(stripe).to_contain_text("disconnected Penny")
