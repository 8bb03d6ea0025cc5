"""The host's settings forms as a host gets them wrong (from a review of the settings).

- Availability: hours that overlap are refused next to their day, in words, before any
  request; and a schedule the API refuses leaves the timezone changed beside it as it was
  (the form saves both: the hours first, then the zone).
- Availability: a week the host emptied and saved (away for a while) is read back empty,
  not offered as a new host's suggested 09:00-17:00; an override for a date gone by is
  refused on its date, not saved to vanish at the next load.
- Leaving a form with changes not saved (another view, closing the tab) asks first;
  staying keeps the edit, and a saved form is left without a word.
- Event types: removing a booking question and adding another keeps every question's
  field its own label ("Question 1", "Question 2": no two fields share an id), and an
  error the API gives about a question lands on that question.
- What the API saved, the forms save again: a price in a currency whose decimals the
  browser counts otherwise (HUF), a 32-minute duration, hours from 09:07.
- A button that changes one thing (the timezone on Availability, Hide from profile,
  Turn on) keeps what another tab changed meanwhile; an inactive event type says so and
  is turned on from its card or the editor.
- Availability open in two tabs: the older form's save is refused, not made over the
  hours the other saved; it says so and shows them, and the host's change made again is
  saved.
- Event types: a saved event type's link name changed in the editor says, beside the
  field and before it is saved, that the old link stops working (its holders are led to
  the profile). Duplicate turns the editor into a new event type holding what it held
  (title "... (copy)", a free link name), saved apart from the first.
- A scheduling rule refused while its section (Scheduling rules) is closed opens it, on
  the field, with what to fix: not a Save that seems to do nothing.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
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


def test_a_title_with_no_latin_spelling_suggests_a_free_link_from_the_duration(
        stack: LocalStack, new_context: NewContext) -> None:
    _, page = host_at(stack, new_context, "/app/event-types")
    types = view(page, "event-types")
    link = types.get_by_label("Link name")
    hint = page.locator("#et-slug-hint")

    # GIVEN a host with a 30-min event type already
    types.get_by_role("button", name="New event type").click()
    types.get_by_label("Title").fill("相談")
    expect(link).to_have_value("30-min")
    expect(hint).to_contain_text("Made from the duration, as the title gives no link")
    types.get_by_role("button", name="Save event type").click()
    expect(types.get_by_role("button", name="Edit 相談")).to_be_visible()

    # WHEN they start another whose title, '初回相談', has no Latin spelling
    types.get_by_role("button", name="New event type").click()
    expect(hint).to_have_text("Lower-case letters, digits and dashes.")
    types.get_by_label("Title").fill("初回相談")

    # THEN its link comes from the duration, free among their own, and follows it
    expect(link).to_have_value("30-min-2")
    types.get_by_label("Duration (minutes)").fill("45")
    expect(link).to_have_value("45-min")
    types.get_by_role("button", name="Save event type").click()
    expect(types.get_by_role("button", name="Edit 初回相談")).to_be_visible()


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


def test_an_override_for_a_date_gone_by_is_refused_on_its_date_not_saved_and_lost(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/availability")
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("00:00")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.url.endswith("/me/schedule")
            else None)

    # WHEN the host adds a day off for a date gone by, and saves
    availability.get_by_role("button", name="Add a date").click()
    date = availability.get_by_label("Date", exact=True).last
    date.fill("2020-03-02")
    availability.get_by_role("button", name="Save availability").click()

    # THEN it is refused on that date, before any request: saved, it changed nothing and
    # was gone at the next load
    expect(date).to_be_focused()
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(availability.get_by_text("This date has passed")).to_be_visible()
    expect(page.get_by_text("Availability saved")).to_have_count(0)
    assert "PUT" not in sent

    # ... and a date to come is saved
    date.fill("2099-12-24")
    availability.get_by_role("button", name="Save availability").click()
    expect(page.get_by_text("Availability saved")).to_be_visible()
    schedule = context.request.get(f"{stack.api_url}/me/schedule").json()
    assert schedule["overrides"] == [{"date": "2099-12-24", "ranges": []}]


def test_moving_the_zone_back_a_day_keeps_the_override_for_today_there(
        stack: LocalStack, new_context: NewContext) -> None:
    # Kiritimati (UTC+14) is always a day ahead of Pago Pago (UTC-11): a day off for today
    # in Pago Pago is a date gone by for a host in Kiritimati, so it is not shown. Moving
    # there makes it today again; saving must keep it, not drop it with the past ones.
    ahead, behind = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    headers = csrf_headers(context, stack)
    profile = profile_of(context, stack)
    profile.pop("id", None)
    r = context.request.put(f"{stack.api_url}/me/profile", headers=headers,
                            data={**profile, "timezone": ahead})
    assert r.status == 200, r.text()
    now = datetime.now(UTC)
    today_behind = now.astimezone(ZoneInfo(behind)).date()
    day_off = {"date": today_behind.isoformat(), "ranges": []}
    long_gone = {"date": (today_behind - timedelta(days=3)).isoformat(), "ranges": []}
    r = context.request.put(f"{stack.api_url}/me/schedule", headers=headers, data={
        "weekly": {"monday": [{"start": "09:00", "end": "17:00"}]},
        "overrides": [long_gone, day_off]})
    assert r.status == 200, r.text()
    page = open_dashboard(context, stack, "/app/availability")
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("09:00")
    expect(availability.locator(".override")).to_have_count(0)  # both gone by, there

    availability.get_by_label("Timezone").select_option(behind)
    availability.get_by_role("button", name="Save availability").click()

    expect(page.get_by_text("Availability saved")).to_be_visible()
    schedule = context.request.get(f"{stack.api_url}/me/schedule").json()
    assert schedule["timezone"] == behind
    assert schedule["overrides"] == [day_off], schedule["overrides"]
    # and it is shown now, as a date to come
    expect(availability.locator(".override-date")).to_have_value(day_off["date"])


def test_an_overrides_add_hours_button_names_the_date_it_is_for(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/availability")
    availability = view(page, "availability")
    # The schedule has loaded (it redraws the overrides): a row added before would go
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("00:00")
    availability.get_by_role("button", name="Add a date").click()
    override = availability.locator(".override").last
    override.get_by_label("Date", exact=True).fill("2099-12-24")
    override.get_by_label("Unavailable all day").uncheck()

    # A screen reader hears the same date on every control of the row, "Add hours" too
    expect(override.locator(".add-range")).to_have_attribute(
        "aria-label", re.compile(r"^Add hours: .*December 24"))
    expect(override.locator(".range-start").first).to_have_attribute(
        "aria-label", re.compile(r"December 24.*, hours 1: from$"))
    override.get_by_label("Date", exact=True).fill("2099-12-31")
    expect(override.locator(".add-range")).to_have_attribute(
        "aria-label", re.compile(r"^Add hours: .*December 31"))


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


def change_event_type(context: BrowserContext, stack: LocalStack, slug: str,
                      **fields: Any) -> dict[str, Any]:
    """Change fields of the host's event type through the API, as another tab would."""
    headers = csrf_headers(context, stack)
    r = context.request.get(f"{stack.api_url}/me/event-types", headers=headers)
    et = next(et for et in r.json()["event_types"] if et["slug"] == slug)
    body = {k: v for k, v in et.items() if k != "id"}
    r = context.request.put(f"{stack.api_url}/me/event-types/{et['id']}", headers=headers,
                            data={**body, **fields})
    assert r.status == 200, r.text()
    return dict(r.json())


