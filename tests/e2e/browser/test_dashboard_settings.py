"""The host's settings forms as a host gets them wrong (from a review of the settings).

- Availability: hours that overlap are refused next to their day, in words, before any
  request; and a schedule the API refuses leaves the timezone changed beside it as it was
  (the form saves both: the hours first, then the zone).
- Event types: removing a booking question and adding another keeps every question's
  field its own label ("Question 1", "Question 2": no two fields share an id), and an
  error the API gives about a question lands on that question.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import (
    csrf_headers,
    open_dashboard,
    set_up_host,
    sign_up_in_browser,
    view,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def profile_zone(context: BrowserContext, stack: LocalStack) -> str:
    r = context.request.get(f"{stack.api_url}/me/profile", headers=csrf_headers(context, stack))
    assert r.status == 200, r.text()
    return str(r.json()["timezone"])


def test_overlapping_hours_are_refused_by_their_day_and_the_zone_is_not_changed(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/availability")
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("00:00")

    availability.get_by_label("Timezone").select_option("Europe/Berlin")
    availability.get_by_label("Monday, hours 1: from").fill("09:00")
    availability.get_by_label("Monday, hours 1: until").fill("12:00")
    availability.get_by_role("button", name="Add hours: Monday").click()
    availability.get_by_label("Monday, hours 2: from").fill("11:00")
    availability.get_by_label("Monday, hours 2: until").fill("13:00")
    availability.get_by_role("button", name="Save availability").click()

    second = availability.get_by_label("Monday, hours 2: from")
    expect(second).to_have_attribute("aria-invalid", "true")
    expect(second).to_be_focused()
    expect(availability.get_by_text("overlaps 09:00\u201312:00")).to_be_visible()
    assert profile_zone(context, stack) == "UTC"


def test_a_schedule_the_api_refuses_leaves_the_timezone_as_it_was(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/availability")
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("00:00")

    def refuse(route: Route) -> None:
        if route.request.method != "PUT":
            route.continue_()
            return
        route.fulfill(status=400, content_type="application/json", body=(
            '{"error": {"code": "validation_error", "field": "overrides", '
            '"message": "overrides: each date may have one override"}}'))

    page.route("**/me/schedule", refuse)
    availability.get_by_label("Timezone").select_option("Europe/Berlin")
    availability.get_by_role("button", name="Save availability").click()

    expect(availability.get_by_text("each date may have one override")).to_be_visible()
    assert profile_zone(context, stack) == "UTC"


def test_a_removed_question_leaves_the_others_numbered_and_labelled_apart(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/event-types")
    types = view(page, "event-types")
    types.get_by_role("button", name="Edit Intro call").click()

    add = types.get_by_role("button", name="Add a question")
    add.click()
    types.get_by_label("Question 1", exact=True).fill("Company")
    add.click()
    types.get_by_label("Question 2", exact=True).fill("Team size")
    types.get_by_role("button", name="Remove question 1").click()
    add.click()
    # a bidi override: the API refuses it (questions.1.label)
    types.get_by_label("Question 2", exact=True).fill("Goal\u202e")

    ids = page.eval_on_selector_all("#et-questions [id]", "els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), ids
    expect(types.get_by_label("Question 1", exact=True)).to_have_value("Team size")
    expect(types.get_by_label("Question 2", exact=True)).to_have_value("Goal\u202e")
    expect(types.get_by_role("button", name="Remove question 3")).to_have_count(0)

    types.get_by_role("button", name="Save event type").click()
    goal = types.get_by_label("Question 2", exact=True)
    expect(goal).to_have_attribute("aria-invalid", "true")
    expect(goal).to_be_focused()
    expect(types.get_by_label("Question 1", exact=True)).not_to_have_attribute(
        "aria-invalid", "true")


@pytest.mark.parametrize(("currency", "amount", "says"), [
    ("JPY", "100.5", "JPY has no smaller unit: enter a whole amount, like 2500."),
    ("EUR", "10.005", "EUR has at most 2 decimals: enter an amount like 25 or 25.50."),
])
def test_a_price_with_more_decimals_than_its_currency_is_refused_not_rounded(
        stack: LocalStack, new_context: NewContext, currency: str, amount: str,
        says: str) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/event-types")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if "/me/event-types/" in r.url else None)
    types = view(page, "event-types")
    types.get_by_role("button", name="Edit Intro call").click()

    types.get_by_label("Currency").select_option(currency)
    price = types.get_by_label("Price")
    price.fill(amount)
    types.get_by_role("button", name="Save event type").click()

    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_be_focused()
    expect(types.get_by_text(says)).to_be_visible()
    assert "PUT" not in sent


def test_a_year_of_past_overrides_does_not_block_the_next_save(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    past = [{"date": f"2025-{m:02d}-{d:02d}", "ranges": []}
            for m in range(1, 13) for d in range(1, 29)][:300]
    past += [{"date": f"2024-{m:02d}-{d:02d}", "ranges": []}
             for m in range(1, 13) for d in range(1, 29)][:66]
    r = context.request.put(f"{stack.api_url}/me/schedule", headers=csrf_headers(context, stack),
                            data={"weekly": {"monday": [{"start": "09:00", "end": "17:00"}]},
                                  "overrides": past})
    assert r.status == 200, r.text()
    page = open_dashboard(context, stack, "/app/availability")
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("09:00")

    availability.get_by_role("button", name="Add a date").click()
    availability.get_by_label("Date", exact=True).last.fill("2099-12-24")
    availability.get_by_role("button", name="Save availability").click()

    expect(page.get_by_text("Availability saved")).to_be_visible()
    expect(availability.locator(".override")).to_have_count(1)  # dates gone by: not shown
    r = context.request.get(f"{stack.api_url}/me/schedule", headers=csrf_headers(context, stack))
    assert r.json()["overrides"] == [{"date": "2099-12-24", "ranges": []}]
