"""A conflict calendar the host can no longer read (deleted at the provider, or no longer
shared with them) is taken out of the host's calendars, never left to refuse every
booking or to break the whole connection; the host sees it on the calendar list with
the reason, and live on their dashboards. Penny's API, the real adapters
(google-api-python-client, requests for Graph) and the provider sandbox, on moto.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host, make_sandbox_host
from tests.functional.realtime_wiring import Wiring
from tests.functional.realtime_wiring import connect as open_socket
from tests.functional.test_calendars import at, next_weekday, starts
from tests.functional.test_connection_repaired import deliver
from tests.functional.test_connections import connect, status_of


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def count_both(api: Api, host: str, provider: str) -> dict[str, Any]:
    """The host counts both of the provider's calendars; new bookings go to the
    primary. The calendar list as it then is."""
    connect(api, host, provider)
    listed = api.get("/me/calendars", token=host).json["calendars"]
    primary = next(c["key"] for c in listed if c["primary"])
    r = api.put("/me/calendars", {"conflicts": [c["key"] for c in listed],
                                  "destination": primary}, token=host)
    assert r.status == 200, r.body
    assert all(c["conflicts"] for c in r.json["calendars"])
    return r.json


def calendars(api: Api, host: str) -> dict[str, Any]:
    r = api.get("/me/calendars", token=host)
    assert r.status == 200, r.body
    return r.json


def logged_in(api: Api) -> str:
    """A new access token for the host (theirs lasts 15 minutes of Penny's clock)."""
    r = api.post("/auth/login", {k: v for k, v in f.signup().items()
                                 if k in ("email", "password")})
    assert r.status == 200, r.body
    return str(r.json["access_token"])


@pytest.mark.parametrize("provider", ["microsoft", "google"])
def test_a_deleted_conflict_calendar_is_removed_and_bookings_are_accepted(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock,
        provider: str) -> None:
    count_both(api, host, provider)
    second = sandbox.calendars(provider)[1].id
    sandbox.delete_calendar(provider, second)      # in Outlook or Google Calendar
    clock.advance(minutes=11)                       # the copy is too old to stand in
    day = next_weekday(clock)

    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 14).isoformat()))
    clock.advance(minutes=30)
    again = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 15).isoformat()))

    assert booked.status == 201, booked.body      # was 503 calendar_unavailable, for good
    assert again.status == 201, again.body
    host = logged_in(api)
    listed = calendars(api, host)
    assert [c["key"] for c in listed["calendars"] if c["conflicts"]] == \
        [f"{provider}:{sandbox.calendars(provider)[0].id}"]
    (removed,) = listed["removed"]
    assert removed["key"] == f"{provider}:{second}" and removed["name"] is None
    assert "deleted" in removed["reason"] and removed["was_destination"] is False
    assert status_of(api, host, provider)["status"] == "connected"


def test_an_outlook_calendar_no_longer_shared_leaves_the_connection_working(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    count_both(api, host, "microsoft")
    primary, second = (c.id for c in sandbox.calendars("microsoft"))
    sandbox.fail_calendar("microsoft", second, status=403)   # its owner stopped sharing it
    clock.advance(minutes=6)
    day = next_weekday(clock)

    assert starts(api, day)                        # the stale copies are synced now
    listed = calendars(api, host)

    assert status_of(api, host, "microsoft")["status"] == "connected"   # was broken
    shown = {c["key"]: c for c in listed["calendars"]}
    assert shown[f"microsoft:{primary}"]["conflicts"]
    assert shown[f"microsoft:{primary}"]["failure"] is None
    assert datetime.fromisoformat(shown[f"microsoft:{primary}"]["synced_at"]) == clock.now()
    unshared = shown[f"microsoft:{second}"]
    assert not unshared["conflicts"] and "no longer lets you read" in unshared["failure"]
    (removed,) = listed["removed"]
    assert removed["key"] == f"microsoft:{second}" and removed["name"]
    # The primary is still asked afresh at booking: the host's new event there blocks.
    clock.advance(minutes=11)
    sandbox.add_event("microsoft", "Dentist", at(day, 14), at(day, 15))
    taken = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 14).isoformat()))
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 16).isoformat()))
    assert taken.status == 422 and taken.json["error"]["reason"] == "calendar_busy", taken.body
    assert booked.status == 201, booked.body
    assert status_of(api, logged_in(api), "microsoft")["status"] == "connected"


def test_a_deleted_destination_calendar_leaves_new_bookings_going_to_none(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    count_both(api, host, "google")
    primary, second = (f"google:{c.id}" for c in sandbox.calendars("google"))
    r = api.put("/me/calendars", {"conflicts": [primary, second], "destination": second},
                token=host)
    assert r.status == 200, r.body
    sandbox.delete_calendar("google", second.partition(":")[2])
    clock.advance(minutes=11)
    day = next_weekday(clock)

    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 14).isoformat()))

    assert booked.status == 201, booked.body
    listed = calendars(api, host)
    assert not any(c["destination"] for c in listed["calendars"])
    (removed,) = listed["removed"]
    assert removed["key"] == second and removed["was_destination"] is True
    # Another calendar chosen for new bookings: the removed one is still shown.
    r = api.put("/me/calendars", {"conflicts": [primary], "destination": primary},
                token=host)
    assert r.status == 200, r.body
    assert r.json["removed"] == [removed]


def test_the_hosts_dashboard_hears_live_of_a_calendar_taken_out(
        api: Api, sandbox: ProviderSandbox, host: str, wiring: Wiring,
        clock: FixedClock) -> None:
    count_both(api, host, "google")
    open_socket(api, "alice-1", host)
    other = make_host(api, slug="bob")
    open_socket(api, "bob-1", other)
    deliver(api, wiring)
    second = sandbox.calendars("google")[1].id
    sandbox.delete_calendar("google", second)
    clock.advance(minutes=11)
    day = next_weekday(clock)

    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 14).isoformat()))
    deliver(api, wiring)

    assert booked.status == 201, booked.body
    told = [m for m in wiring.sender.sent["alice-1"]
            if m["type"] == "connection.calendar_removed"]
    assert len(told) == 1 and told[0]["booking"] == {}
    news = told[0]["connection"]
    assert (news["provider"], news["status"], news["calendar"], news["was_destination"]) == \
        ("google", "connected", f"google:{second}", False)
    assert "deleted" in news["reason"]
    assert wiring.sender.types("bob-1") == []
