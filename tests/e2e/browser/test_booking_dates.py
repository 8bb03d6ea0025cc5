"""A booking window between two dates: the host chooses it in the event type editor, and
the booking page offers only the months the dates reach, opening on the first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Locator, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import view
from tests.e2e.browser.test_event_type_order import event_types_page
from tests.e2e.browser.visitor import INTRO, coach
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def a_course() -> tuple[date, date]:
    """From the 10th of the month after next-but-one to 45 days later (two months)."""
    today = datetime.now(UTC).date()
    start = (today.replace(day=1) + timedelta(days=95)).replace(day=10)
    return start, start + timedelta(days=45)


def open_the_rules(types: Locator) -> None:
    """Open the editor's Scheduling rules (it stays as the host left it)."""
    if not types.get_by_label("Booking window").is_visible():
        types.get_by_text("Scheduling rules").click()
    expect(types.get_by_label("Booking window")).to_be_visible()


def test_the_booking_page_offers_only_the_months_of_the_booking_dates(
        stack: LocalStack, new_context: NewContext) -> None:
    start, end = a_course()
    host = coach(stack, {**INTRO, "booking_window_dates": {"start": f"{start}",
                                                           "end": f"{end}"}})
    page = new_context("America/New_York").new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/slots?" in r.url else None)

    page.goto(f"{stack.api_url}/{host}/intro")

    # It opens on the dates' first month, with no earlier one to go back to
    expect(page.locator("#month-label")).to_have_text(f"{start:%B %Y}")
    expect(page.locator("#prev-month")).to_be_disabled()
    first_free = page.locator("button.day.free").first
    expect(first_free).to_be_visible()
    assert str(first_free.get_attribute("data-day")) >= f"{start}"
    expect(page.locator(f'button.day[data-day="{start - timedelta(days=1)}"]')).not_to_have_class(
        "free")
    # and goes on to the last date's month, not beyond, saying why
    page.locator("#next-month").click()
    expect(page.locator("#month-label")).to_have_text(f"{end:%B %Y}")
    expect(page.locator("#next-month")).to_be_disabled()
    # (the month's times come after its label: waited for, on a busy machine)
    expect(page.locator(f'button.day.free[data-day^="{end:%Y-%m}"]').first).to_be_visible()
    free = [str(d) for d in page.locator("button.day.free").evaluate_all(
        "days => days.map(d => d.dataset.day)")]
    assert free and max(free) <= f"{end}"
    this_month = f"start={datetime.now(UTC).date():%Y-%m}"
    assert not [url for url in asked if this_month in url], asked


def test_the_host_sets_booking_dates_in_the_editor_and_goes_back_to_days_ahead(
        stack: LocalStack, new_context: NewContext) -> None:
    context, slug, types = event_types_page(stack, new_context)
    types.get_by_role("button", name="Edit Intro call").click()
    open_the_rules(types)
    window = types.get_by_label("Booking window")
    expect(window).to_have_value("none")
    expect(types.get_by_label("First bookable date")).to_be_hidden()

    # WHEN the host chooses Between two dates, and types an end before the start
    window.select_option(label="Between two dates")
    types.get_by_label("First bookable date").fill("2027-02-28")
    types.get_by_label("Last bookable date").fill("2027-01-10")
    types.get_by_role("button", name="Save event type").click()

    # THEN the API's refusal is said beside the last date, which has the focus
    last = types.get_by_label("Last bookable date")
    expect(last).to_have_attribute("aria-invalid", "true")
    expect(last).to_be_focused()
    expect(types.locator("#et-window-end-error")).to_contain_text("before")

    # WHEN they put the dates right and save
    types.get_by_label("First bookable date").fill("2027-01-10")
    last.fill("2027-02-28")
    types.get_by_role("button", name="Save event type").click()
    expect(types.get_by_role("button", name="Edit Intro call")).to_be_focused()  # listed again
    r = context.request.get(f"{stack.api_url}/me/event-types")
    saved = next(et for et in r.json()["event_types"] if et["slug"] == "intro")
    assert (saved["booking_window_dates"], saved["booking_window_days"]) == (
        {"start": "2027-01-10", "end": "2027-02-28"}, None)

    # AND the editor opens on them again; days ahead replaces them
    types.get_by_role("button", name="Edit Intro call").click()
    open_the_rules(types)
    expect(types.get_by_label("Booking window")).to_have_value("dates")
    expect(types.get_by_label("First bookable date")).to_have_value("2027-01-10")
    types.get_by_label("Booking window").select_option(label="A number of days ahead")
    expect(types.get_by_label("Last bookable date")).to_be_hidden()
    types.get_by_label("Bookable up to (days ahead)").fill("30")
    types.get_by_role("button", name="Save event type").click()
    expect(types.get_by_role("button", name="Edit Intro call")).to_be_focused()
    r = context.request.get(f"{stack.api_url}/me/event-types")
    saved = next(et for et in r.json()["event_types"] if et["slug"] == "intro")
    assert (saved["booking_window_dates"], saved["booking_window_days"]) == (None, 30)
    assert view(types.page, "event-types").is_visible() and slug
