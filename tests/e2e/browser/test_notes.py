"""Client notes in Notion and Google Docs and the pre-meeting brief, in the browser against
the local stack and its provider sandbox (issue 16's pages).

- A host connects the sandbox's Notion from the Connections page: connecting chose the
  one database the host shared ("Client notes"), and the card's "Notes go to" says so
  and saves another choice ("No notes") at once.
- A visitor books; the notes worker writes the client's notes page, the dashboard says
  "Notes saved" live and the booking's row links to the page, which holds the client's
  name and e-mail.
- A host connects Google Docs (Google's consent adds the Docs scopes to the Google
  connection): Penny makes the Drive folder "Penny client notes" and sends notes there,
  unless they already go to Notion, which keeps them while the folder is offered beside
  it. A booking's Notes link then opens its Google Doc.
- A premium host (the operator's switch, set here on the stack's table as
  `make premium` does) gets a brief on each confirmed booking: "Brief ready" live, and
  the row's Brief with its Prepare and Ask lists; the notes page ends with it too.

The workers run on the stack's pollers; every wait is an expectation with a deadline.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
import requests
from playwright.sync_api import BrowserContext, Locator, Page, Route, expect

from chalicelib.store.hosts import HostRepository
from tests.e2e.browser.audit import audit
from tests.e2e.browser.conftest import NewContext, eventually
from tests.e2e.browser.test_connections import (
    card,
    connect,
    connections_of,
    penny_console_errors,
)
from tests.e2e.browser.test_dashboard import (
    CLIENT_PHONE,
    csrf_headers,
    first_slot,
    open_dashboard,
    sign_up_in_browser,
    view,
)
from tests.e2e.browser.visitor import choose_slot, confirm, fill_details, open_booking
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
SEEDED_DATABASE = "Client notes"  # the sandbox's one shared database (sandbox/notion_store.py)
NOTION_CHOICE = f"Notion: {SEEDED_DATABASE}"  # as "Notes go to" offers it
# The Drive folder Penny makes on connecting Google Docs (integrations/google_docs_notes.py)
DOCS_CHOICE = "Google Docs: Penny client notes"
INTRO = {"slug": "intro", "title": "Intro call", "duration_minutes": 30,
         "location": {"kind": "phone"},
         "questions": [{"id": "topic", "label": "What should we focus on?", "type": "text"}]}


@pytest.fixture(scope="module")
def hosts(stack_table: None) -> HostRepository:
    """The host repository on the stack's table, as the operator's `make premium` uses it."""
    return HostRepository()


def visitor_books(new_context: NewContext, stack: LocalStack, slug: str, name: str,
                  topic: str) -> tuple[str, str]:
    """A visitor in London books the host's intro call, answering its question; the
    name and e-mail they booked with (made unique, so a row is theirs alone)."""
    tag = secrets.token_hex(2)
    who, email = f"{name} {tag}", f"{name.split()[0].lower()}.{tag}@example.com"
    visitor = open_booking(new_context("Europe/London"), stack, f"{slug}/intro")
    choose_slot(visitor)
    fill_details(visitor, name=who, email=email, topic=topic, phone=CLIENT_PHONE)
    confirm(visitor)
    return who, email


def host_with_an_intro(context: BrowserContext, stack: LocalStack) -> str:
    """A new host, logged in in `context`, bookable on weekdays all day (UTC) for an
    intro call with one question; returns its slug."""
    slug, _ = sign_up_in_browser(context, stack)
    headers = csrf_headers(context, stack)
    weekly = {day: [{"start": "00:00", "end": "24:00"}] for day in WEEKDAYS}
    r = context.request.put(f"{stack.api_url}/me/schedule", headers=headers,
                            data={"weekly": weekly})
    assert r.status == 200, r.text()
    r = context.request.post(f"{stack.api_url}/me/event-types", headers=headers, data=INTRO)
    assert r.status == 201, r.text()
    return slug


def connect_notion(page: Page, stack: LocalStack) -> Locator:
    """Connect the sandbox's Notion from the Connections page; its "Notes go to" select."""
    connect(page, stack, "Notion")
    notion = card(page, "Notion")
    expect(notion.locator(".integration-badge")).to_have_text("Connected")
    return notion.get_by_label("Notes go to")


