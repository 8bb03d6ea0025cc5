"""A reconnect's calendar catch-up, paced (services/calendar_catch_up.py): through Penny's
API, the table, the real google-api-python-client on the sandbox's fake Google, and the
calendar worker as its runner runs it."""

from __future__ import annotations

import pytest

from chalicelib.domain.events import EventKind
from chalicelib.services.calendar_catch_up import CATCH_UP_AT_ONCE
from chalicelib.store.bookings import BookingRepository
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_calendars import at, host_id, next_weekday, run_calendar_job
from tests.functional.test_connections import connect, expire_in_penny


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def asked(uids: list[str]) -> list[str]:
    """Those the calendar worker was asked for (`calendar.requested` on the stream)."""
    found = [BookingRepository().get(uid) for uid in uids]
    return [b.uid for b in found if b is not None and b.calendar_requested_at is not None]


def test_a_reconnected_google_gets_its_missing_events_two_jobs_at_a_time(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN four bookings made while the host's Google connection was broken
    connect(api, host, "google")
    owner, day = host_id(api, host), next_weekday(clock)
    sandbox.revoke("google")
    sandbox.expire_access_tokens("google")
    expire_in_penny(api, host, clock)
    uids = []
    for hour in (9, 11, 13, 15):
        booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, hour).isoformat()))
        assert booked.status == 201, booked.body
        uids.append(str(booked.json["uid"]))
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, uids[0])  # finds it broken

    # WHEN the host reconnects, and the worker runs each job asked for, in turn
    connect(api, host, "google")
    assert asked(uids) == uids[:CATCH_UP_AT_ONCE]  # the soonest; the others wait
    done: list[str] = []
    while pending := [u for u in asked(uids) if u not in done]:
        # THEN never more than two are asked and not yet run
        assert len(pending) <= CATCH_UP_AT_ONCE
        run_calendar_job(EventKind.CALENDAR_REQUESTED, owner, pending[0])
        done.append(pending[0])

    # and each booking reached Google, once
    assert done == uids
    made = sorted(e.start for e in sandbox.events("google") if e.created_by_app)
    assert made == [at(day, hour) for hour in (9, 11, 13, 15)]
