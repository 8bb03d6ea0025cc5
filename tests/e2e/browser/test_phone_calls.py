"""A phone call in headless Chromium: its booking page asks the client for the number to
call, the confirmation says they will be called at it, the host's bookings list shows it
beside the location, and the event type editor says clients are asked for it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import open_dashboard
from tests.e2e.browser.test_dashboard_zones import host_in
from tests.e2e.browser.visitor import choose_slot, confirm, fill_details, open_booking
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
CALL_AT = "+1 415 555 0199"


def test_a_phone_call_asks_for_the_number_and_the_hosts_row_shows_it(
        stack: LocalStack, new_context: NewContext) -> None:
    host = new_context()
    slug = host_in(host, stack, "UTC")  # its "intro" is a phone call, with no questions
    visitor = open_booking(new_context(), stack, f"{slug}/intro")
    choose_slot(visitor)

    fill_details(visitor, name="Phil Phone", email="phil@example.com")
    visitor.get_by_role("button", name="Confirm booking").click()
    expect(visitor.locator("#details")).to_contain_text(
        re.compile(r"Your phone number'? is required"))
    expect(visitor.get_by_label("Your phone number")).to_be_visible()

    visitor.get_by_label("Your phone number").fill(CALL_AT)
    confirm(visitor)
    expect(visitor.locator("#confirm-where")).to_have_text(
        f"Phone call: the host will call you at {CALL_AT}.")

    page = open_dashboard(host, stack, "/app/bookings")
    row = page.locator(".booking", has_text="Phil Phone")
    expect(row.locator(".booking-who")).to_contain_text(f"Phone call · {CALL_AT}")
    expect(row.locator(".booking-phone")).to_have_attribute("href", "tel:+14155550199")
    expect(row.locator(".booking-answers")).to_have_count(0)  # shown once, beside the place


def test_the_editor_says_a_phone_call_asks_clients_for_their_number(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    host_in(context, stack, "UTC")
    page = open_dashboard(context, stack, "/app/event-types")

    page.get_by_role("button", name="New event type").click()
    location, hint = page.locator("#et-location"), page.locator("#et-location-hint")
    location.select_option("phone")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("Clients are asked for their phone number when they book")
    location.select_option("in_person")
    expect(hint).to_be_hidden()
