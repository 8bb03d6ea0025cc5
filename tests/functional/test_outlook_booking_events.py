"""Every Outlook event of a booking, found by the booking's tag (a single-value extended
property) and deleted when the booking no longer wants it: Penny's API, the calendar job,
Graph's client (requests) and the sandbox's Graph, on moto.

Graph chooses event ids, so an event whose create answer was lost (the event made, the
Lambda dead, or the answer gone) is not in Penny's record; its tag finds it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.events import EventKind
from chalicelib.domain.providers.calendars import CalendarEvent
from chalicelib.domain.timerange import TimeRange
from sandbox.calendar_model import CalendarEvent as StoredEvent
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_calendars import (
    at,
    host_calendar,
    host_id,
    next_weekday,
    run_calendar_job,
)
from tests.functional.test_connections import connect


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    token = make_sandbox_host(api, sandbox, clock)
    connect(api, token, "microsoft")
    return token


def penny_events(sandbox: ProviderSandbox) -> list[StoredEvent]:
    return [e for e in sandbox.events("microsoft") if e.created_by_app]


def book(api: Api, clock: FixedClock, hour: int) -> dict[str, Any]:
    booked = api.post("/hosts/alice/intro/bookings",
                      f.booking(at(next_weekday(clock), hour).isoformat()))
    assert booked.status == 201, booked.body
    return dict(booked.json)


def cancel(api: Api, booked: dict[str, Any], owner: str) -> None:
    r = api.post(f"/bookings/{booked['uid']}/cancel",
                 {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"])
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"], n=2)  # a redelivery


def reschedule(api: Api, booked: dict[str, Any], clock: FixedClock, hour: int) -> None:
    moved = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"],
        "start": at(next_weekday(clock), hour).isoformat()})
    assert moved.status == 200, moved.body


def made_unrecorded(owner: str, sandbox: ProviderSandbox, uid: str, key: str) -> str:
    """An event of booking `uid` made by a create Graph no longer matched to its
    transactionId (a retry long after its answer was lost): tagged, and in no record."""
    calendar = sandbox.calendars("microsoft")[0].id
    start = penny_events(sandbox)[0].start
    return host_calendar(owner, "microsoft").create_event(calendar, CalendarEvent(
        key=key, title="Intro with Bo Booker", when=TimeRange(start, start + timedelta(
            minutes=30)), attendee_name="Bo Booker", attendee_email="bo@example.com",
        booking_uid=uid)).id


def test_a_cancel_deletes_an_outlook_event_whose_create_answer_was_lost(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner, booked = host_id(api, host), book(api, clock, 11)
    sandbox.lose_next_answers("microsoft", "events.create")
    with pytest.raises(ProviderUnavailableError):
        run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    assert len(penny_events(sandbox)) == 1   # made, and no record of it

    cancel(api, booked, owner)

    assert penny_events(sandbox) == []


def test_a_cancel_deletes_an_outlook_event_a_reschedule_made_again_without_recording_it(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner, booked = host_id(api, host), book(api, clock, 11)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    (first,) = penny_events(sandbox)
    host_calendar(owner, "microsoft").delete_event(first.calendar_id, first.id)  # the host
    reschedule(api, booked, clock, 14)
    # The reschedule makes the event again; Graph's answer is lost and the booking is
    # cancelled before any retry: the record still names the deleted event.
    sandbox.lose_next_answers("microsoft", "events.create")
    with pytest.raises(ProviderUnavailableError):
        run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])
    (again,) = penny_events(sandbox)
    assert again.id != first.id

    cancel(api, booked, owner)

    assert penny_events(sandbox) == []


def test_a_cancel_never_touches_another_bookings_event_nor_the_hosts_with_the_same_subject(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner = host_id(api, host)
    kept, booked = book(api, clock, 9), book(api, clock, 11)   # both Bo's: one subject
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, kept["uid"])
    (other,) = penny_events(sandbox)
    hosts_own = sandbox.add_event("microsoft", other.title, other.start, other.end)
    sandbox.lose_next_answers("microsoft", "events.create")
    with pytest.raises(ProviderUnavailableError):
        run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])

    cancel(api, booked, owner)

    assert [e.id for e in penny_events(sandbox)] == [other.id]
    assert hosts_own.id in {e.id for e in sandbox.events("microsoft")}


def test_a_cancel_deletes_every_page_of_the_bookings_outlook_events(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner, booked = host_id(api, host), book(api, clock, 11)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    for n in range(3):
        made_unrecorded(owner, sandbox, booked["uid"], f"{booked['uid']}-retried-{n}")
    sandbox.set_page_size(2)
    listed = sandbox.api_calls("microsoft", "events.list")

    cancel(api, booked, owner)

    assert penny_events(sandbox) == []
    # The first run's listing takes two pages (three events, two a page); the
    # redelivery's finds none.
    assert sandbox.api_calls("microsoft", "events.list") - listed == 3


def test_a_cancel_whose_recorded_outlook_event_is_already_gone_deletes_the_others(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner, booked = host_id(api, host), book(api, clock, 11)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    (recorded,) = penny_events(sandbox)
    made_unrecorded(owner, sandbox, booked["uid"], f"{booked['uid']}-retried")
    host_calendar(owner, "microsoft").delete_event(recorded.calendar_id, recorded.id)
    deleted = sandbox.api_calls("microsoft", "events.delete")

    cancel(api, booked, owner)   # Graph answers the recorded event's delete 404: done

    assert penny_events(sandbox) == []
    assert sandbox.api_calls("microsoft", "events.delete") - deleted == 2


def test_a_reschedule_that_makes_the_outlook_event_again_deletes_the_bookings_others(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner, booked = host_id(api, host), book(api, clock, 11)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    (first,) = penny_events(sandbox)
    stray = made_unrecorded(owner, sandbox, booked["uid"], f"{booked['uid']}-retried")
    sandbox.age_event("microsoft", stray, timedelta(hours=1))   # its run died long ago
    host_calendar(owner, "microsoft").delete_event(first.calendar_id, first.id)  # the host
    reschedule(api, booked, clock, 14)
    listed = sandbox.api_calls("microsoft", "events.list")

    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])

    (event,) = penny_events(sandbox)
    assert event.start == at(next_weekday(clock), 14)
    assert sandbox.api_calls("microsoft", "events.list") - listed == 1


def test_an_outlook_cancel_asks_graph_twice_and_a_move_once(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    owner, booked = host_id(api, host), book(api, clock, 11)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])

    def event_calls() -> dict[str, int]:
        return {k: v for k, v in sandbox.api_call_counts("microsoft").items()
                if k.startswith("events.")}

    def spent(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
        return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
    before = event_calls()
    reschedule(api, booked, clock, 14)
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])
    moved = event_calls()
    r = api.post(f"/bookings/{booked['uid']}/cancel",
                 {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"])

    assert spent(moved, before) == {"events.patch": 1}
    assert spent(event_calls(), moved) == {"events.delete": 1, "events.list": 1}
