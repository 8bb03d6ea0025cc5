"""An Outlook calendar the host deletes with Penny's events of their bookings in it:
every later move and cancel of those bookings still ends well (a move makes the event in
the calendar the host writes bookings to now), since a calendar Graph no longer knows
holds none of their events. Penny's API, the calendar job, Graph's client (requests) and
the sandbox's Graph, on moto.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.events import EventKind
from chalicelib.store.provider_refs import ProviderRefRepository
from sandbox.server import ProviderSandbox
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_calendars import at, host_id, next_weekday, run_calendar_job
from tests.functional.test_connections import connect
from tests.functional.test_outlook_booking_events import book, cancel, reschedule


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    """A host who writes bookings to their second Outlook calendar."""
    token = make_sandbox_host(api, sandbox, clock)
    connect(api, token, "microsoft")
    write_bookings_to(api, token, sandbox.calendars("microsoft")[1].id)
    return token


def write_bookings_to(api: Api, token: str, calendar_id: str) -> None:
    """The host's "Add new bookings to" on the Connections page; the primary counts."""
    primary = next(c["key"] for c in api.get("/me/calendars", token=token).json["calendars"]
                   if c["primary"])
    r = api.put("/me/calendars", {"conflicts": [primary],
                                  "destination": f"microsoft:{calendar_id}"}, token=token)
    assert r.status == 200, r.body


def booked_in_a_calendar_then_deleted(api: Api, sandbox: ProviderSandbox, host: str,
                                      clock: FixedClock) -> tuple[str, dict[str, Any]]:
    owner, booked = host_id(api, host), book(api, clock, 11)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    second = sandbox.calendars("microsoft")[1].id
    assert len(sandbox.events("microsoft", calendar=second)) == 1
    sandbox.delete_calendar("microsoft", second)   # in Outlook, the event with it
    write_bookings_to(api, host, sandbox.calendars("microsoft")[0].id)
    return owner, booked


def test_a_move_after_the_host_deleted_the_outlook_calendar_makes_the_event_in_the_new_one(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner, booked = booked_in_a_calendar_then_deleted(api, sandbox, host, clock)
    primary = sandbox.calendars("microsoft")[0].id
    reschedule(api, booked, clock, 14)

    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])

    (event,) = sandbox.events("microsoft", calendar=primary)
    assert event.created_by_app and event.start == at(next_weekday(clock), 14)
    ref = ProviderRefRepository().get("calendar", booked["uid"])
    assert ref is not None and ref.external_id.startswith(f"microsoft:{primary}\n{event.id}")
    cancel(api, booked, owner)
    assert sandbox.events("microsoft", calendar=primary) == []
    assert ProviderRefRepository().get("calendar", booked["uid"]) is None


def test_a_cancel_after_the_host_deleted_the_outlook_calendar_forgets_its_event(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner, booked = booked_in_a_calendar_then_deleted(api, sandbox, host, clock)

    cancel(api, booked, owner)

    assert sandbox.events("microsoft", calendar=sandbox.calendars("microsoft")[0].id) == []
    assert ProviderRefRepository().get("calendar", booked["uid"]) is None
