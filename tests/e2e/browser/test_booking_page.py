"""A visitor on /{host}/{event} in headless Chromium, against the local stack."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e.browser.conftest import DESKTOP, PHONE, NewContext
from tests.e2e.browser.visitor import (
    CONSULT,
    PAID_CONSULT,
    choose_slot,
    coach,
    confirm,
    fill_details,
    full_day,
    is_slots_request,
    open_booking,
    slot_starts,
)
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_visitor_books_a_free_slot_and_sees_the_confirmation(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot, width: str) -> None:
    host = coach(stack, CONSULT)
    viewport = DESKTOP if width == "desktop" else PHONE
    page = open_booking(new_context("Europe/London", viewport), stack, f"{host}/consult")
    expect(page.locator(".facts")).to_contain_text("Free")
    screenshot(page, f"booking-page-{width}")

    choose_slot(page)
    fill_details(page, plan="Growth", goal="Pricing for the spring launch")
    confirm(page)

    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("You are booked")
    expect(page.locator("#confirm-yours")).to_contain_text("(Europe/London)")
    expect(page.locator("#confirm-host")).to_contain_text("(America/New York)")
    expect(page.locator("#confirm-where")).to_contain_text("Zoom")
    ics = page.locator("#ics-link").get_attribute("href") or ""
    assert "/invite.ics?token=" in ics
    invite = requests.get(ics, timeout=30)
    assert invite.status_code == 200 and "BEGIN:VCALENDAR" in invite.text
    for link in ("#manage-link", "#reschedule-link", "#cancel-link"):
        assert "/booking/" in (page.locator(link).get_attribute("href") or "")
    screenshot(page, f"booking-confirmation-{width}")


def test_a_visitor_books_from_the_times_sent_with_the_page_with_no_slots_request(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("00:00", "24:00"))
    context = new_context("Asia/Kolkata")   # 5:30 ahead: the page's UTC starts, shown there
    seen: list[str] = []
    context.on("request", lambda r: seen.append(r.url) if is_slots_request(r) else None)
    page = open_booking(context, stack, f"{host}/intro")

    start = choose_slot(page)
    fill_details(page)
    confirm(page)

    expect(page.locator("#confirmation")).to_contain_text("You are booked")
    local = datetime.fromisoformat(start).astimezone(ZoneInfo("Asia/Kolkata"))
    expect(page.locator("#confirm-yours")).to_contain_text(local.strftime("%-I:%M"))
    assert start.endswith("Z") and seen == []


def test_a_booked_slot_disappears_for_the_next_visitor(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    first = open_booking(new_context(), stack, f"{host}/intro")
    taken = choose_slot(first)
    fill_details(first)
    confirm(first)

    second = open_booking(new_context(), stack, f"{host}/intro")

    assert taken not in slot_starts(second)
    assert slot_starts(second)  # the rest of the day is still free


def test_a_slot_taken_meanwhile_is_reported_and_the_times_refresh(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    page = open_booking(new_context(), stack, f"{host}/intro")
    start = choose_slot(page)
    fill_details(page)
    r = requests.post(f"{stack.api_url}/hosts/{host}/intro/bookings", timeout=30, json={
        "start": start, "attendee": {"name": "Quick", "email": "q@example.com",
                                     "timezone": "UTC"}})
    assert r.status_code == 201, r.text

    with page.expect_response(lambda resp: "/slots?" in resp.url):
        page.get_by_role("button", name="Confirm booking").click()

    expect(page.locator("#page-alert")).to_contain_text("that time was just taken")
    expect(page.locator("#scheduler")).to_be_visible()
    page.locator("button.slot").first.wait_for()
    # The page's own slots said "Z"; the API's answer says "+00:00": compare instants.
    offered = {datetime.fromisoformat(s) for s in slot_starts(page)}
    assert datetime.fromisoformat(start) not in offered and offered
    # Focus is on the message, not dropped to the page (a keyboard user goes on from it)
    assert page.evaluate("document.activeElement.id") == "page-alert"


def test_a_time_the_rules_refuse_is_explained_and_the_times_refresh(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    page = open_booking(new_context(), stack, f"{host}/intro")
    full_day(page)  # a time with another after it: ten minutes on is still in the hours
    start = choose_slot(page)
    fill_details(page)

    def off_the_grid(route: Route) -> None:
        # As a stale page or a hand-made request could send: ten minutes off the grid.
        body = json.loads(route.request.post_data or "{}")
        body["start"] = (datetime.fromisoformat(start) + timedelta(minutes=10)).isoformat()
        route.continue_(post_data=json.dumps(body))

    page.route("**/bookings", off_the_grid)
    with page.expect_response(lambda resp: "/slots?" in resp.url):
        page.get_by_role("button", name="Confirm booking").click()

    alert = page.locator("#page-alert")
    expect(alert).to_contain_text("that time can't be booked")
    expect(alert).to_contain_text("not one of the offered start times")
    expect(page.locator("#scheduler")).to_be_visible()


def test_a_server_side_error_is_shown_next_to_its_field(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    page = open_booking(new_context(), stack, f"{host}/intro")
    choose_slot(page)
    fill_details(page)
    # Past the browser's own limit, as a hand-made request could be: the API decides.
    topic = page.locator('[name="answers.topic"]')
    topic.evaluate("el => { el.removeAttribute('maxlength'); el.value = 'x'.repeat(600); }")

    page.get_by_role("button", name="Confirm booking").click()

    expect(page.locator("#e-answers-topic")).to_contain_text("at most 500 characters")
    expect(topic).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#confirmation")).to_be_hidden()


def test_a_zone_penny_does_not_know_books_the_same_time_with_utc_as_the_visitors_zone(
        stack: LocalStack, new_context: NewContext) -> None:
    # The page's first two months of times need no request, so a browser zone newer than
    # Penny's tzdata is first refused at booking. Penny is made to refuse it here, once.
    host = coach(stack)
    context = new_context("Asia/Kolkata")
    sent: list[dict] = []

    def refuse_the_zone_once(route: Route, request: Request) -> None:
        sent.append(json.loads(request.post_data or "{}"))
        if len(sent) > 1:
            route.continue_()
            return
        route.fulfill(status=400, content_type="application/json", body=json.dumps({
            "error": {"code": "invalid_timezone", "field": "attendee.timezone",
                      "message": "'Asia/Kolkata' is not an IANA timezone such as Europe/Paris"}}))

    context.route(re.compile(r".*/hosts/[^/]+/intro/bookings$"), refuse_the_zone_once)
    page = open_booking(context, stack, f"{host}/intro")
    start = choose_slot(page)
    fill_details(page)

    confirm(page)

    expect(page.locator("#confirmation")).to_contain_text("You are booked")
    expect(page.locator("#confirm-yours")).to_contain_text("(UTC)")
    assert [b["attendee"]["timezone"] for b in sent] == ["Asia/Kolkata", "UTC"]
    assert [b["start"] for b in sent] == [start, start]
    assert page.locator("#timezone").input_value() == "UTC"


def selected_day(page: Page) -> date:
    return date.fromisoformat(str(page.locator('td[aria-selected="true"] button')
                                  .get_attribute("data-day")))


def test_visitor_in_kolkata_sees_the_hosts_9am_new_york_slot_at_their_local_time(
        stack: LocalStack, new_context: NewContext) -> None:
    event = {"slug": "hour", "title": "One hour", "duration_minutes": 60,
             "booking_window_days": 200}
    host = coach(stack, event, timezone="America/New_York", hours=("09:00", "10:00"))
    page = open_booking(new_context("Asia/Kolkata"), stack, f"{host}/hour")
    assert page.locator("#timezone").input_value() == "Asia/Kolkata"
    page.get_by_role("button", name="24h").click()
    new_york, kolkata = ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")
    offsets = set()

    for _ in range(8):  # until both of New York's offsets (EST, EDT) have been seen
        day = selected_day(page)
        nine = datetime.combine(day, time(9), new_york)  # same date in Kolkata, evening
        local = nine.astimezone(kolkata)  # 19:30 under EST, 18:30 under EDT
        assert datetime.fromisoformat(slot_starts(page)[0]) == nine
        expect(page.locator("button.slot").first).to_have_text(local.strftime("%H:%M"))
        offsets.add(nine.utcoffset())
        if len(offsets) == 2:
            break
        shown = page.locator("#month-label").inner_text()
        page.get_by_role("button", name="Next month").click()  # from the page, or asked
        expect(page.locator("#month-label")).not_to_have_text(shown)
        page.locator("button.slot").first.wait_for()
    assert len(offsets) == 2

    page.get_by_role("button", name="12h").click()
    expect(page.locator("button.slot").first).to_have_text(
        local.strftime("%-I:%M %p"))


def test_the_first_two_months_come_with_the_page_and_each_later_month_is_one_request(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("00:00", "24:00"))
    context = new_context("UTC")
    seen: list[Request] = []
    context.on("request", lambda r: seen.append(r) if is_slots_request(r) else None)
    page = open_booking(context, stack, f"{host}/intro")
    label = page.locator("#month-label")
    first = label.inner_text()
    # The page holds its month and the next as any zone sees them: another zone asks
    # nothing either (one behind UTC: its part of the month is never all past, even on
    # its last evening).
    page.locator("#timezone").select_option("Pacific/Honolulu")
    page.locator("button.slot").first.wait_for()
    assert seen == [], [r.url for r in seen]
    shown = {("Pacific/Honolulu", first)}

    for button in ("Next month", "Next month", "Previous month"):
        before = label.inner_text()
        page.get_by_role("button", name=button).click()
        expect(label).not_to_have_text(before)
        page.wait_for_load_state("networkidle")
        shown.add(("Pacific/Honolulu", label.inner_text()))
    for day in page.locator("button.day.free").all()[:3]:  # choosing days asks nothing
        day.click()
    page.locator("#timezone").select_option("UTC")
    page.wait_for_load_state("networkidle")
    shown.add(("UTC", label.inner_text()))

    # Shown: the first three months in Honolulu (and back to the second), then the second
    # in UTC. One request: the third month in Honolulu, the whole of it.
    assert len(shown) == 4 and len(seen) == 1, [r.url for r in seen]
    query = {k: v[0] for k, v in parse_qs(urlsplit(seen[0].url).query).items()}
    first, last = date.fromisoformat(query["start"]), date.fromisoformat(query["end"])
    assert query["timeZone"] == "Pacific/Honolulu"
    assert first.day == 1 and (last.month, last.year) == (first.month, first.year)
    assert last.day >= 28 and date.fromordinal(last.toordinal() + 1).day == 1


# Whether `el`'s box is wholly visible through every scrolling or clipping box around it.
WHOLLY_SHOWN = """el => {
  const box = el.getBoundingClientRect();
  for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
    const s = getComputedStyle(up);
    if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
    const top = up.getBoundingClientRect().top + up.clientTop;
    if (box.top < top - 0.5 || box.bottom > top + up.clientHeight + 0.5) return false;
  }
  return true;
}"""


def test_every_time_of_a_long_day_is_shown_whole_with_no_box_of_its_own_to_scroll(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("00:00", "24:00"))
    page = open_booking(new_context("UTC", DESKTOP), stack, f"{host}/intro")
    # A whole day: the first one shown is today, part gone by the time the test runs.
    free_days = page.locator("button.day.free")
    if free_days.count() < 2:
        page.get_by_role("button", name="Next month").click()
        page.wait_for_load_state("networkidle")
        free_days.first.click()
    else:
        free_days.nth(1).click()
    times = page.locator("button.slot")

    assert times.count() == 48
    assert all(button.evaluate(WHOLLY_SHOWN) for button in times.all())


def test_the_confirmation_uses_the_cards_width_on_a_desktop(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    page = open_booking(new_context("Europe/Berlin", DESKTOP), stack, f"{host}/intro")
    choose_slot(page)
    fill_details(page)
    confirm(page)

    confirmation = page.locator("#confirmation")
    card_width = confirmation.evaluate("el => el.parentElement.clientWidth")
    assert (confirmation.bounding_box() or {"width": 0})["width"] > 0.85 * card_width
    buttons = page.locator("#confirmation .actions .button")
    assert len({round(box["y"]) for box in
                (b.bounding_box() or {"y": -1} for b in buttons.all())}) == 1
    # A time never wraps between its digits and "PM": the space there does not break.
    said = str(page.locator("#confirm-yours").text_content())
    assert re.search(r"\d\u00a0PM", said) and not re.search(r"\d (AM|PM)", said), said


@pytest.mark.parametrize(("locale", "choose", "clock"), [
    ("en-US", None, "PM"), ("en-GB", None, ":"), ("en-US", "24h", ":")])
def test_the_manage_page_says_the_time_as_the_confirmation_did(
        stack: LocalStack, new_context: NewContext, locale: str, choose: str | None,
        clock: str) -> None:
    host = coach(stack)
    page = open_booking(new_context("Europe/Berlin", locale=locale), stack, f"{host}/intro")
    if choose:
        page.get_by_role("button", name=choose).click()
    choose_slot(page)
    fill_details(page)
    confirm(page)
    said = page.locator("#confirm-yours").inner_text()
    assert clock in said and ("PM" in said) == (clock == "PM"), said

    page.goto(str(page.locator("#manage-link").get_attribute("href")))

    expect(page.locator("#when-yours")).to_have_text(said)


def test_back_to_times_returns_focus_to_the_time_that_was_chosen(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    page = open_booking(new_context(), stack, f"{host}/intro")
    full_day(page)
    start = choose_slot(page, slot_starts(page)[1])

    page.get_by_role("button", name="Back to times").click()

    expect(page.locator(f'button.slot[data-start="{start}"]')).to_be_focused()


def test_the_whole_event_card_on_the_profile_is_its_link(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, PAID_CONSULT)
    page = new_context().new_page()
    page.goto(f"{stack.api_url}/{host}")

    page.get_by_text("An hour on your roadmap").click()

    expect(page).to_have_url(f"{stack.api_url}/{host}/consult")
