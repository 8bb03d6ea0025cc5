"""Calendars and video links in the browser, against the local stack (issue 14's pages).

- The attendee's confirmation and manage pages say the meeting's link is on its way,
  ask for the booking every 2 s, and show the link as soon as it is on the booking,
  without a reload; after a minute they stop asking and point to the calendar invite.
- The dashboard's bookings list shows the note, then the Join link, as each arrives live.
- The Connections page's Calendars section lists the host's calendars (the provider
  sandbox's Google) and saves the choice; the states the sandbox cannot make (a
  read-only calendar, a failed read, a provider that did not answer, a refused save)
  are shown with stubbed answers.
- The event type editor holds back Google Meet, Teams and Zoom until their platform is
  connected, and keeps a saved one with a warning.

The link is written on the booking here, as the calendar job does, with the booking
repository on the stack's table: the tests do not need a provider to make a meeting.
The job itself still runs on the stack; with nothing connected it writes the note that
the host will send the link, so each test that writes a link first waits for that (the
job then leaves the booking alone). Each new state passes the accessibility audit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Request, Route, expect

from chalicelib.domain.bookings import Booking
from chalicelib.store.bookings import BookingRepository
from tests.e2e.browser.audit import audit
from tests.e2e.browser.conftest import DESKTOP, PHONE, WAIT_MS, NewContext
from tests.e2e.browser.test_connections import connect, penny_console_errors
from tests.e2e.browser.test_dashboard import (
    book,
    csrf_headers,
    no_horizontal_scroll,
    open_dashboard,
    set_up_host,
    sign_up_in_browser,
)
from tests.e2e.browser.visitor import choose_slot, coach, confirm, fill_details
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]
MEET = "https://meet.google.com/abc-defg-hij"
WAITING = "Your meeting link is on its way."
GAVE_UP = "The link will also be in your calendar invite."
POLL = re.compile(r"/bookings/[\w-]+\?token=")  # the pages' GET of the booking


@pytest.fixture(scope="module")
def table(stack_table: None) -> BookingRepository:
    """The booking repository on the stack's table, as the calendar job writes it."""
    return BookingRepository()


