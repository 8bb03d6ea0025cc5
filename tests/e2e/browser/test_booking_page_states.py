"""The booking and reschedule pages' states a visitor can reach: a clock switched while
a month loads, a month that failed, a move made, focus when a button it was on is
disabled, a time that must not wrap between its digits and "PM";
and what held up in review (a double click, zone switches)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.e2e.browser.conftest import PHONE, NewContext, watch_console
from tests.e2e.browser.test_booking_links import booked
from tests.e2e.browser.visitor import (
    INTRO,
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


def test_reschedule_page_24h_toggle_also_rewrites_currently_booked(
        stack: LocalStack, new_context: NewContext) -> None:
    page, _, start = booked(stack, new_context)
    page.goto(str(page.locator("#reschedule-link").get_attribute("href")))
    page.locator("button.slot").first.wait_for()
    page.locator("#clock-24").click()
    expect(page.locator("button.slot").first).not_to_contain_text("M")  # slots now 24h
    local = datetime.fromisoformat(start).astimezone(ZoneInfo("Europe/Berlin"))
    # docs/pages.md: every page says a time in the visitor's 12/24-hour choice, incl.
    # the reschedule page's "Currently booked".
    expect(page.locator(".current time")).to_contain_text(f"{local:%H:%M}")


def test_after_a_move_the_page_no_longer_says_the_old_time_is_currently_booked(
        stack: LocalStack, new_context: NewContext) -> None:
    page, _, start = booked(stack, new_context)
    page.goto(str(page.locator("#reschedule-link").get_attribute("href")))
    full_day(page)
    old = page.locator(".current time").inner_text()
    choose_slot(page, [s for s in slot_starts(page) if s != start][-1])
    page.get_by_role("button", name="Move to this time").click()
    expect(page.locator("#confirm-title")).to_have_text("Your booking was moved")
    # The card beside the confirmation says the new time, never the old one as booked.
    expect(page.locator(".current")).to_contain_text("Now booked:")
    expect(page.locator(".current")).not_to_contain_text(old)


def slot_at(page: Page, start: str) -> Locator:
    """The time starting at the instant `start` (the API writes it in the page's zone)."""
    page.locator("button.slot").first.wait_for()
    shown = next(s for s in slot_starts(page)
                 if datetime.fromisoformat(s) == datetime.fromisoformat(start))
    return page.locator(f'button.slot[data-start="{shown}"]')


def test_the_reschedule_page_marks_the_bookings_own_time_and_does_not_offer_it(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    page = open_booking(new_context("Europe/Berlin"), stack, f"{host}/intro")
    full_day(page)  # a day with other times left beside the one booked
    # Its second time: the first may come within the event's notice before the move.
    start = choose_slot(page, slot_starts(page)[1])
    fill_details(page, topic="Roadmap")
    confirm(page)
    page.goto(str(page.locator("#reschedule-link").get_attribute("href")))
    page.locator("button.slot").first.wait_for()
    day = datetime.fromisoformat(start).astimezone(ZoneInfo("Europe/Berlin")).date()
    page.locator(f'button.day[data-day="{day}"]').click()

    own = slot_at(page, start)
    expect(own).to_contain_text("current")
    expect(own).to_have_accessible_name(re.compile(r" current, your booked time$"))
    expect(own).to_be_disabled()
    expect(page.locator("button.slot:disabled")).to_have_count(1)  # the others stay
    own.click(force=True)
    expect(page.locator("#details")).to_be_hidden()
    # The same instant in another zone (a NY host's day is the same day in Los Angeles).
    page.locator("#timezone").select_option("America/Los_Angeles")
    local = datetime.fromisoformat(start).astimezone(ZoneInfo("America/Los_Angeles"))
    expect(page.locator("button.slot:disabled")).to_have_accessible_name(
        re.compile(rf"^{local:%-I:%M}\s{local:%p} current, your booked time$"))
    expect(slot_at(page, start)).to_be_disabled()

    choose_slot(page, page.locator("button.slot:enabled").last.get_attribute("data-start"))
    page.get_by_role("button", name="Move to this time").click()
    expect(page.locator("#confirm-title")).to_have_text("Your booking was moved")


def test_keyboard_focus_survives_going_back_to_the_first_month(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("00:00", "24:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/intro")
    page.locator("#next-month").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#prev-month")).to_be_enabled()
    page.locator("button.slot").first.wait_for()
    page.locator("#prev-month").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#prev-month")).to_be_disabled()
    page.locator("button.slot").first.wait_for()
    # The keyboard user's focus is not dropped to <body> (it moves to "Next month").
    assert page.evaluate("document.activeElement && document.activeElement.tagName") != "BODY"


def test_a_double_click_on_confirm_books_once(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    context = new_context("UTC")
    posts: list[str] = []
    context.on("request", lambda r: posts.append(r.url)
               if r.method == "POST" and r.url.endswith("/bookings") else None)
    page = open_booking(context, stack, f"{host}/intro")
    choose_slot(page)
    fill_details(page, topic="x")
    page.get_by_role("button", name="Confirm booking").dblclick()
    page.locator("#confirmation").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_timeout(1000)
    assert len(posts) == 1, posts


def test_switching_zone_shows_each_time_on_its_local_day(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("09:00", "17:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/intro")
    errors = watch_console(page)
    for zone in ("Asia/Kolkata", "Pacific/Kiritimati", "Pacific/Pago_Pago"):
        page.locator("#timezone").select_option(zone)
        page.wait_for_timeout(500)
        page.locator("button.slot").first.wait_for()
        day = page.locator('td[aria-selected="true"] button').get_attribute("data-day")
        page.locator("#clock-24").click()
        for b in page.locator("button.slot").all():
            start = datetime.fromisoformat(str(b.get_attribute("data-start")))
            local = start.astimezone(ZoneInfo(zone))
            assert str(local.date()) == day, (zone, start, day)
            assert b.inner_text() == f"{local:%H:%M}", (zone, b.inner_text(), local)
    assert errors == []


def test_switching_to_a_zone_where_today_is_in_another_month_shows_that_month(
        stack: LocalStack, new_context: NewContext) -> None:
    # At noon UTC on the last day of a month it is already the 1st in Kiritimati (UTC+14)
    # and still the last day in Pago Pago (UTC-11), where the host works that day. A
    # visitor on today's month who switches zone sees today's month in the new zone,
    # and the earliest month follows it (its last day's times were out of reach).
    today = datetime.now(UTC).date()
    month_after = date(today.year + (today.month + 1) // 12, (today.month + 1) % 12 + 1, 1)
    last_day = month_after - timedelta(days=1)      # the last day of next month
    noon = datetime.combine(last_day, time(12), UTC)
    host = coach(stack, timezone="Pacific/Pago_Pago", hours=("09:00", "17:00"))
    page = new_context("Pacific/Kiritimati").new_page()
    page.clock.install(time=noon)  # the visitor's clock; Penny's is today's
    errors = watch_console(page)
    page.goto(f"{stack.api_url}/{host}/intro")
    page.locator("button.slot").first.wait_for()
    expect(page.locator("#month-label")).to_have_text(f"{month_after:%B %Y}")

    page.locator("#timezone").select_option("Pacific/Pago_Pago")
    expect(page.locator("#month-label")).to_have_text(f"{last_day:%B %Y}")
    page.locator(f'button.day.free[data-day="{last_day.isoformat()}"]').click()
    expect(page.locator("button.slot")).to_have_count(16)   # 09:00-17:00 by half hours
    expect(page.locator("#prev-month")).to_be_disabled()

    page.locator("#timezone").select_option("Pacific/Kiritimati")
    expect(page.locator("#month-label")).to_have_text(f"{month_after:%B %Y}")
    expect(page.locator("#prev-month")).to_be_disabled()
    assert errors == []


def test_the_calendar_stops_at_the_booking_windows_last_month_and_says_why(
        stack: LocalStack, new_context: NewContext) -> None:
    # The visitor's clock is 40 days behind Penny's: on their calendar the 3-day window
    # ends in a month with no free time (all of it past for Penny), and no later month is
    # offered (each would be one more slots request, "Try the next month" for ever).
    host = coach(stack, {**INTRO, "booking_window_days": 3})
    then = datetime.now(UTC) - timedelta(days=40)
    last = (then + timedelta(days=4)).date()          # the window's end, on their clock
    page = new_context("UTC").new_page()
    page.clock.install(time=then)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/slots?" in r.url else None)
    page.goto(f"{stack.api_url}/{host}/intro")

    expect(page.locator("#month-label")).to_have_text(f"{last:%B %Y}")
    expect(page.locator("#calendar-status")).to_have_text(
        "No free times this month. Bookings open at most 3 days ahead.")
    expect(page.locator("#next-month")).to_be_disabled()
    page.locator("#next-month").click(force=True)
    page.keyboard.press("PageDown")
    page.wait_for_timeout(500)
    expect(page.locator("#month-label")).to_have_text(f"{last:%B %Y}")
    after = f"start={(last.replace(day=28) + timedelta(days=4)).replace(day=1):%Y-%m-%d}"
    assert not [url for url in asked if after in url], asked


def test_a_name_the_api_refuses_is_explained_with_the_fields_own_label(
        stack: LocalStack, new_context: NewContext) -> None:
    # A name pasted from a spreadsheet carries a tab, which only the API refuses: its
    # words name the field as the page does ("Your name"), not by its path in the API.
    host = coach(stack)
    page = open_booking(new_context("UTC"), stack, f"{host}/intro")
    choose_slot(page)
    fill_details(page, name="Ada\tLovelace", topic="Roadmap")
    page.get_by_role("button", name="Confirm booking").click()

    name = page.get_by_label("Your name")
    expect(name).to_have_attribute("aria-invalid", "true")
    error = page.locator(".field-error:visible")
    expect(error).to_have_text(re.compile(r"^Your name must not contain control characters"))
    expect(error).not_to_contain_text("attendee.")


def test_the_chosen_time_line_never_breaks_between_digits_and_pm(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack)
    page = open_booking(new_context("UTC", viewport=PHONE), stack, f"{host}/intro")
    page.locator("#clock-12").click()
    choose_slot(page)
    text = page.locator("#chosen").inner_text()
    # docs/pages.md: "Inside a sentence a time never wraps between its digits and PM".
    assert not re.search(r"\d [AP]M", text), repr(text)


def test_toggling_the_clock_while_a_month_loads_shows_no_times_of_the_previous_month(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("00:00", "24:00"))
    context = new_context("UTC")
    held: list = []
    context.route("**/slots?*", lambda route: held.append(route))
    page = open_booking(context, stack, f"{host}/intro")
    page.get_by_role("button", name="Next month").click()
    page.locator("button.slot").first.wait_for()
    page.get_by_role("button", name="Next month").click()   # third month: asked, held
    expect(page.locator("#day-label")).to_have_text("Loading times…")
    month = page.locator("#month-label").inner_text()
    page.locator("#clock-24").click()
    # Month 3 is still loading: no times of the month before come back with the clock.
    expect(page.locator("#month-label")).to_have_text(month)
    assert page.locator("button.slot").count() == 0, page.locator("#day-label").inner_text()


def test_a_failed_month_does_not_keep_saying_loading_times(
        stack: LocalStack, new_context: NewContext) -> None:
    host = coach(stack, hours=("00:00", "24:00"))
    context = new_context("UTC")
    context.route("**/slots?*", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"code": "unavailable", "message": "Try again in a moment."}}'))
    page = open_booking(context, stack, f"{host}/intro")
    page.get_by_role("button", name="Next month").click()
    page.get_by_role("button", name="Next month").click()
    expect(page.locator("#calendar-status")).to_have_text("Try again in a moment.")
    expect(page.locator("#day-label")).to_have_text("No times could be loaded")


def test_a_time_the_clocks_show_twice_says_which_of_the_two_it_is(
        stack: LocalStack, new_context: NewContext) -> None:
    # The day a visitor's clocks go back shows 2:00 to 2:59 twice (Sydney: AEDT, then
    # AEST): two buttons both saying "2:00 AM" would not say which hour is meant.
    zone = ZoneInfo("Australia/Sydney")
    today = datetime.now(zone).date()

    def offset(day: date) -> timedelta | None:
        return datetime.combine(day, time(), zone).utcoffset()

    days = (today + timedelta(days=n) for n in range(2, 400))
    back = next(day for day in days if offset(day) > offset(day + timedelta(days=1)))  # type: ignore[operator]
    host = coach(stack, hours=("00:00", "24:00"))
    page = open_booking(new_context("Australia/Sydney"), stack, f"{host}/intro")
    for _ in range((back.year - today.year) * 12 + back.month - today.month):
        page.get_by_role("button", name="Next month").click()
        page.locator("button.slot").first.wait_for()
    page.locator(f'button[data-day="{back.isoformat()}"]').click()
    expect(page.locator("#day-label")).to_contain_text(f"{back.day}")
    for clock in ("#clock-12", "#clock-24"):
        page.locator(clock).click()
        labels = page.locator("button.slot").all_inner_texts()
        assert len(labels) == 50, labels   # 25 hours of half-hour slots
        assert len(set(labels)) == len(labels), sorted(labels)
    repeated = [label for label in labels if label.startswith("02:")]
    assert len(repeated) == 4 and all(" " in label for label in repeated), repeated
    choose_slot(page, slot_starts(page)[5])   # the first 02:30, on summer time
    assert "GMT+11" in page.locator("#chosen").inner_text() or \
        "AEDT" in page.locator("#chosen").inner_text(), page.locator("#chosen").inner_text()


def test_a_booking_whose_answer_was_lost_is_shown_when_the_visitor_edits_and_sends_again(
        stack: LocalStack, new_context: NewContext) -> None:
    # A slow or dropped network: the booking is made, but its answer never reaches the
    # page. The visitor corrects a field and presses Confirm again (the same attempt, so
    # the same Idempotency-Key with another body: 422 idempotency_key_reused). The page
    # must end on the booking that was made, with its links, not on an error in API words
    # and then "that time was just taken" by the visitor's own booking.
    host = coach(stack)
    context = new_context("UTC")
    posts: list[Route] = []

    def drop_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route)
        if len(posts) == 1:
            route.fetch()        # the server books it ...
            route.abort("connectionreset")   # ... and the answer is lost on the way
        else:
            route.continue_()

    context.route("**/bookings", drop_first_answer)
    page = open_booking(context, stack, f"{host}/intro")
    start = choose_slot(page)
    fill_details(page, topic="first try")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#form-alert")).to_contain_text("could not be reached")
    fill_details(page, topic="second try")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.locator("#confirm-title")).to_be_visible()
    expect(page.locator("#manage-link")).to_have_attribute("href", re.compile(r"token="))
    assert page.locator("#page-alert").is_hidden()
    expect(page.locator("#confirm-lead")).to_contain_text("with the details you sent then")
    bookings = [r for r in posts if r.request.method == "POST"]
    assert all(r.request.headers["idempotency-key"] == bookings[0].request.headers[
        "idempotency-key"] for r in bookings), "one attempt, one key"
    assert start


def test_a_refusal_that_names_no_field_takes_the_keyboard_to_its_message(
        stack: LocalStack, new_context: NewContext) -> None:
    # The button is disabled while the request is on its way, which drops the focus on it
    # to the page's body: an error beside no field (the network, a busy moment) must
    # take the keyboard and the screen reader to its words, as a field's error does.
    host = coach(stack)
    context = new_context("Asia/Kolkata", viewport={"width": 375, "height": 667})
    context.route("**/bookings", lambda route: route.abort("connectionreset"))
    page = open_booking(context, stack, f"{host}/intro")
    choose_slot(page)
    fill_details(page, topic="Roadmap")
    page.get_by_role("button", name="Confirm booking").focus()
    page.keyboard.press("Enter")

    alert = page.locator("#form-alert")
    expect(alert).to_contain_text("could not be reached")
    expect(alert).to_be_focused()


def test_while_a_booking_is_on_its_way_the_visitor_cannot_go_back_for_another_time(
        stack: LocalStack, new_context: NewContext) -> None:
    # A slow network: the visitor presses Confirm, goes back and picks another time while
    # the first request is still out; its answer then says "You are booked" for the time
    # they had left, on the form of the one they chose.
    host = coach(stack)
    context = new_context("Pacific/Auckland")
    held: list[Route] = []
    context.route("**/bookings", lambda route: held.append(route))
    page = open_booking(context, stack, f"{host}/intro")
    full_day(page)
    choose_slot(page)
    fill_details(page, topic="Roadmap")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_timeout(300)
    assert len(held) == 1, held

    expect(page.locator("#back")).to_be_disabled()
    held[0].continue_()
    expect(page.locator("#confirm-title")).to_be_focused()


def test_a_day_of_a_month_still_loading_is_not_said_to_have_no_times(
        stack: LocalStack, new_context: NewContext) -> None:
    # A screen reader reads each day's name as the arrows reach it: while the month's
    # times are on their way nobody knows which days have some.
    host = coach(stack, hours=("00:00", "24:00"))
    context = new_context("Asia/Kolkata")
    held: list[Route] = []
    context.route("**/slots?*", lambda route: held.append(route))
    page = open_booking(context, stack, f"{host}/intro")
    page.locator("button.day[tabindex='0']").focus()
    page.keyboard.press("PageDown")
    page.locator("button.slot").first.wait_for()
    page.keyboard.press("PageDown")   # the third month: asked, held
    expect(page.locator("#calendar-status")).to_have_text("Loading available times…")

    day = page.locator("button.day:focus")
    expect(day).not_to_have_attribute("aria-label", re.compile("no times"))
    for route in held:
        route.continue_()
    expect(page.locator("button.day:focus")).to_have_attribute(
        "aria-label", re.compile(", times available$"))
