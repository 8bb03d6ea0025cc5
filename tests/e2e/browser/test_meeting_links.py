"""A Google Meet link is made only on a Google Calendar event, a Teams link only on an
Outlook one: the event type editor and the Connections page say when the calendar new
bookings go to cannot make an event type's link (against the local stack and its
provider sandbox; one state the sandbox does not need, with stubbed answers).

- The editor holds Meet or Teams back while new bookings go to another calendar or to
  none, with why ("Add new bookings to Outlook first"), and keeps a saved one with the
  warning beside the location, in plain words.
- Your calendars names the event types a choice of calendar leaves without their link,
  as the host picks it (before saving), once saved, and in the save's toast.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.scopes import GOOGLE
from tests.e2e.browser.audit import audit
from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_calendars_and_video import CONNECTED, create_event_type
from tests.e2e.browser.test_connections import calendars_listed, connect, penny_console_errors
from tests.e2e.browser.test_dashboard import open_dashboard, sign_up_in_browser
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

MEET_TYPE = {"slug": "strategy", "title": "Strategy session", "duration_minutes": 60,
             "location": {"kind": "google_meet"}}
TEAMS_TYPE = {"slug": "team-sync", "title": "Team sync", "duration_minutes": 30,
              "location": {"kind": "teams"}}


def host_with_meet_and_teams(context: BrowserContext, stack: LocalStack) -> None:
    sign_up_in_browser(context, stack)
    create_event_type(context, stack, MEET_TYPE)
    create_event_type(context, stack, TEAMS_TYPE)


def destination_provider(context: BrowserContext, stack: LocalStack) -> Any:
    r = context.request.get(f"{stack.api_url}/me/connections")
    assert r.status == 200, r.text()
    return r.json()["destination_provider"]


def lost_links(page: Page) -> Any:
    return page.locator("#calendars-links-lost")


def test_your_calendars_names_the_event_types_a_choice_leaves_without_their_link(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    host_with_meet_and_teams(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    errors = penny_console_errors(page, stack)

    # GIVEN Google connected first (its primary receives new bookings), then Outlook
    connect(page, stack, "Google Calendar")
    connect(page, stack, "Outlook Calendar")
    calendars_listed(page, "microsoft")
    assert destination_provider(context, stack) == "google"

    # THEN Your calendars says the Teams event type gets no link while bookings go to Google
    notice = lost_links(page)
    expect(notice).to_contain_text(
        "New bookings go to Google Calendar, so these event types get no video link:")
    expect(notice).to_contain_text(
        "Team sync: a Microsoft Teams link is made only on an Outlook event.")
    expect(notice).not_to_contain_text("Strategy session")
    assert audit(page) == []

    # WHEN the host picks Outlook's primary calendar for new bookings (not saved yet)
    outlook = page.locator('#calendars-list li.calendar[data-key^="microsoft:"]',
                           has_text="Primary")
    outlook.get_by_role("radio", name=re.compile(r"^Add new bookings to ")).check()

    # THEN it names the Meet event type, which that choice would leave without its link
    expect(notice).to_contain_text("If you save this, new bookings go to Outlook, and these "
                                   "event types get no video link:")
    expect(notice).to_contain_text(
        "Strategy session: a Google Meet link is made only on a Google Calendar event.")
    expect(notice).not_to_contain_text("Team sync")
    assert audit(page) == []

    # WHEN they save: the toast says it too, and so does the notice, now of the saved choice
    page.get_by_role("button", name="Save calendars").click()
    expect(page.locator(".toast", has_text="Calendars saved")).to_contain_text(
        "Strategy session gets no Google Meet link: see Your calendars.")
    expect(notice).to_contain_text(
        "New bookings go to Outlook, so these event types get no video link:")
    assert destination_provider(context, stack) == "microsoft"

    # ... and the event type editor says it beside the location
    notice.get_by_role("link", name="Event types").click()
    page.get_by_role("button", name="Edit Strategy session").click()
    location = page.locator("#et-location")
    expect(location).to_have_value("google_meet")
    warning = page.locator("#et-location-warning")
    expect(warning).to_have_text(
        "New bookings go to Outlook, and a Google Meet link is made only on a Google Calendar "
        "event, so bookings get no Google Meet link: clients are told you will send one. Add "
        "new bookings to one of your Google calendars under Your calendars on Connections, "
        "or choose another location.")
    expect(page.get_by_label("Location", exact=True)).to_have_accessible_description(
        re.compile(r"^New bookings go to Outlook"))
    expect(location.locator('option[value="teams"]')).to_be_enabled()
    assert audit(page) == []
    page.locator("#et-cancel").click()
    page.get_by_role("button", name="Edit Team sync").click()
    expect(location).to_have_value("teams")
    expect(warning).to_be_hidden()
    expect(location.locator('option[value="google_meet"]')).to_be_disabled()
    expect(location.locator('option[value="google_meet"]')).to_have_text(
        "Google Meet (Add new bookings to Google Calendar first)")
    assert errors == []


def test_with_new_bookings_in_no_calendar_meet_and_teams_wait_for_one(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)
    sign_up_in_browser(context, stack)
    create_event_type(context, stack, TEAMS_TYPE)
    page = context.new_page()
    # GIVEN (stubbed answer) Google and Outlook connected, new bookings added to no calendar
    page.route("**/me/connections", lambda route: route.fulfill(json={
        "connections": [{**CONNECTED, "provider": p, "scopes": list(GOOGLE[Feature.CALENDAR])
                         if p == "google" else []} for p in ("google", "microsoft", "zoom")],
        "destination_provider": None}))
    page.goto(f"{stack.api_url}/app/event-types")

    # WHEN the host starts a new event type
    page.get_by_role("button", name="New event type").click()

    # THEN Meet and Teams say what they wait for; Zoom makes its own link
    location = page.locator("#et-location")
    for kind, text in (("google_meet", "Google Meet (Add new bookings to Google Calendar first)"),
                       ("teams", "Microsoft Teams (Add new bookings to Outlook first)")):
        expect(location.locator(f'option[value="{kind}"]')).to_be_disabled()
        expect(location.locator(f'option[value="{kind}"]')).to_have_text(text)
    expect(location.locator('option[value="zoom"]')).to_be_enabled()
    page.locator("#et-cancel").click()

    # ... and one saved on Teams keeps it, with the warning
    page.get_by_role("button", name="Edit Team sync").click()
    expect(location).to_have_value("teams")
    expect(page.locator("#et-location-warning")).to_have_text(
        "New bookings are not added to a calendar, and a Microsoft Teams link is made only on "
        "an Outlook event, so bookings get no Microsoft Teams link: clients are told you will "
        "send one. Add new bookings to one of your Outlook calendars under Your calendars on "
        "Connections, or choose another location.")
    assert audit(page) == []
