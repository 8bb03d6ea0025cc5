"""Every slot offered on a clock-change day books, through the API: hosts whose hours run
over midnight (00:00-01:30 and 22:30-24:00) in zones whose clocks change then (Santiago
skips or repeats midnight, Lord Howe moves by half an hour), visitors far away
(Kathmandu, Chatham, Lord Howe, St John's), hour-long meetings on a half-hour grid with a
buffer after and a daily limit. Each booking is cancelled again so the next slot is free.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock

ALL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.mark.parametrize(("host_zone", "visitor", "day", "now"), [
    ("America/Santiago", "Asia/Kathmandu", "2026-04-04", "2026-04-01T00:00:00+00:00"),
    ("America/Santiago", "Pacific/Chatham", "2026-09-05", "2026-09-01T00:00:00+00:00"),
    ("America/New_York", "Australia/Lord_Howe", "2026-11-01", "2026-10-28T00:00:00+00:00"),
    ("Australia/Lord_Howe", "America/St_Johns", "2026-10-04", "2026-10-01T00:00:00+00:00"),
])
def test_every_slot_offered_around_a_clock_change_books(
        api: Api, clock: FixedClock, host_zone: str, visitor: str, day: str, now: str) -> None:
    clock.current = datetime.fromisoformat(now)
    token = api.post("/auth/signup", f.signup("alice", timezone=host_zone)).json["access_token"]
    r = api.put("/me/schedule", f.weekdays(("00:00", "01:30"), ("22:30", "24:00"), days=ALL),
                token=token)
    assert r.status == 200, r.json
    r = api.post("/me/event-types", f.event_type(duration_minutes=60, slot_interval_minutes=30,
                                                 buffer_after_minutes=10, daily_limit=50),
                 token=token)
    assert r.status == 201, r.json

    r = api.get(f"/hosts/alice/intro/slots?start={day}&end={day}&timeZone={visitor}")
    offered = [s["start"] for starts in r.json["slots"].values() for s in starts]

    assert r.status == 200 and offered
    for n, start in enumerate(offered):
        body = f.booking(start)
        body["attendee"]["email"] = f"client{n}@example.com"
        r = api.post("/hosts/alice/intro/bookings", body)
        assert r.status == 201, (start, r.json)
        r = api.post(f"/bookings/{r.json['uid']}/cancel",
                     {"token": r.json["links"]["cancel_token"]})
        assert r.status == 200, r.json
