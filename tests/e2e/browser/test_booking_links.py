"""The attendee's secret links, opened in the browser: manage, cancel and reschedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import PHONE, NewContext
from tests.e2e.browser.visitor import (
    choose_slot,
    coach,
    confirm,
    fill_details,
    full_day,
    open_booking,
    slot_starts,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def booked(stack: LocalStack, new_context: NewContext, zone: str = "Europe/Berlin",
           viewport: dict[str, int] | None = None) -> tuple[Page, str, str]:
    """Book the first free intro slot through the page; returns the page, host and start."""
    host = coach(stack)
    page = open_booking(new_context(zone, viewport), stack, f"{host}/intro")
    start = choose_slot(page)
    fill_details(page, topic="Roadmap")
    confirm(page)
    return page, host, start


def free_starts(page: Page, stack: LocalStack, host: str) -> list[str]:
    """The intro slots a new visitor is offered, seen from a fresh tab."""
    visitor = open_booking(page.context, stack, f"{host}/intro")
    starts = slot_starts(visitor)
    visitor.close()
    return starts


def test_attendee_cancels_from_the_cancel_link_and_the_time_is_free_again(
        stack: LocalStack, new_context: NewContext,
        screenshot: Callable[[Page, str], Path]) -> None:
    page, host, start = booked(stack, new_context, viewport=PHONE)
    assert start not in free_starts(page, stack, host)
    page.goto(str(page.locator("#cancel-link").get_attribute("href")))
    expect(page.locator("#booking-status")).to_have_text("Confirmed")
    expect(page.locator("#cancel-title")).to_be_focused()
    expect(page.locator("#when-yours")).to_contain_text("(Europe/Berlin)")
    screenshot(page, "booking-manage-phone")

    page.get_by_label("Reason").fill("Something came up")
    page.get_by_role("button", name="Cancel booking").click()

    expect(page.locator("#booking-status")).to_have_text("Cancelled")
    expect(page.locator(".notice")).to_contain_text("Something came up")
    expect(page.locator("#cancel-section")).to_be_hidden()
    expect(page.locator("#reschedule-link")).to_have_count(0)
    assert start in free_starts(page, stack, host)


def test_attendee_moves_the_booking_from_the_reschedule_link(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    page = open_booking(new_context("Europe/Berlin"), stack, f"{host}/intro")
    # A day with other times beside the one booked, whatever the hour the test runs at:
    # the reschedule page opens on the first day with a time to move to, and a day whose
    # only time is the booking's own has none. Its second time: the first may pass (the
    # event has no notice) before the move.
    full_day(page)
    start = choose_slot(page, slot_starts(page)[1])
    fill_details(page, topic="Roadmap")
    confirm(page)
    manage = str(page.locator("#manage-link").get_attribute("href"))
    assert start not in free_starts(page, stack, host)
    with page.expect_response(lambda r: "/slots?" in r.url) as asked:
        page.goto(str(page.locator("#reschedule-link").get_attribute("href")))
    page.locator("button.slot").first.wait_for()
    expect(page.locator(".current")).to_contain_text("Currently booked")
    day = datetime.fromisoformat(start).astimezone(ZoneInfo("Europe/Berlin")).date()
    page.locator(f'button.day[data-day="{day}"]').click()
    # The times this booking may move to: its own time among them (others see it taken).
    assert "/bookings/" in asked.value.url and "token=" in asked.value.url
    assert datetime.fromisoformat(start) in [datetime.fromisoformat(s) for s in slot_starts(page)]

    new_start = choose_slot(page, slot_starts(page)[-1])
    page.get_by_role("button", name="Move to this time").click()

    expect(page.locator("#confirm-title")).to_have_text("Your booking was moved")
    # The reschedule link cannot cancel (it may have been forwarded): the page says where
    # the way to cancel is, and never that its own links are the only way.
    expect(page.locator("#confirm-lead")).to_have_text(
        "Add it to your calendar, and keep the links below to view or move this booking. "
        "To cancel it, use the link you were given when you booked.")
    expect(page.locator("#cancel-link")).to_be_hidden()
    page.goto(str(page.locator("#manage-link").get_attribute("href")))
    expect(page.locator("#cancel-elsewhere")).to_have_text(
        "This link cannot cancel the booking. To cancel it, use the link you were given "
        "when you booked.")
    page.goto(manage)
    expect(page.locator("#booking-status")).to_have_text("Confirmed")
    local = datetime.fromisoformat(new_start).astimezone(ZoneInfo("Europe/Berlin"))
    # In the visitor's locale (en-US) and clock, as the booking page said it.
    expect(page.locator("#when-yours")).to_contain_text(f"{local:%-I:%M %p} \N{EN DASH}")


def test_a_wrong_token_is_a_friendly_not_found_page(
        stack: LocalStack, new_context: NewContext) -> None:
    page = new_context().new_page()

    response = page.goto(f"{stack.api_url}/booking/0123456789abcdef?token=forged")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


def test_a_cancel_that_fails_takes_the_keyboard_to_its_message(
        stack: LocalStack, new_context: NewContext) -> None:
    page, _, _ = booked(stack, new_context, zone="Pacific/Auckland", viewport=PHONE)
    page.goto(str(page.locator("#cancel-link").get_attribute("href")))
    expect(page.locator("#cancel-title")).to_be_focused()
    page.route("**/cancel", lambda route: route.abort("connectionreset"))
    page.keyboard.press("Tab")
    page.keyboard.type("Something came up")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    alert = page.locator("#form-alert")
    expect(alert).to_contain_text("could not be reached")
    expect(alert).to_be_focused()
    expect(page.locator("#booking-status")).to_have_text("Confirmed")


def test_a_reload_after_booking_says_what_was_booked_with_a_link_to_it(
        stack: LocalStack, new_context: NewContext) -> None:
    # Penny sends no e-mail: the confirmation's links are the client's only way back to
    # the booking. A reload (a phone's pull-to-refresh) must not lose them, nor may the
    # address they copy to share the host's page carry a link that cancels the booking.
    page, _, start = booked(stack, new_context, zone="Asia/Kolkata", viewport=PHONE)
    manage = str(page.locator("#manage-link").get_attribute("href"))
    booking_page = page.url
    assert "token=" not in booking_page

    page.reload()

    assert page.url == booking_page
    reminder = page.locator("#just-booked")
    local = datetime.fromisoformat(start).astimezone(ZoneInfo("Asia/Kolkata"))
    expect(reminder).to_contain_text(f"You booked {local:%A}")
    expect(reminder).to_contain_text(f"{local:%-I:%M %p}")
    link = reminder.get_by_role("link", name="See your booking")
    assert link.evaluate("a => a.href") == urljoin(booking_page, manage)
    link.click()
    expect(page.locator("#booking-status")).to_have_text("Confirmed")
    expect(page.locator("#when-yours")).to_contain_text(f"{local:%-I:%M %p} \N{EN DASH}")

    # and another tab (another visitor on a shared machine, a link sent on) is told nothing
    other = page.context.new_page()
    other.goto(booking_page)
    expect(other.locator("#days")).to_be_visible()
    expect(other.locator("#just-booked")).to_be_hidden()
