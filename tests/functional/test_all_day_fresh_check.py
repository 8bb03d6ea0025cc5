"""A booking's fresh check of the host's calendars meets an all-day event (a day off)
where the host lives far from UTC: the real adapters (requests for Graph,
google-api-python-client) against the provider sandbox, which places all-day events as
the vendors do (Graph: midnight to midnight in the zone the event was made in; Google:
in the calendar's zone), and Penny's API on moto.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_calendars import (
    deliver,
    local_starts,
    next_weekday,
    outlook_day_off,
)
from tests.functional.test_connections import connect

# Where each host lives, and an hour of their working day (9:00-17:00 there) that is
# another UTC date than their own: Sydney's morning is the UTC day before, Honolulu's
# afternoon the UTC day after.
HOSTS = {"Australia/Sydney": 9, "Pacific/Honolulu": 16}


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def living_in(api: Api, host: str, zone: str) -> None:
    assert api.put("/me/profile", f.profile(timezone=zone), token=host).status == 200


def book(api: Api, day: date, hour: int, zone: str) -> tuple[int, str]:
    start = datetime.combine(day, time(hour), ZoneInfo(zone)).astimezone(UTC)
    r = api.post("/hosts/alice/intro/bookings", f.booking(start.isoformat()))
    return r.status, r.code if r.status >= 400 else r.json["uid"]


@pytest.mark.parametrize(("zone", "hour"), HOSTS.items())
def test_a_booking_on_an_outlook_day_off_far_from_utc_is_refused(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock, zone: str,
        hour: int) -> None:
    # GIVEN a host far from UTC with Outlook connected, whose day off Outlook keeps as
    # a UTC mailbox does (Graph reads its dates as UTC days), and a slots page that has
    # read it: that whole day, in the host's zone, is not offered
    living_in(api, host, zone)
    connect(api, host, "microsoft")
    day = next_weekday(clock)
    outlook_day_off(sandbox, day)
    clock.current += timedelta(minutes=6)  # no push here: the copy's short expiry
    assert local_starts(api, day, zone) == []

    # WHEN a client books that date at a working hour that is another UTC date
    status, code = book(api, day, hour, zone)

    # THEN the booking's fresh check of Outlook finds the day off too
    assert (status, code) == (422, "slot_unavailable")


@pytest.mark.parametrize(("zone", "hour"), HOSTS.items())
def test_a_booking_on_a_google_day_off_far_from_utc_is_refused(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock, zone: str,
        hour: int) -> None:
    # GIVEN a host far from UTC whose Google calendar lives in their zone, with a day off
    # in it (all day: Google places its date midnight to midnight in the calendar's zone)
    living_in(api, host, zone)
    sandbox.calendar_zone("google", zone)
    connect(api, host, "google")
    day = next_weekday(clock)
    before = len(sandbox.notifications("google"))
    sandbox.add_event("google", "Day off", datetime.combine(day, time()),
                      datetime.combine(day + timedelta(days=1), time()), all_day=True)
    deliver(api, sandbox, "google", before)  # Google's push: the copy has it
    assert local_starts(api, day, zone) == []

    # WHEN a client books that date at a working hour that is another UTC date
    status, code = book(api, day, hour, zone)

    # THEN Google's freeBusy, asked afresh, finds the day off too
    assert (status, code) == (422, "slot_unavailable")
