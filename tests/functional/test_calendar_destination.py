"""GET /me/connections says whose calendar new bookings go to (`destination_provider`),
from Penny's stored choice: the event type editor warns that a Google Meet link (made
only on a Google Calendar event) or a Teams link (only on an Outlook one) cannot be made,
without asking the providers for the calendars (GET /me/calendars does)."""

from __future__ import annotations

import pytest

from sandbox.server import ProviderSandbox
from tests.functional.conftest import Api, FixedClock
from tests.functional.dynamodb_requests import recorded
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_connections import connect


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def destination(api: Api, token: str) -> str | None:
    r = api.get("/me/connections", token=token)
    assert r.status == 200, r.body
    return r.json["destination_provider"]  # type: ignore[no-any-return]


def test_a_host_with_no_calendar_sends_new_bookings_nowhere(api: Api, host: str) -> None:
    connect(api, host, "zoom")  # a video platform, not a calendar

    assert destination(api, host) is None


def test_the_connections_list_names_whose_calendar_new_bookings_go_to(
        api: Api, sandbox: ProviderSandbox, host: str) -> None:
    # GIVEN Google connected first (its primary receives new bookings), then Outlook
    connect(api, host, "google")
    connect(api, host, "microsoft")
    assert destination(api, host) == "google"  # Outlook's primary only counts for conflicts
    calendars = api.get("/me/calendars", token=host).json["calendars"]
    outlook = next(c["key"] for c in calendars if c["provider"] == "microsoft")
    counted = [c["key"] for c in calendars if c["conflicts"]]

    # WHEN the host sends new bookings to Outlook, then to no calendar
    r = api.put("/me/calendars", {"conflicts": counted, "destination": outlook}, token=host)
    assert r.status == 200, r.body
    to_outlook = destination(api, host)
    r = api.put("/me/calendars", {"conflicts": counted, "destination": None}, token=host)
    assert r.status == 200, r.body

    # THEN the list says so each time
    assert to_outlook == "microsoft"
    assert destination(api, host) is None


def test_disconnecting_the_destinations_provider_leaves_new_bookings_nowhere(
        api: Api, host: str) -> None:
    connect(api, host, "google")
    assert destination(api, host) == "google"

    assert api.delete("/me/connections/google", token=host).status == 204

    assert destination(api, host) is None


def test_the_list_asks_no_provider_and_reads_the_table_twice(
        api: Api, sandbox: ProviderSandbox, host: str) -> None:
    connect(api, host, "google")
    connect(api, host, "microsoft")
    asked = {p: sandbox.api_calls(p) for p in ("google", "microsoft")}

    with recorded() as requests:
        r = api.get("/me/connections", token=host)

    assert r.status == 200, r.body
    assert r.json["destination_provider"] == "google"
    # The host's connections, every provider's at once (payments too), and the stored
    # choice of calendars on the profile item
    assert requests.take() == {"Query": 1, "GetItem": 1}
    assert {p: sandbox.api_calls(p) for p in asked} == asked
