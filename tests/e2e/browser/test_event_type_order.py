"""The host orders their event types on the dashboard: Move up / Move down on each card,
by keyboard and by touch; the list and the public profile show the order chosen, and a
move made over an order changed in another tab is refused, the list shown as it now is.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Locator, expect

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


def event_types_page(stack: LocalStack, new_context: NewContext, **options: object
                     ) -> tuple[BrowserContext, str, Locator]:
    """A new host with Intro call, then Strategy session, on the dashboard's event types."""
    context = new_context(**options)
    slug, _ = sign_up_in_browser(context, stack)
    set_up_host(context, stack, slug)
    types = view(open_dashboard(context, stack, "/app/event-types"), "event-types")
    expect(types.locator(".et-title")).to_have_text(["Intro call", "Strategy session"])
    return context, slug, types


def profile_titles(context: BrowserContext, stack: LocalStack, slug: str) -> list[str]:
    page = context.new_page()
    page.goto(f"{stack.api_url}/{slug}")
    titles = page.locator(".event-title").all_text_contents()
    page.close()
    return titles


def test_the_host_moves_an_event_type_down_and_up_by_keyboard_and_the_profile_follows(
        stack: LocalStack, new_context: NewContext) -> None:
    context, slug, types = event_types_page(stack, new_context)
    # The first card cannot go up, the last cannot go down
    expect(types.get_by_role("button", name="Move up: Intro call")).to_be_disabled()
    expect(types.get_by_role("button", name="Move down: Strategy session")).to_be_disabled()

    # WHEN the host moves Intro call down with the keyboard
    down = types.get_by_role("button", name="Move down: Intro call")
    down.focus()
    down.press("Enter")

    # THEN the list shows it last, the focus stays on its card (now on Move up: it is at
    # the bottom), and the public profile lists it last too
    expect(types.locator(".et-title")).to_have_text(["Strategy session", "Intro call"])
    expect(types.get_by_role("button", name="Move up: Intro call")).to_be_focused()
    assert profile_titles(context, stack, slug) == ["Strategy session", "Intro call"]

    # AND Space moves it back up
    types.page.keyboard.press("Space")
    expect(types.locator(".et-title")).to_have_text(["Intro call", "Strategy session"])
    expect(types.get_by_role("button", name="Move down: Intro call")).to_be_focused()
    assert profile_titles(context, stack, slug) == ["Intro call", "Strategy session"]


def test_the_host_moves_an_event_type_up_by_touch_and_a_reload_keeps_the_order(
        stack: LocalStack, new_context: NewContext) -> None:
    _, _, types = event_types_page(stack, new_context, has_touch=True,
                                   viewport={"width": 390, "height": 844})

    types.get_by_role("button", name="Move up: Strategy session").tap()

    expect(types.locator(".et-title")).to_have_text(["Strategy session", "Intro call"])
    types.page.reload()
    again = view(types.page, "event-types")
    expect(again.locator(".et-title")).to_have_text(["Strategy session", "Intro call"])


def test_a_move_over_an_order_changed_in_another_tab_is_refused_and_the_list_shown_as_it_is(
        stack: LocalStack, new_context: NewContext) -> None:
    context, _, types = event_types_page(stack, new_context)
    # GIVEN another tab made a third event type since this list was read
    r = context.request.post(f"{stack.api_url}/me/event-types",
                             headers=csrf_headers(context, stack),
                             data={"slug": "review", "title": "Review", "duration_minutes": 30,
                                   "location": {"kind": "zoom"}})
    assert r.status == 201, r.text()

    # WHEN this tab moves Strategy session up
    types.get_by_role("button", name="Move up: Strategy session").click()

    # THEN the move is refused in words, and the list shows the three as they are
    expect(types.page.locator("#toasts")).to_contain_text("Could not move the event type")
    expect(types.locator(".et-title")).to_have_text(
        ["Intro call", "Strategy session", "Review"])
    # and the move made again is made
    types.get_by_role("button", name="Move up: Strategy session").click()
    expect(types.locator(".et-title")).to_have_text(
        ["Strategy session", "Intro call", "Review"])