def event_type_of(context: BrowserContext, stack: LocalStack, slug: str) -> dict[str, Any]:
    r = context.request.get(f"{stack.api_url}/me/event-types",
                            headers=csrf_headers(context, stack))
    return dict(next(et for et in r.json()["event_types"] if et["slug"] == slug))


def test_a_forint_price_is_shown_and_saved_again_in_the_units_clients_pay(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN Intro priced through the API at Ft 20,000.00 (2,000,000 minor units: ISO
    # gives HUF two decimals, the browser's Intl none)
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug, paid=True)  # Stripe connected
    change_event_type(context, stack, "intro",
                      price={"amount_minor": 2_000_000, "currency": "HUF"})
    page = open_dashboard(context, stack, "/app/event-types")
    types = view(page, "event-types")

    # THEN its card and its editor say 20,000, as the booking page does
    expect(types.locator(".event-type", has_text="Intro call")).to_contain_text("20,000.00")
    types.get_by_role("button", name="Edit Intro call").click()
    expect(types.get_by_label("Price")).to_have_value("20000")

    # WHEN the host retitles it: the price is saved as it was
    types.get_by_label("Title").fill("Intro chat")
    types.get_by_role("button", name="Save event type").click()
    expect(types.locator(".event-type", has_text="Intro chat")).to_contain_text("20,000.00")
    assert event_type_of(context, stack, "intro")["price"] == {
        "amount_minor": 2_000_000, "currency": "HUF"}

    # WHEN they type an amount with fillér: it is taken, to the fillér
    types.get_by_role("button", name="Edit Intro chat").click()
    types.get_by_label("Price").fill("20000.50")
    types.get_by_role("button", name="Save event type").click()
    expect(types.locator(".event-type", has_text="Intro chat")).to_contain_text("20,000.50")
    assert event_type_of(context, stack, "intro")["price"]["amount_minor"] == 2_000_050


def test_a_duration_and_hours_off_the_five_minute_grid_are_saved_again_from_the_forms(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a 32-minute Intro and Monday from 09:07, saved through the API
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    change_event_type(context, stack, "intro", duration_minutes=32)
    r = context.request.put(f"{stack.api_url}/me/schedule", headers=csrf_headers(context, stack),
                            data={"weekly": {"monday": [{"start": "09:07", "end": "17:00"}]}})
    assert r.status == 200, r.text()

    # WHEN the host retitles Intro in the editor: it is saved, 32 minutes still
    page = open_dashboard(context, stack, "/app/event-types")
    types = view(page, "event-types")
    types.get_by_role("button", name="Edit Intro call").click()
    expect(types.get_by_label("Duration (minutes)")).to_have_value("32")
    types.get_by_label("Title").fill("Intro chat")
    types.get_by_role("button", name="Save event type").click()
    expect(types.locator(".event-type", has_text="Intro chat")).to_contain_text("32 min")
    assert event_type_of(context, stack, "intro")["title"] == "Intro chat"

    # WHEN they add Tuesday on Availability and save: saved, Monday from 09:07 still
    page.get_by_role("link", name="Availability").click()
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("09:07")
    availability.get_by_role("checkbox", name="Tuesday", exact=True).check()
    availability.get_by_role("button", name="Save availability").click()
    expect(page.get_by_text("Availability saved")).to_be_visible()
    r = context.request.get(f"{stack.api_url}/me/schedule")
    assert r.json()["weekly"]["monday"] == [{"start": "09:07", "end": "17:00"}], r.text()
    assert r.json()["weekly"]["tuesday"], r.text()


def test_a_timezone_saved_from_availability_keeps_a_slug_changed_in_another_tab(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/availability")
    availability = view(page, "availability")
    expect(availability.get_by_label("Monday, hours 1: from")).to_have_value("00:00")
    # WHEN another tab moves the host to a new address, then this one saves a new zone
    moved = {**profile_of(context, stack), "slug": f"moved-{secrets.token_hex(3)}"}
    del moved["id"]
    r = context.request.put(f"{stack.api_url}/me/profile", headers=csrf_headers(context, stack),
                            data=moved)
    assert r.status == 200, r.text()
    availability.get_by_label("Timezone").select_option("Europe/Berlin")
    availability.get_by_role("button", name="Save availability").click()

    # THEN the zone is saved and the new address kept
    expect(page.get_by_text("Availability saved")).to_be_visible()
    profile = profile_of(context, stack)
    assert (profile["timezone"], profile["slug"]) == ("Europe/Berlin", moved["slug"])


def test_hide_from_profile_keeps_a_duration_changed_in_another_tab(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/event-types")
    types = view(page, "event-types")
    hide = types.get_by_role("button", name="Hide from profile: Intro call", exact=True)
    expect(hide).to_be_visible()
    # WHEN another tab makes Intro an hour long, then this one hides it from its list
    change_event_type(context, stack, "intro", duration_minutes=60)
    hide.click()

    # THEN it is hidden, an hour long still
    expect(types.get_by_role("button", name="Show on profile: Intro call", exact=True)
           ).to_be_visible()
    intro = event_type_of(context, stack, "intro")
    assert (intro["hidden"], intro["duration_minutes"]) == (True, 60)


def test_an_inactive_event_type_says_so_and_is_turned_on_again_from_the_dashboard(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN Strategy turned off through the API: off the profile, its link a 404
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    change_event_type(context, stack, "strategy", active=False)
    page = open_dashboard(context, stack, "/app/event-types")
    types = view(page, "event-types")

    # THEN its card says it is inactive, offers no link to copy, and Turn on
    strategy = types.locator(".event-type", has_text="Strategy session")
    expect(strategy.get_by_text("Inactive", exact=True)).to_be_visible()
    expect(strategy.get_by_text("its link does not open")).to_be_visible()
    expect(strategy.get_by_role("button", name="Copy link to Strategy session")).to_be_hidden()
    expect(strategy.get_by_role("button", name="Hide from profile: Strategy session")
           ).to_have_count(0)
    intro = types.locator(".event-type", has_text="Intro call")
    expect(intro.get_by_text("Inactive", exact=True)).to_be_hidden()

    # WHEN the host turns it on from its card: it is listed and bookable again
    strategy.get_by_role("button", name="Turn on: Strategy session", exact=True).click()
    expect(strategy.get_by_role("button", name="Hide from profile: Strategy session",
                                exact=True)).to_be_visible()
    expect(strategy.get_by_text("Inactive", exact=True)).to_be_hidden()
    assert event_type_of(context, stack, "strategy")["active"] is True
    assert requests.get(f"{stack.api_url}/hosts/{slug}/strategy", timeout=30).status_code == 200

    # WHEN they untick Active in the editor and save: it is off again, and back on the same way
    types.get_by_role("button", name="Edit Strategy session").click()
    active = types.get_by_label("Active: takes bookings")
    expect(active).to_be_checked()
    active.uncheck()
    types.get_by_role("button", name="Save event type").click()
    expect(strategy.get_by_text("Inactive", exact=True)).to_be_visible()
    assert event_type_of(context, stack, "strategy")["active"] is False
    types.get_by_role("button", name="Edit Strategy session").click()
    expect(active).not_to_be_checked()
    active.check()
    types.get_by_role("button", name="Save event type").click()
    expect(strategy.get_by_text("Inactive", exact=True)).to_be_hidden()
    assert event_type_of(context, stack, "strategy")["active"] is True


def test_hours_saved_in_another_tab_are_not_overwritten_by_an_older_form(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN the host's Availability open in two tabs
    context, first = host_at(stack, new_context, "/app/availability")
    second = open_dashboard(context, stack, "/app/availability")
    first_tab, second_tab = view(first, "availability"), view(second, "availability")
    expect(first_tab.get_by_label("Monday, hours 1: from")).to_have_value("00:00")
    expect(second_tab.get_by_label("Monday, hours 1: from")).to_have_value("00:00")

    # WHEN the second tab gives Saturday hours and saves
    second_tab.get_by_role("checkbox", name="Saturday", exact=True).check()
    second_tab.get_by_role("button", name="Save availability").click()
    expect(second.get_by_text("Availability saved")).to_be_visible()
    # AND the first, still showing the week without them, gives Sunday hours and saves
    first_tab.get_by_role("checkbox", name="Sunday", exact=True).check()
    first_tab.get_by_role("button", name="Save availability").click()

    # THEN the first tab says its save was refused, and shows the week as saved
    expect(first_tab.locator(".form-error")).to_contain_text("changed elsewhere")
    expect(first_tab.get_by_label("Saturday, hours 1: from")).to_have_value("09:00")
    expect(first_tab.get_by_role("checkbox", name="Sunday", exact=True)).not_to_be_checked()
    r = context.request.get(f"{stack.api_url}/me/schedule")
    assert r.json()["weekly"]["saturday"], r.text()  # Saturday's hours kept
    assert not r.json()["weekly"]["sunday"], r.text()

    # WHEN the host makes their change again on the form as it is now, and saves
    first_tab.get_by_role("checkbox", name="Sunday", exact=True).check()
    first_tab.get_by_role("button", name="Save availability").click()

    # THEN both days are saved
    expect(first.get_by_text("Availability saved")).to_be_visible()
    r = context.request.get(f"{stack.api_url}/me/schedule")
    assert r.json()["weekly"]["saturday"] and r.json()["weekly"]["sunday"], r.text()


def test_a_scheduling_rule_refused_behind_its_closed_section_is_shown_there(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/event-types")
    types = view(page, "event-types")
    types.get_by_role("button", name="Edit Intro call").click()
    rules = types.locator("summary", has_text="Scheduling rules")
    # GIVEN a buffer longer than the API takes, typed, then its section closed again
    rules.click()
    types.get_by_label("Buffer before (minutes)").fill("800")
    rules.click()
    expect(types.get_by_label("Buffer before (minutes)")).to_be_hidden()

    # WHEN the host saves
    types.get_by_role("button", name="Save event type").click()

    # THEN the section opens on the field, focused, with what to fix beside it
    buffer = types.get_by_label("Buffer before (minutes)")
    expect(buffer).to_be_focused()
    expect(buffer).to_have_accessible_description(re.compile("720"))
    expect(types.locator("#et-buffer-before-error")).to_be_visible()
    assert event_type_of(context, stack, "intro")["buffer_before_minutes"] == 0


def test_changing_a_saved_link_name_says_the_old_link_stops_working_before_it_is_saved(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/event-types")
    slug = profile_of(context, stack)["slug"]
    types = view(page, "event-types")
    types.get_by_role("button", name="Edit Intro call").click()
    link_name = types.get_by_label("Link name")
    expect(link_name).to_have_value("intro")
    expect(link_name).to_have_accessible_description("Lower-case letters, digits and dashes.")

    # WHEN the host types another link name for the saved event type
    link_name.fill("intro-chat")

    # THEN, beside the field, the old link is named as one that stops working
    warning = re.compile(rf"/{slug}/intro will stop working.*your profile")
    expect(link_name).to_have_accessible_description(warning)
    # and the warning goes when the link name is the saved one again
    link_name.fill("intro")
    expect(link_name).to_have_accessible_description("Lower-case letters, digits and dashes.")

    # A new event type has no old link to warn of
    types.get_by_role("button", name="Cancel").click()
    types.get_by_role("button", name="New event type").click()
    types.get_by_label("Title").fill("Quick chat")
    expect(types.get_by_label("Link name")).to_have_value("quick-chat")
    expect(types.get_by_label("Link name")).to_have_accessible_description(
        "Lower-case letters, digits and dashes.")


def test_duplicate_opens_a_new_event_type_with_the_editors_values_and_saves_it_apart(
        stack: LocalStack, new_context: NewContext) -> None:
    context, page = host_at(stack, new_context, "/app/event-types")
    types = view(page, "event-types")
    types.get_by_role("button", name="Edit Intro call").click()
    # GIVEN the host opened Intro call and typed a longer duration into it
    types.get_by_label("Duration (minutes)").fill("45")

    # WHEN they duplicate it
    types.get_by_role("button", name="Duplicate").click()

    # THEN the editor is a new event type holding what the form held, under a free name
    expect(types.get_by_role("heading", name="New event type")).to_be_focused()
    expect(types.get_by_label("Title")).to_have_value("Intro call (copy)")
    expect(types.get_by_label("Link name")).to_have_value("intro-copy")
    expect(types.get_by_label("Duration (minutes)")).to_have_value("45")
    expect(types.get_by_role("button", name="Delete")).to_be_hidden()
    # and no warning of an old link: the copy has none
    expect(types.get_by_label("Link name")).to_have_accessible_description(
        "Lower-case letters, digits and dashes.")

    # WHEN it is saved, THEN it is a second event type and the first is as it was
    types.get_by_role("button", name="Save event type").click()
    expect(types.locator('[data-slug="intro-copy"]')).to_be_visible()
    copy = event_type_of(context, stack, "intro-copy")
    assert (copy["title"], copy["duration_minutes"], copy["location"]["kind"]) == (
        "Intro call (copy)", 45, "zoom")
    assert event_type_of(context, stack, "intro")["duration_minutes"] == 30