def after_the_calendar_job(table: BookingRepository, uid: str) -> Booking:
    """The booking once the stack's calendar job has written on it (with nothing
    connected: the note that the host will send the link)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        booking = table.get(uid)
        if booking is not None and (booking.video_url or booking.video_note):
            return booking
        time.sleep(0.2)
    pytest.fail(f"the calendar job wrote no link or note on {uid}")


def write_video(table: BookingRepository, uid: str, url: str | None = None,
                note: str | None = None) -> None:
    """What the calendar job does when the meeting is made (neither: not made yet)."""
    for _ in range(5):
        booking = table.get(uid)
        assert booking is not None
        if table.save_video(replace(booking, video_url=url, video_note=note)):
            return
    pytest.fail(f"could not write the video link on {uid}")


def is_poll(request: Request) -> bool:
    return request.method == "GET" and bool(POLL.search(request.url))


def booked_without_a_link_yet(stack: LocalStack, table: BookingRepository) -> dict[str, Any]:
    """A Google Meet booking whose link the job has not written yet (its note is taken
    off again once the job is done, so nothing else writes on it)."""
    booking = book(stack, coach(stack), "intro", "Ada Client")
    after_the_calendar_job(table, booking["uid"])
    write_video(table, booking["uid"])
    return booking


# ---- the attendee's pages --------------------------------------------------------------

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_confirmation_shows_the_link_written_after_it_loaded_without_a_reload(
        stack: LocalStack, new_context: NewContext, table: BookingRepository,
        viewport: dict[str, int]) -> None:
    host = coach(stack)  # Intro call is on Google Meet; the host connected nothing
    page = new_context("Europe/London", viewport, bypass_csp=True).new_page()
    held: list[Route] = []
    # The page's questions are held until the link is written, so the job's note (written
    # meanwhile) is never what they see
    page.route(POLL, lambda route: held.append(route))
    page.goto(f"{stack.api_url}/{host}/intro")
    page.locator("button.slot").first.wait_for()
    choose_slot(page)
    fill_details(page)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        confirm(page)
    uid = posted.value.json()["uid"]

    # GIVEN the confirmation, which says the link is on its way and asks for it
    video = page.locator("#confirm-video")
    expect(video).to_have_text(WAITING)
    expect(video).to_have_attribute("role", "status")
    assert audit(page) == []
    for _ in range(WAIT_MS // 100):
        if held:
            break
        page.wait_for_timeout(100)  # its first question (2 s after the confirmation)
    assert held, "the confirmation never asked for the booking"

    # WHEN the calendar job writes the meeting's link on the booking
    after_the_calendar_job(table, uid)
    write_video(table, uid, url=MEET)
    for route in held:
        route.continue_()
    page.unroute(POLL)

    # THEN the same page shows it (a reload would have lost the confirmation)
    expect(video).to_have_text(f"Join with Google Meet: {MEET}")
    expect(video.get_by_role("link", name=MEET)).to_have_attribute("href", MEET)
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    assert no_horizontal_scroll(page)
    assert audit(page) == []


def test_the_manage_page_waits_for_the_link_and_a_later_visit_has_it_in_the_html(
        stack: LocalStack, new_context: NewContext, table: BookingRepository,
        console_errors: Callable[[Page], list[str]]) -> None:
    booking = booked_without_a_link_yet(stack, table)
    page = new_context(bypass_csp=True).new_page()
    errors = console_errors(page)
    page.goto(booking["links"]["view"])
    video = page.locator("#video")
    expect(video).to_have_text(WAITING)
    assert audit(page) == []

    with page.expect_request(is_poll):
        pass  # it asks for the booking

    write_video(table, booking["uid"], url=MEET)

    expect(video).to_have_text(f"Join with Google Meet: {MEET}")
    # Opened again, the page has the link as rendered, and waits for nothing
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if is_poll(r) else None)
    page.reload()
    expect(page.locator("#video a")).to_have_attribute("href", MEET)
    expect(page.locator("#video[data-uid]")).to_have_count(0)
    assert audit(page) == []
    assert asked == [] and errors == []


def test_the_manage_page_stops_asking_after_a_minute_and_points_to_the_invite(
        stack: LocalStack, new_context: NewContext, table: BookingRepository) -> None:
    booking = booked_without_a_link_yet(stack, table)
    page = new_context().new_page()
    page.clock.install()  # the page's own minute, moved on by the test
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if is_poll(r) else None)
    page.goto(booking["links"]["view"])
    video = page.locator("#video")
    expect(video).to_have_text(WAITING)

    # WHEN a minute of the page's time passes with no link on the booking
    for _ in range(200):
        if video.text_content() == GAVE_UP:
            break
        page.clock.run_for(2_000)
        page.wait_for_timeout(50)  # for the page's question to come back
    else:
        pytest.fail(f"still waiting after {len(asked)} questions: {video.text_content()}")

    # THEN it asked every 2 s at most, stopped, and says where the link will also be
    assert 1 <= len(asked) <= 30
    count = len(asked)
    page.clock.run_for(60_000)
    page.wait_for_timeout(200)
    assert len(asked) == count
    expect(video).to_have_text(GAVE_UP)


# ---- the dashboard's bookings ------------------------------------------------------------

def test_the_bookings_list_shows_the_note_then_the_join_link_as_they_arrive_live(
        stack: LocalStack, new_context: NewContext, table: BookingRepository) -> None:
    context = new_context(bypass_csp=True)
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)  # "strategy" is on Google Meet; nothing connected
    page = open_dashboard(context, stack, "/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if "/me/bookings?" in r.url else None)

    # WHEN a client books, and the calendar job finds no Google to make the link with
    booking = book(stack, slug, "strategy", "Ada Lovelace")
    note = after_the_calendar_job(table, booking["uid"]).video_note
    assert note

    # THEN the row says what the client was told, without a reload of the page
    row = page.locator(".booking", has_text="Ada Lovelace")
    expect(row.locator(".booking-video")).to_have_text(
        f"No video link: the client was told “{note}”")
    before = len(reads)

    # WHEN the link arrives (booking.updated)
    write_video(table, booking["uid"], url=MEET)

    # THEN the row has a Join link in place of the note, changed in place: no list read
    join = row.get_by_role("link", name=re.compile(r"^Join Strategy session with Ada Lovelace"))
    expect(join).to_have_attribute("href", MEET)
    expect(join).to_have_text("Join")
    expect(row.locator(".booking-video")).to_have_count(0)
    assert len(reads) == before
    assert audit(page) == []


def test_a_meeting_a_broken_zoom_kept_at_the_old_time_is_said_on_its_row_until_moved(
        stack: LocalStack, new_context: NewContext, table: BookingRepository) -> None:
    context = new_context(bypass_csp=True)
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    page = open_dashboard(context, stack, "/app/bookings")
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    booking = book(stack, slug, "strategy", "Ada Byron")
    after_the_calendar_job(table, booking["uid"])
    row = page.locator(".booking", has_text="Ada Byron")
    expect(row).to_have_count(1)

    # WHEN the calendar job could not move the booking's meeting (Zoom broken)
    flag_out_of_date(table, booking["uid"], ("zoom",))

    # THEN the row says so, live, and what reconnecting does
    notice = row.locator(".booking-out-of-date")
    expect(notice).to_have_text(
        "Penny could not reach Zoom when this booking moved (it needs reconnecting), so "
        "your Zoom meeting is still at the old time. Reconnect Zoom and Penny moves it; "
        "the client's link stays the same.")
    assert audit(page) == []

    # WHEN the reconnect's catch-up moved it, THEN the notice goes
    flag_out_of_date(table, booking["uid"], ())
    expect(notice).to_have_count(0)


def flag_out_of_date(table: BookingRepository, uid: str, providers: tuple[str, ...]) -> None:
    """What the calendar job writes when a broken connection kept the booking's meeting
    or event as it was (and when a run brought it up to date)."""
    for _ in range(5):
        booking = table.get(uid)
        assert booking is not None
        if table.save_video(replace(booking, out_of_date=providers)):
            return
    pytest.fail(f"could not flag {uid}")


# ---- the Connections page's calendars ----------------------------------------------------

def calendar_rows(page: Page) -> Locator:
    return page.locator("#calendars .calendar")


def test_a_host_with_google_connected_chooses_the_calendars_and_saves(
        stack: LocalStack, new_context: NewContext, screenshot: Screenshot) -> None:
    context = new_context(bypass_csp=True)
    sign_up_in_browser(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    errors = penny_console_errors(page, stack)
    section = page.locator("#calendars")
    expect(page.get_by_role("button", name="Connect Google Calendar")).to_be_enabled()
    expect(section).to_be_hidden()  # no calendar connected: not even asked for

    # WHEN the host connects Google (the sandbox's account has two calendars)
    connect(page, stack, "Google Calendar")

    # THEN both are listed: the primary one checked for conflicts and receiving bookings
    expect(section.get_by_role("heading", name="Your calendars")).to_be_visible()
    rows = calendar_rows(page)
    expect(rows).to_have_count(2)
    primary = rows.filter(has_text="Primary")
    other = rows.filter(has_not_text="Primary")
    conflicts = re.compile(r"^Check for conflicts ")
    bookings_to = re.compile(r"^Add new bookings to ")
    expect(primary.get_by_role("checkbox", name=conflicts)).to_be_checked()
    expect(primary.get_by_role("radio", name=bookings_to)).to_be_checked()
    expect(primary.locator(".hint")).to_contain_text(re.compile(r"Google Calendar · read .+"))
    expect(other.get_by_role("checkbox", name=conflicts)).not_to_be_checked()
    assert audit(page) == []
    screenshot(page, "dashboard-calendars")

    # WHEN they count the other one too, send new bookings there, and save
    other.get_by_role("checkbox", name=conflicts).check()
    other.get_by_role("radio", name=bookings_to).check()
    page.get_by_role("button", name="Save calendars").click()

    # THEN Penny has the choice, and the page shows it after a reload
    expect(page.locator(".toast", has_text="Calendars saved")).to_be_visible()
    r = context.request.get(f"{stack.api_url}/me/calendars")
    assert r.status == 200, r.text()
    chosen = {c["primary"]: (c["conflicts"], c["destination"]) for c in r.json()["calendars"]}
    assert chosen == {True: (True, False), False: (True, True)}
    page.reload()
    expect(calendar_rows(page).filter(has_not_text="Primary").get_by_role(
        "radio", name=bookings_to)).to_be_checked()

    # ... and Google Meet can now be an event type's location; Teams still waits for Outlook
    page.get_by_role("link", name="Event types").click()
    page.get_by_role("button", name="New event type").click()
    location = page.locator("#et-location")
    expect(location.locator('option[value="google_meet"]')).to_be_enabled()
    expect(location.locator('option[value="teams"]')).to_be_disabled()
    expect(location).to_have_value("google_meet")
    assert errors == []


CONNECTED: dict[str, Any] = {"status": "connected", "account": "ada@example.com", "scopes": [],
             "connected_at": "2026-03-02T09:00:00Z", "broken_reason": None, "broken_at": None}


def calendar(key: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"key": key, "provider": key.split(":")[0], "name": name, "primary": False,
            "writable": True, "conflicts": False, "destination": False, "synced_at": None,
            "push": False, "failure": None, **fields}


LISTED = [
    calendar("google:ada@example.com", "Ada", primary=True, conflicts=True, destination=True,
             synced_at="2026-03-02T09:00:00Z", push=True),
    calendar("google:holidays", "Holidays", writable=False, conflicts=True,
             failure="provider_unavailable: Google did not answer in time"),
]


def test_read_only_failing_and_unreachable_calendars_and_a_refused_save_are_said_plainly(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    sign_up_in_browser(context, stack)
    page = context.new_page()
    # Stubbed answers: the sandbox's calendars are all writable, read, and always answer
    page.route("**/me/connections", lambda route: route.fulfill(json={"connections": [
        {"provider": p, **CONNECTED} for p in ("google", "microsoft")]}))
    answer: dict[str, Any] = {"calendars": LISTED, "unreachable": ["microsoft"]}

    def calendars(route: Route) -> None:
        if route.request.method == "GET":
            return route.fulfill(json=answer)
        return route.fulfill(status=400, json={"error": {
            "code": "validation_error", "field": "destination",
            "message": "google:ada@example.com is not a calendar you can add bookings to"}})

    page.route("**/me/calendars", calendars)
    page.goto(f"{stack.api_url}/app/connections")

    # A provider that did not answer: said, and nothing can be saved that would drop it
    section = page.locator("#calendars")
    expect(section.get_by_text("Couldn't reach Microsoft just now")).to_be_visible()
    expect(page.get_by_role("button", name="Save calendars")).to_be_disabled()
    # A calendar Penny cannot write to cannot receive bookings, and says why
    holidays = calendar_rows(page).filter(has_text="Holidays")
    expect(holidays.get_by_role("radio", name="Add new bookings to Holidays")).to_be_disabled()
    expect(holidays).to_contain_text("Read-only: Penny can't add bookings to it.")
    # Why the last read failed, in words (the code stays out)
    expect(holidays).to_contain_text(
        "Penny couldn't read it last time: Google did not answer in time.")
    expect(holidays).not_to_contain_text("provider_unavailable")
    expect(calendar_rows(page).filter(has_text="Ada")).to_contain_text("live updates")
    assert audit(page) == []

    # WHEN Microsoft answers again and a save is refused
    answer["unreachable"] = []
    section.get_by_role("button", name="Try again").click()
    save = page.get_by_role("button", name="Save calendars")
    expect(save).to_be_enabled()
    save.click()

    # THEN the reason is next to the control the API named, which has focus
    chosen = page.get_by_role("radio", name="Add new bookings to Ada")
    expect(chosen).to_have_attribute("aria-invalid", "true")
    expect(chosen).to_be_focused()
    error = page.locator(f"#{chosen.get_attribute('id')}-error")
    expect(error).to_have_text("google:ada@example.com is not a calendar you can add bookings to")
    assert f"{chosen.get_attribute('id')}-error" in (chosen.get_attribute("aria-describedby") or "")
    assert audit(page) == []


def test_a_broken_calendar_connection_holds_its_calendars_and_asks_for_a_reconnect(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    sign_up_in_browser(context, stack)
    page = context.new_page()
    # GIVEN (stubbed answers) Google, where new bookings go, broken; Outlook connected
    page.route("**/me/connections", lambda route: route.fulfill(json={"connections": [
        {"provider": "google", **CONNECTED, "status": "broken",
         "broken_reason": "Google refused to refresh the connection; reconnect it",
         "broken_at": "2026-03-02T10:00:00Z"},
        {"provider": "microsoft", **CONNECTED}]}))
    page.route("**/me/calendars", lambda route: route.fulfill(json={"calendars": [
        calendar("microsoft:cal", "Calendar", primary=True, conflicts=True,
                 synced_at="2026-03-02T09:00:00Z")], "unreachable": ["google"], "removed": []}))

    # WHEN the host opens Connections
    page.goto(f"{stack.api_url}/app/connections")

    # THEN Your calendars says Google's wait for the reconnect, rather than show new
    # bookings going to no calendar, and nothing can be saved that would drop Google's
    section = page.locator("#calendars")
    expect(section.get_by_text("Google Calendar needs reconnecting (above).")).to_be_visible()
    expect(section.get_by_role("button", name="Try again")).to_have_count(0)
    expect(page.get_by_role("button", name="Save calendars")).to_be_disabled()
    expect(page.get_by_role("radio", name="Don't add new bookings to a calendar")
           ).not_to_be_checked()
    assert audit(page) == []


def test_a_calendar_penny_took_out_is_said_with_why_until_chosen_again(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    sign_up_in_browser(context, stack)
    page = context.new_page()
    # Stubbed answers: the host's shared "Team" calendar was deleted, and it was where new
    # bookings went; the API lists it among the removed, with the provider's reason
    page.route("**/me/connections", lambda route: route.fulfill(json={"connections": [
        {"provider": p, **CONNECTED} for p in ("google", "microsoft")]}))
    page.route("**/me/calendars", lambda route: route.fulfill(json={
        "calendars": LISTED[:1], "unreachable": [], "removed": [{
            "key": "google:team@group.calendar.google.com", "provider": "google",
            "name": None, "reason": "calendar_gone: Google says it no longer exists",
            "removed_at": "2026-03-02T09:00:00Z", "was_destination": True}]}))
    page.goto(f"{stack.api_url}/app/connections")

    notice = page.locator("#calendars .calendar-removed")
    expect(notice).to_contain_text(
        "Penny stopped using team@group.calendar.google.com (Google Calendar)")
    expect(notice).to_contain_text("Google says it no longer exists.")
    expect(notice).to_contain_text("New bookings are not added to a calendar until you "
                                   "choose one below.")
    expect(notice).not_to_contain_text("calendar_gone")
    assert audit(page) == []

# ---- the event type editor -----------------------------------------------------------------

def test_video_locations_wait_for_their_platform_and_a_saved_one_stays_with_a_warning(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    sign_up_in_browser(context, stack)
    saved = create_event_type(context, stack, {"slug": "strategy", "title": "Strategy session",
                                               "duration_minutes": 60,
                                               "location": {"kind": "google_meet"}})
    page = open_dashboard(context, stack, "/app/event-types")

    # A new event type: the video locations say what they wait for; Phone is offered
    page.get_by_role("button", name="New event type").click()
    location = page.locator("#et-location")
    for kind, text in (("google_meet", "Google Meet (Connect Google Calendar first)"),
                       ("teams", "Microsoft Teams (Connect Outlook first)"),
                       ("zoom", "Zoom (Connect Zoom first)")):
        option = location.locator(f'option[value="{kind}"]')
        expect(option).to_be_disabled()
        expect(option).to_have_text(text)
    expect(location).to_have_value("phone")
    warning = page.locator("#et-location-warning")
    expect(warning).to_be_hidden()
    page.locator("#et-cancel").click()

    # An event type saved on Google Meet keeps it, with a warning beside it
    page.get_by_role("button", name="Edit Strategy session").click()
    expect(location).to_have_value("google_meet")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Google Calendar is not connected, so bookings get no "
                                    "Google Meet link")
    expect(page.get_by_label("Location", exact=True)).to_have_accessible_description(
        re.compile(r"^Google Calendar is not connected"))
    assert audit(page) == []
    page.get_by_role("button", name="Save event type").click()
    expect(page.locator(".toast", has_text="Strategy session saved")).to_be_visible()
    r = context.request.get(f"{stack.api_url}/me/event-types/{saved['id']}")
    assert r.json()["location"]["kind"] == "google_meet"


def test_a_broken_connection_asks_to_reconnect_before_its_video_location(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    page = context.new_page()
    page.route("**/me/connections", lambda route: route.fulfill(json={"connections": [
        {"provider": "zoom", **CONNECTED, "status": "broken",
         "broken_reason": "Zoom no longer accepts Penny's access"}]}))
    page.goto(f"{stack.api_url}/app/event-types")

    page.get_by_role("button", name="New event type").click()

    expect(page.locator('#et-location option[value="zoom"]')).to_have_text(
        "Zoom (Reconnect Zoom first)")


def create_event_type(context: BrowserContext, stack: LocalStack,
                      body: dict[str, Any]) -> dict[str, Any]:
    r = context.request.post(f"{stack.api_url}/me/event-types",
                             headers=csrf_headers(context, stack), data=body)
    assert r.status == 201, r.text()
    return dict(r.json())
