"""The booking page when the host changes the event type while a visitor has it open: the
booking is refused (the page sent the version it showed), and the page shows the event
type as it is now, with the visitor's answers and time kept, and says what changed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import NewContext, watch_console
from tests.e2e.browser.visitor import (
    INTRO,
    choose_slot,
    fill_details,
    full_day,
    open_booking,
    slot_starts,
)
from tests.e2e.conftest import LocalStack
from tests.e2e.hosts import new_host

pytestmark = pytest.mark.e2e


def _host_changes(stack: LocalStack, auth: str, **changes: Any) -> None:
    """The host saves the intro event type with `changes`, as the dashboard's editor does."""
    headers = {"Authorization": auth}
    r = requests.get(f"{stack.api_url}/me/event-types", headers=headers, timeout=30)
    read = r.json()["event_types"][0]
    body = {k: v for k, v in read.items() if k not in ("id", "version")}
    if body["location"]["details"] is None:
        body["location"] = {"kind": body["location"]["kind"]}
    r = requests.put(f"{stack.api_url}/me/event-types/{read['id']}", headers=headers,
                     json={**body, **changes}, timeout=30)
    assert r.status_code == 200, r.text


def _booked_answers(stack: LocalStack, auth: str) -> list[dict[str, Any]]:
    r = requests.get(f"{stack.api_url}/me/bookings?status=upcoming",
                     headers={"Authorization": auth}, timeout=30)
    assert r.status_code == 200, r.text
    return list(r.json()["bookings"])


def _on_the_hour(page: Page) -> str:
    """A time on the hour on a day whose every time is free: on a 60-minute grid too."""
    full_day(page, at_least=16)
    return choose_slot(page, next(s for s in slot_starts(page) if ":00:00" in s))


def test_a_required_question_added_while_the_page_is_open_is_asked_with_the_answers_kept(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a visitor with the page open, a time chosen and the form filled
    host, auth = new_host(stack, "changes", INTRO, hours=("09:00", "17:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/intro")
    errors = watch_console(page)
    start = choose_slot(page)
    fill_details(page, name="Ada Client", email="ada@example.com", topic="Roadmap")
    # WHEN the host adds a required question meanwhile, and the visitor books
    _host_changes(stack, auth, questions=[
        {"id": "topic", "label": "Topic", "type": "text"},
        {"id": "company", "label": "Company", "type": "text", "required": True}])
    page.get_by_role("button", name="Confirm booking").click()

    # THEN the page says what changed, asks the new question as a field, and keeps
    # everything typed and the time chosen; nothing was booked
    notice = page.locator("#page-changed")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("The host changed this booking page")
    expect(notice).to_contain_text("It now asks “Company”.")
    company = page.get_by_label("Company")
    expect(company).to_be_visible()
    expect(company).to_be_focused()
    expect(page.get_by_label("Your name")).to_have_value("Ada Client")
    expect(page.get_by_label("Email address")).to_have_value("ada@example.com")
    expect(page.get_by_label("Topic")).to_have_value("Roadmap")
    expect(page.locator("#details")).to_be_visible()
    expect(page.locator("#form-alert")).to_be_hidden()  # no "'Company' is required"
    assert _booked_answers(stack, auth) == []

    # AND answered, it books the time chosen with every answer
    company.fill("Acme")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#confirm-title")).to_be_visible()
    booked = _booked_answers(stack, auth)
    assert [(datetime.fromisoformat(b["start"]), b["answers"]) for b in booked] == [
        (datetime.fromisoformat(start), {"topic": "Roadmap", "company": "Acme"})]
    # The refusal, as the browser logs it; nothing thrown, no CSP violation.
    assert errors == ["Failed to load resource: the server responded with a status of 409 "
                      "(Conflict)"]


def test_a_longer_meeting_set_while_the_page_is_open_is_said_before_it_is_booked(
        stack: LocalStack, new_context: NewContext) -> None:
    host, auth = new_host(stack, "changes", INTRO, hours=("09:00", "17:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/intro")
    start = _on_the_hour(page)
    fill_details(page, topic="Roadmap")
    _host_changes(stack, auth, duration_minutes=60)
    page.get_by_role("button", name="Confirm booking").click()

    # The page says the new length and shows it, the time kept (still offered, now an
    # hour long), and books nothing until the visitor books again.
    notice = page.locator("#page-changed")
    expect(notice).to_contain_text("This meeting is now 1 h, not 30 min")
    expect(notice).to_contain_text("Check the time and book again.")
    end = datetime.fromisoformat(start) + timedelta(hours=1)
    expect(page.locator("#chosen")).to_contain_text(f"{end:%-I:%M}")
    expect(page.locator(".facts")).to_contain_text("1 h")
    expect(page.get_by_label("Topic")).to_have_value("Roadmap")
    assert _booked_answers(stack, auth) == []

    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#confirm-title")).to_be_visible()
    [booking] = _booked_answers(stack, auth)
    assert datetime.fromisoformat(booking["end"]) == end


def test_a_change_the_visitor_cannot_see_books_without_asking_again(
        stack: LocalStack, new_context: NewContext) -> None:
    # A buffer the page does not show: the terms shown are the terms booked.
    host, auth = new_host(stack, "changes", INTRO, hours=("09:00", "17:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/intro")
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status)
            if r.request.method == "POST" and r.url.endswith("/bookings") else None)
    choose_slot(page)
    fill_details(page, topic="Roadmap")
    _host_changes(stack, auth, buffer_after_minutes=5)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.locator("#confirm-title")).to_be_visible()
    expect(page.locator("#page-changed")).to_be_hidden()
    assert answers == [409, 201]  # refused as changed, then booked at the version now
    assert len(_booked_answers(stack, auth)) == 1


def test_a_time_the_change_took_away_sends_the_visitor_back_to_the_times_left(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a visitor on a half-hour time, when the host makes the meeting an hour long
    # (its times then start on the hour)
    host, auth = new_host(stack, "changes", INTRO, hours=("09:00", "17:00"))
    page = open_booking(new_context("UTC"), stack, f"{host}/intro")
    full_day(page, at_least=16)
    start = choose_slot(page, next(s for s in slot_starts(page) if ":30:00" in s))
    fill_details(page, topic="Roadmap")
    _host_changes(stack, auth, duration_minutes=60)
    page.get_by_role("button", name="Confirm booking").click()

    # THEN they are back at the times, told why, their time no longer among them
    alert = page.locator("#page-alert")
    expect(alert).to_contain_text("the time you chose is no longer offered")
    expect(alert).to_be_focused()
    expect(page.locator("#scheduler")).to_be_visible()
    page.locator("button.slot").first.wait_for()
    assert start not in slot_starts(page)
    # AND a time chosen there says what changed, with their answers kept, and books
    choose_slot(page)
    expect(page.locator("#page-changed")).to_contain_text("This meeting is now 1 h")
    expect(page.get_by_label("Topic")).to_have_value("Roadmap")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#confirm-title")).to_be_visible()
    [booking] = _booked_answers(stack, auth)
    assert datetime.fromisoformat(booking["end"]) - datetime.fromisoformat(
        booking["start"]) == timedelta(hours=1)
