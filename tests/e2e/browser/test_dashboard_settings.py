"""The host's settings forms as a host gets them wrong (from a review of the settings).

- Availability: hours that overlap are refused next to their day, in words, before any
  request; and a schedule the API refuses leaves the timezone changed beside it as it was
  (the form saves both: the hours first, then the zone).
- Availability: a week the host emptied and saved (away for a while) is read back empty,
  not offered as a new host's suggested 09:00-17:00.
- Leaving a form with changes not saved (another view, closing the tab) asks first;
  staying keeps the edit, and a saved form is left without a word.
- Event types: removing a booking question and adding another keeps every question's
  field its own label ("Question 1", "Question 2": no two fields share an id), and an
  error the API gives about a question lands on that question.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, Route, expect

from sandbox.razorpay import SANDBOX_MERCHANT
from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import (
    csrf_headers,
    open_dashboard,
    profile_of,
    set_up_host,
    sign_up_in_browser,
    view,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def host_at(stack: LocalStack, new_context: NewContext, path: str
            ) -> tuple[BrowserContext, Page]:
    """A host signed up in a new browser, with hours and an event type (set_up_host), on
    the dashboard at `path`."""
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    return context, open_dashboard(context, stack, path)


def test_overlapping_hours_are_refused_by_their_day_and_the_zone_is_not_changed(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/availability")
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
    assert profile_of(context, stack)["timezone"] == "UTC"


def test_a_schedule_the_api_refuses_leaves_the_timezone_as_it_was(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/availability")
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
    assert profile_of(context, stack)["timezone"] == "UTC"


def test_a_removed_question_leaves_the_others_numbered_and_labelled_apart(
        stack: LocalStack, new_context: NewContext) -> None:
    _, page = host_at(stack, new_context, "/app/event-types")
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
    _, page = host_at(stack, new_context, "/app/event-types")
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


def test_the_least_stripe_takes_is_said_by_the_price_and_a_smaller_one_is_never_sent(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug, paid=True)  # Stripe connected
    page = open_dashboard(context, stack, "/app/event-types")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if "/me/event-types/" in r.url else None)
    types = view(page, "event-types")
    types.get_by_role("button", name="Edit Intro call").click()
    hint = types.locator("#et-price-hint")
    expect(hint).to_have_text(
        "Clients pay when they book, through your Stripe account, which takes at least $0.50.")

    types.get_by_label("Currency").select_option("EUR")
    expect(hint).to_contain_text("your Stripe account, which takes at least €0.50.")
    price = types.get_by_label("Price")
    price.fill("0,10")
    types.get_by_role("button", name="Save event type").click()

    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_be_focused()
    expect(types.get_by_text("Stripe takes payments of at least €0.50: raise the price")
           ).to_be_visible()
    assert "PUT" not in sent
    r = context.request.get(f"{stack.api_url}/me/event-types",
                            headers=csrf_headers(context, stack))
    intro = next(et for et in r.json()["event_types"] if et["slug"] == "intro")
    assert intro["price"] is None

    # The least itself is taken
    price.fill("0.50")
    types.get_by_role("button", name="Save event type").click()
    expect(types.locator(".event-type", has_text="Intro call")).to_contain_text("€0.50")


def test_a_price_kept_as_it_was_is_not_checked_again_when_another_vendor_takes_it_now(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug, paid=True)  # Stripe connected
    headers = csrf_headers(context, stack)
    # Intro priced at ₹0.60 while only Stripe takes rupees (its least: ₹0.50)...
    r = context.request.get(f"{stack.api_url}/me/event-types", headers=headers)
    intro = next(et for et in r.json()["event_types"] if et["slug"] == "intro")
    body = {k: v for k, v in intro.items() if k != "id"}
    r = context.request.put(f"{stack.api_url}/me/event-types/{intro['id']}", headers=headers,
                            data={**body, "price": {"amount_minor": 60, "currency": "INR"}})
    assert r.status == 200, r.text()
    # ...then Razorpay, whose least is ₹1.00, is connected: rupees go to it now
    r = context.request.put(f"{stack.api_url}/me/connections/razorpay", headers=headers, data={
        "key_id": SANDBOX_MERCHANT.key_id, "key_secret": SANDBOX_MERCHANT.key_secret,
        "webhook_secret": SANDBOX_MERCHANT.webhook_secret})
    assert r.status == 200, r.text()

    page = open_dashboard(context, stack, "/app/event-types")
    types = view(page, "event-types")
    types.get_by_role("button", name="Edit Intro call").click()
    expect(types.locator("#et-price-hint")).to_contain_text(
        "your Razorpay account, which takes at least ₹1.00.")
    types.get_by_label("Title").fill("Intro chat")
    types.get_by_role("button", name="Save event type").click()

    # The price as it was is not checked again (nor by the API): the retitle is saved
    expect(types.locator(".event-type", has_text="Intro chat")).to_contain_text("₹0.60")


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


def test_a_week_emptied_on_purpose_stays_empty_with_no_suggestion(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a new host, offered weekdays 09:00-17:00
    context = new_context()
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/availability")
    availability = view(page, "availability")
    expect(page.locator("#av-suggested")).to_be_visible()
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("09:00")

    # WHEN they untick every day (away for a while) and save
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        availability.get_by_role("checkbox", name=day, exact=True).uncheck()
    availability.get_by_role("button", name="Save availability").click()
    expect(page.get_by_text("Availability saved")).to_be_visible()
    page.reload()

    # THEN the week is read back empty, with no suggestion (the zone is filled in by the
    # same step that fills the days)
    expect(availability.get_by_label("Timezone")).to_have_value("UTC")
    expect(availability.locator("#av-weekly input:checked")).to_have_count(0)
    expect(availability.locator(".range")).to_have_count(0)
    expect(page.locator("#av-suggested")).to_be_hidden()
    r = context.request.get(f"{stack.api_url}/me/schedule")
    assert r.json()["saved"] is True, r.text()


def test_leaving_a_changed_form_for_another_view_asks_first_and_staying_keeps_the_edit(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/profile")
    profile = view(page, "profile")
    about = profile.get_by_label("About you")
    expect(profile.get_by_label("Display name")).to_have_value("Dana Dash")
    asked: list[str] = []
    answers = [False, True]  # stay, then leave

    def answer(dialog: Dialog) -> None:
        asked.append(f"{dialog.type}: {dialog.message}")
        if answers.pop(0):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    question = "confirm: You have unsaved changes. Leave without saving?"

    # WHEN the host edits the profile and picks another view, then says to stay
    about.fill("Tea and riddles.")
    page.get_by_role("link", name="Availability").click()

    # THEN they stay on the profile, their edit as they left it
    expect(page).to_have_url(f"{stack.api_url}/app/profile")
    expect(profile).to_be_visible()
    expect(about).to_have_value("Tea and riddles.")
    assert asked == [question]

    # WHEN they pick it again and say to leave: they leave, unsaved
    page.get_by_role("link", name="Availability").click()
    expect(page).to_have_url(f"{stack.api_url}/app/availability")
    expect(view(page, "availability")).to_be_visible()
    assert asked == [question, question]
    assert profile_of(context, stack)["description"] == ""

    # WHEN they edit the profile again and save it, then leave: nothing is asked
    page.get_by_role("link", name="Profile").click()
    expect(about).to_have_value("")
    about.fill("Tea and riddles.")
    profile.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved")).to_be_visible()
    page.get_by_role("link", name="Availability").click()
    expect(page).to_have_url(f"{stack.api_url}/app/availability")
    assert asked == [question, question]


def test_closing_the_tab_with_a_changed_form_asks_the_browser_first(
        stack: LocalStack, new_context: NewContext) -> None:
    _, page = host_at(stack, new_context, "/app/availability")
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("00:00")

    # WHEN the host changes an hour and closes the tab: the browser asks; they stay
    availability.get_by_label("Monday, hours 1: from").fill("08:00")
    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("08:00")
    assert not page.is_closed()

    # WHEN they save and close it: it closes without a word
    availability.get_by_role("button", name="Save availability").click()
    expect(page.get_by_text("Availability saved")).to_be_visible()
    with page.expect_event("close"):
        page.close(run_before_unload=True)