def connect_google_docs(page: Page, stack: LocalStack) -> Locator:
    """Connect the sandbox's Google for notes from the Google Docs card; that card."""
    connect(page, stack, "Google Docs")
    docs = card(page, "Google Docs")
    expect(docs.locator(".integration-badge")).to_have_text("Connected")
    return docs


def notes_setting(context: BrowserContext, stack: LocalStack) -> dict[str, Any]:
    r = context.request.get(f"{stack.api_url}/me/notes")
    assert r.status == 200, r.text()
    return dict(r.json())


def bookings_view(page: Page) -> Locator:
    page.get_by_role("link", name="Bookings").click()
    expect(page.locator("#live-pill")).to_have_attribute("data-state", "live")
    return view(page, "bookings")


def book_with_an_answer(stack: LocalStack, slug: str, who: str, topic: str) -> None:
    """A client books the intro call through the API, answering its question."""
    r = requests.post(f"{stack.api_url}/hosts/{slug}/intro/bookings", timeout=30, json={
        "start": first_slot(stack, slug, "intro"),
        "answers": {"topic": topic, "phone": CLIENT_PHONE},
        "attendee": {"name": who, "email": "ada@example.com", "timezone": "Europe/London"}})
    assert r.status_code == 201, r.text


def notes_page_text(url: str) -> str:
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.text
    return r.text


