"""Two tabs editing the same thing: the second save is refused, not made over the first.

The editors send the version they read (PUT /me/event-types/{id}, PUT /me/profile); the
API refuses a save when another was made since (409 event_type_changed /
profile_changed, with the object as it now stands), and the form says so, shows the
stored values and leaves the host to make their change again.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Locator, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import (
    csrf_headers,
    open_dashboard,
    profile_of,
    set_up_host,
    sign_up_in_browser,
    view,
)
from tests.e2e.browser.test_dashboard_settings import event_type_of
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

CHANGED = "was changed elsewhere"


def intro_call_open_in_two_tabs(stack: LocalStack, new_context: NewContext
                                ) -> tuple[BrowserContext, Locator, Locator]:
    """A new host's Intro call open in the event type editor of two tabs of one browser
    context: the context and the two tabs' views."""
    context = new_context()
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    first, second = (view(open_dashboard(context, stack, "/app/event-types"), "event-types")
                     for _ in range(2))
    for tab in (first, second):
        tab.get_by_role("button", name="Edit Intro call").click()
        expect(tab.get_by_label("Title")).to_have_value("Intro call")
    return context, first, second


def test_the_second_tab_saving_an_event_type_is_refused_and_shown_the_first_tabs_values(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN one host with Intro call open in the editor of two tabs
    context, first, second = intro_call_open_in_two_tabs(stack, new_context)

    # WHEN the first retitles it and saves, then the second makes it 45 minutes and saves
    first.get_by_label("Title").fill("Intro chat")
    first.get_by_role("button", name="Save event type").click()
    expect(first.locator(".event-type", has_text="Intro chat")).to_be_visible()
    second.get_by_label("Duration (minutes)").fill("45")
    second.get_by_role("button", name="Save event type").click()

    # THEN the second is refused: it says so, and its form shows the stored values
    alert = second.locator("#et-form .form-error")
    expect(alert).to_contain_text(CHANGED)
    expect(alert).to_be_focused()
    expect(second.get_by_label("Title")).to_have_value("Intro chat")
    expect(second.get_by_label("Duration (minutes)")).to_have_value("30")
    intro = event_type_of(context, stack, "intro")
    assert (intro["title"], intro["duration_minutes"]) == ("Intro chat", 30)

    # WHEN the host makes their change again: it is saved over the first tab's
    second.get_by_label("Duration (minutes)").fill("45")
    second.get_by_role("button", name="Save event type").click()
    expect(second.locator(".event-type", has_text="Intro chat")).to_contain_text("45 min")
    intro = event_type_of(context, stack, "intro")
    assert (intro["title"], intro["duration_minutes"]) == ("Intro chat", 45)


def test_the_second_tab_saving_the_profile_is_refused_and_shown_the_first_tabs_values(
        stack: LocalStack, new_context: NewContext) -> None:
    context = new_context()
    sign_up_in_browser(context, stack)
    first, second = (view(open_dashboard(context, stack, "/app/profile"), "profile")
                     for _ in range(2))
    for tab in (first, second):
        expect(tab.get_by_label("Display name")).to_have_value("Dana Dash")

    first.get_by_label("Display name").fill("Dana D.")
    first.get_by_role("button", name="Save profile").click()
    expect(first.page.get_by_text("Profile saved")).to_be_visible()
    second.get_by_label("About you").fill("Coffee chats.")
    second.get_by_role("button", name="Save profile").click()

    alert = second.locator("#profile-form .form-error")
    expect(alert).to_contain_text(CHANGED)
    expect(second.get_by_label("Display name")).to_have_value("Dana D.")
    expect(second.get_by_label("About you")).to_have_value("")
    assert profile_of(context, stack)["description"] == ""

    second.get_by_label("About you").fill("Coffee chats.")
    second.get_by_role("button", name="Save profile").click()
    expect(second.page.get_by_text("Profile saved")).to_be_visible()
    profile = profile_of(context, stack)
    assert (profile["display_name"], profile["description"]) == ("Dana D.", "Coffee chats.")


def test_deleting_an_event_type_another_tab_saved_since_is_refused_then_made_on_a_second_try(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN Intro call open in the editor of two tabs, and the first tab's save of it
    context, first, second = intro_call_open_in_two_tabs(stack, new_context)
    first.get_by_label("Title").fill("Intro chat")
    first.get_by_role("button", name="Save event type").click()
    expect(first.locator(".event-type", has_text="Intro chat")).to_be_visible()
    second.page.on("dialog", lambda dialog: dialog.accept())

    # WHEN the second tab deletes the event type it opened before that save
    second.get_by_role("button", name="Delete").click()

    # THEN nothing is deleted: it says so, and shows the event type as it is now
    alert = second.locator("#et-form .form-error")
    expect(alert).to_contain_text(CHANGED)
    expect(alert).to_contain_text("not deleted")
    expect(second.get_by_label("Title")).to_have_value("Intro chat")
    assert event_type_of(context, stack, "intro")["title"] == "Intro chat"

    # WHEN the host, having seen it, deletes it again: it is deleted
    second.get_by_role("button", name="Delete").click()
    expect(second.page.get_by_text("Intro chat deleted")).to_be_visible()
    expect(second.locator(".event-type", has_text="Intro chat")).to_have_count(0)
    listed = context.request.get(f"{stack.api_url}/me/event-types",
                                 headers=csrf_headers(context, stack)).json()["event_types"]
    assert "intro" not in [et["slug"] for et in listed]
