"""A flood of bookings from one address is a bill and a blocked calendar: it is capped."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.settings import Settings
from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, bookings_per_attendee_per_day=2)


def test_one_address_gets_a_clear_429_after_the_days_allowance(api: Api) -> None:
    make_host(api)
    for start in ("2026-11-24T14:00:00Z", "2026-11-24T15:00:00Z"):
        assert api.post("/hosts/alice/intro/bookings", f.booking(start)).status == 201

    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T16:00:00Z"))

    assert (r.status, r.code) == (429, "too_many_bookings")
    assert int(r.headers["Retry-After"]) > 0
    assert "2 bookings" in r.json["error"]["message"]
    slots = api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC")
    assert "2026-11-24T16:00:00+00:00" in [s["start"] for s in slots.json["slots"]["2026-11-24"]]


def test_a_retry_with_the_same_idempotency_key_is_a_replay_not_a_new_count(api: Api) -> None:
    make_host(api)
    first = f.booking("2026-11-24T14:00:00Z")
    for _ in range(3):
        r = api.post("/hosts/alice/intro/bookings", first, headers={"Idempotency-Key": "k1"})
        assert r.status == 201

    assert api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T15:00:00Z")).status == 201


def test_other_addresses_still_book_when_one_is_capped(api: Api) -> None:
    make_host(api)
    for start in ("2026-11-24T14:00:00Z", "2026-11-24T15:00:00Z"):
        api.post("/hosts/alice/intro/bookings", f.booking(start))
    other = f.booking("2026-11-24T16:00:00Z")
    other["attendee"]["email"] = "cy@example.com"

    assert api.post("/hosts/alice/intro/bookings", other).status == 201