def test_a_host_connects_notion_and_a_new_booking_gets_a_notes_page_linked_from_its_row(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)  # for the accessibility audit's script
    slug = host_with_an_intro(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    errors = penny_console_errors(page, stack)

    # WHEN the host connects Notion, sharing the sandbox's one database
    select = connect_notion(page, stack)

    # THEN connecting chose it: the card says where notes go
    expect(select.locator("option:checked")).to_have_text(NOTION_CHOICE)
    expect(select.locator("option")).to_have_text(["No notes", NOTION_CHOICE])
    assert audit(page) == []

    # A change is saved at once, and said under the select; a reload reads it back
    select.select_option(label="No notes")
    status = page.locator("#notes-status")
    expect(status).to_have_text("Saved: Penny writes no notes.")
    page.reload()
    expect(select.locator("option:checked")).to_have_text("No notes")
    select.select_option(label=NOTION_CHOICE)
    expect(status).to_have_text(f"Saved: each booking's notes go to {NOTION_CHOICE}.")

    # WHEN a visitor books the intro call, with an answer
    bookings = bookings_view(page)
    who, email = visitor_books(new_context, stack, slug, "Grace Hopper", "Hiring our first PM")

    # THEN the dashboard hears that the notes were saved, and the row links to them
    expect(page.locator(".toast", has_text="Notes saved: Intro call")).to_be_visible()
    row = bookings.locator(".booking", has_text=who)
    notes = row.get_by_role("link", name=re.compile(r"^Notes"))
    expect(notes).to_be_visible()
    expect(notes).to_have_attribute("target", "_blank")
    expect(notes).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    expect(notes).to_have_accessible_name(f"Notes on Intro call with {who} (opens a new tab)")
    assert row.locator(".booking-brief, .booking-brief-note").count() == 0  # not premium
    assert audit(page) == []

    # ... and the notes page (the sandbox's Notion) holds the client's name and e-mail
    url = str(notes.get_attribute("href"))
    assert url.startswith(stack.sandbox_url), url
    with context.expect_page() as opened:
        notes.click()
    notion = opened.value
    expect(notion.get_by_role("listitem").filter(has_text=f"Client: {who}")).to_be_visible()
    expect(notion.get_by_role("listitem").filter(has_text=f"E-mail: {email}")).to_be_visible()
    expect(notion.locator("body")).to_contain_text(
        "What should we focus on?: Hiring our first PM")
    assert errors == []


def test_a_premium_hosts_booking_gets_a_brief_shown_in_its_row_and_its_notes(
        stack: LocalStack, new_context: NewContext, hosts: HostRepository) -> None:
    context = new_context(bypass_csp=True)  # for the accessibility audit's script
    slug = host_with_an_intro(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    errors = penny_console_errors(page, stack)
    expect(connect_notion(page, stack).locator("option:checked")).to_have_text(NOTION_CHOICE)
    # The brief is the operator's to set up, not the host's to connect
    brief_card = card(page, "Pre-meeting brief")
    expect(brief_card).to_contain_text("On for premium hosts")
    expect(brief_card.get_by_role("button")).to_have_count(0)

    # GIVEN the operator switched the host's premium plan on (`make premium`)
    hosts.set_premium(slug, True)
    bookings = bookings_view(page)

    # WHEN a client books
    who = f"Ada Lovelace {secrets.token_hex(2)}"
    book_with_an_answer(stack, slug, who, "Pricing our analytics engine")

    # THEN the dashboard hears the brief is ready, and the row shows it
    expect(page.locator(".toast", has_text="Brief ready: Intro call")).to_be_visible()
    row = bookings.locator(".booking", has_text=who)
    brief = row.locator(".booking-brief")
    brief.get_by_text("Brief", exact=True).click()
    expect(brief.get_by_role("heading", name="Prepare")).to_be_visible()
    expect(brief.get_by_role("heading", name="Ask")).to_be_visible()
    expect(brief.locator("dt")).to_have_text(["Who", "Wants"])
    expect(brief.locator("dd").nth(1)).to_contain_text("Pricing our analytics engine")
    expect(brief.get_by_role("list").last.get_by_role("listitem")).to_have_text(
        [f'Ask {who} more about "What should we focus on?".'])
    expect(row.get_by_role("link", name=re.compile(r"^Notes"))).to_be_visible()
    assert audit(page) == []

    # ... and the notes page ends with the brief (whichever worker finished last wrote it)
    url = str(row.get_by_role("link", name=re.compile(r"^Notes")).get_attribute("href"))
    eventually(lambda: "Prepare: " in notes_page_text(url), "the brief in the notes page")
    text = notes_page_text(url)
    assert f"Client: {who}" in text and "Ask: " in text, text
    assert errors == []


def test_an_unreachable_notion_no_shared_database_a_refused_choice_and_no_brief_are_said_plainly(
        stack: LocalStack, new_context: NewContext) -> None:
    """The states the sandbox does not make on demand, from stubbed answers."""
    context = new_context(bypass_csp=True)
    slug = host_with_an_intro(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    select = connect_notion(page, stack)
    expect(select.locator("option:checked")).to_have_text(NOTION_CHOICE)
    chosen = str(notes_setting(context, stack)["destination"]["data_source_id"])
    assert select.input_value() == f"notion:{chosen}"
    answers: list[dict[str, Any]] = [{
        "destination": {"provider": "notion", "database_id": "db-1", "data_source_id": chosen,
                        "title": SEEDED_DATABASE},
        "databases": [], "unreachable": "Notion did not answer in time."}]

    def notes(route: Route) -> None:
        if route.request.method == "GET":
            return route.fulfill(json=answers[-1])
        return route.fulfill(status=404, json={"error": {
            "code": "not_found", "message": "Notion does not list that database for Penny: "
            "share it with Penny in Notion, then choose it again", "field": None}})
    page.route("**/me/notes", notes)

    # GIVEN Notion did not answer: the choice stands, and the card says why it is alone
    page.reload()
    notion = card(page, "Notion")
    expect(notion).to_contain_text(
        "Couldn't reach Notion just now to list your databases: Notion did not answer in time.")
    expect(select.locator("option:checked")).to_have_text(NOTION_CHOICE)
    assert audit(page) == []

    # WHEN the host un-shared every database, then tries again
    answers.append({"destination": None, "databases": [], "unreachable": None})
    notion.get_by_role("button", name="Try again").click()
    expect(notion).to_contain_text(
        "Share a database with Penny in Notion, then reload.")
    expect(select).to_be_hidden()
    assert audit(page) == []

    # WHEN a choice is refused: it says so, and the select shows what is saved
    answers.append({"destination": None, "databases": [
        {"provider": "notion", "database_id": "db-1", "data_source_id": chosen,
         "title": SEEDED_DATABASE}], "unreachable": None})
    notion.get_by_role("button", name="Reload").click()
    expect(select.locator("option:checked")).to_have_text("No notes")
    select.select_option(label=NOTION_CHOICE)
    expect(page.locator("#notes-status")).to_have_text(
        "Not saved: Notion does not list that database for Penny: share it with Penny in "
        "Notion, then choose it again")
    expect(select.locator("option:checked")).to_have_text("No notes")

    # A booking whose brief was not written says why, in a muted line
    who = f"Mary Jackson {secrets.token_hex(2)}"
    book_with_an_answer(stack, slug, who, "Wind tunnels")

    def capped(route: Route) -> None:
        listed = route.fetch().json()
        for booking in listed["bookings"]:
            booking["brief_note"] = ("Not written: this month's 100 briefs are used. "
                                     "Briefs start again on the 1st (UTC).")
        route.fulfill(json=listed)
    page.route("**/me/bookings?*", capped)
    bookings = bookings_view(page)
    row = bookings.locator(".booking", has_text=who)
    expect(row.locator(".booking-brief-note")).to_have_text(
        "Brief: Not written: this month's 100 briefs are used. "
        "Briefs start again on the 1st (UTC).")
    expect(row.locator(".booking-brief")).to_have_count(0)
    assert audit(page) == []
    # The list is read again live: a stubbed read still in flight must not outlive the test
    page.unroute_all(behavior="ignoreErrors")


def test_a_host_connects_google_docs_and_a_new_booking_gets_a_google_doc_linked_from_its_row(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)  # for the accessibility audit's script
    slug = host_with_an_intro(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    errors = penny_console_errors(page, stack)

    # GIVEN Google connected for the calendar alone: that is no Google Docs
    connect(page, stack, "Google Calendar")
    expect(card(page, "Google Calendar").locator(".integration-badge")).to_have_text("Connected")
    docs = card(page, "Google Docs")
    expect(docs.locator(".integration-badge")).to_have_text("Not connected")
    expect(docs).to_contain_text("Penny asks Google to write Google Docs")
    expect(page.get_by_role("button", name="Connect Google Docs")).to_be_enabled()
    expect(page.get_by_label("Notes go to")).to_have_count(0)

    # WHEN the host connects Google Docs, allowing it on Google's (the sandbox's) page
    docs = connect_google_docs(page, stack)

    # THEN one Google connection serves both cards (incremental consent kept the
    # calendar), it holds the Docs scopes, and notes go to the folder Penny made
    expect(page.locator("#connections-status")).to_contain_text(
        "Google Calendar and Google Docs are connected")
    expect(card(page, "Google Calendar").locator(".integration-badge")).to_have_text("Connected")
    granted = connections_of(context, stack)["google"]["scopes"]
    assert {"https://www.googleapis.com/auth/documents",
            "https://www.googleapis.com/auth/drive.file",
            "https://www.googleapis.com/auth/calendar.events.owned"} <= set(granted), granted
    select = docs.get_by_label("Notes go to")
    expect(select.locator("option:checked")).to_have_text(DOCS_CHOICE)
    expect(select.locator("option")).to_have_text(["No notes", DOCS_CHOICE])
    assert notes_setting(context, stack)["destination"]["provider"] == "google"
    assert audit(page) == []

    # WHEN a visitor books the intro call, with an answer
    bookings = bookings_view(page)
    who, email = visitor_books(new_context, stack, slug, "Katherine Johnson",
                               "Orbital mechanics")

    # THEN the dashboard hears the notes were saved, and the row links to the Google Doc
    expect(page.locator(".toast", has_text="Notes saved: Intro call")).to_be_visible()
    notes = bookings.locator(".booking", has_text=who).get_by_role(
        "link", name=re.compile(r"^Notes"))
    expect(notes).to_have_accessible_name(f"Notes on Intro call with {who} (opens a new tab)")
    url = str(notes.get_attribute("href"))
    assert url.startswith(stack.sandbox_url) and "/_sandbox/docs/" in url, url

    # ... which opens the doc (the sandbox's Google Docs) with the client's name and e-mail
    with context.expect_page() as opened:
        notes.click()
    doc = opened.value
    expect(doc.get_by_role("listitem").filter(has_text=f"Client: {who}")).to_be_visible()
    expect(doc.get_by_role("listitem").filter(has_text=f"E-mail: {email}")).to_be_visible()
    expect(doc.locator("body")).to_contain_text("What should we focus on?: Orbital mechanics")
    assert errors == []


def test_notes_going_to_notion_stay_there_when_google_docs_is_connected_and_its_folder_is_offered(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context(bypass_csp=True)  # for the accessibility audit's script
    host_with_an_intro(context, stack)
    page = open_dashboard(context, stack, "/app/connections")
    errors = penny_console_errors(page, stack)
    # GIVEN notes going to Notion
    expect(connect_notion(page, stack).locator("option:checked")).to_have_text(NOTION_CHOICE)

    # WHEN the host connects Google Docs (Google for notes alone)
    docs = connect_google_docs(page, stack)
    expect(page.locator("#connections-status")).to_contain_text("Google Docs is connected")

    # THEN notes still go to Notion; the one "Notes go to", under the first notes card,
    # offers the Drive folder beside it, each labelled by its provider
    select = card(page, "Notion").get_by_label("Notes go to")
    expect(select.locator("option:checked")).to_have_text(NOTION_CHOICE)
    expect(select.locator("option")).to_have_text(["No notes", NOTION_CHOICE, DOCS_CHOICE])
    expect(page.get_by_label("Notes go to")).to_have_count(1)
    expect(docs.get_by_label("Notes go to")).to_have_count(0)
    assert notes_setting(context, stack)["destination"]["provider"] == "notion"
    # ... and a Google connection made for the Docs alone is no Google Calendar
    expect(card(page, "Google Calendar").locator(".integration-badge")).to_have_text(
        "Not connected")
    expect(page.locator("#calendars")).to_be_hidden()
    assert audit(page) == []
    page.get_by_role("link", name="Event types").click()
    page.get_by_role("button", name="New event type").click()
    expect(page.locator('#et-location option[value="google_meet"]')).to_have_text(
        "Google Meet (Connect Google Calendar first)")
    page.locator("#et-cancel").click()
    page.get_by_role("link", name="Connections").click()

    # WHEN the host chooses the Drive folder: saved with its provider, and read back
    select.select_option(label=DOCS_CHOICE)
    expect(page.locator("#notes-status")).to_have_text(
        f"Saved: each booking's notes go to {DOCS_CHOICE}.")
    destination = notes_setting(context, stack)["destination"]
    assert (destination["provider"], destination["title"]) == ("google", "Penny client notes")
    page.reload()
    expect(select.locator("option:checked")).to_have_text(DOCS_CHOICE)

    # WHEN the host disconnects Google Docs: the dialog says it is Google's one connection,
    # and notes that went there now go nowhere
    page.get_by_role("button", name="Disconnect Google Docs").click()
    dialog = page.locator("#disconnect-dialog")
    expect(dialog).to_contain_text("Disconnect Google Docs?")
    dialog.get_by_role("button", name="Disconnect", exact=True).click()
    expect(docs.locator(".integration-badge")).to_have_text("Not connected")
    expect(select.locator("option")).to_have_text(["No notes", NOTION_CHOICE])
    expect(select.locator("option:checked")).to_have_text("No notes")
    assert errors == []
