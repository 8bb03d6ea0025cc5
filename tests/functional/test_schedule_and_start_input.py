"""Bad times in: a range that starts at 24:00 (which only ends a day), and a start or a
date not written in ISO 8601 (pydantic alone reads a Unix time as a date and time, and a
date and time as a date) are 400s with the field named, never a 500 or a guess."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host


@pytest.mark.parametrize("body", [
    {"weekly": {"monday": [{"start": "24:00", "end": "24:00"}]}},
    {"weekly": {}, "overrides": [{"date": "2026-12-24",
                                  "ranges": [{"start": "24:00", "end": "24:00"}]}]}])
def test_a_range_starting_at_2400_is_a_400_not_a_500(api: Api, body: dict[str, Any]) -> None:
    token = make_host(api)
    r = api.put("/me/schedule", body, token=token)
    assert (r.status, r.code) == (400, "validation_error"), r.body
    assert "24:00 only ends a day" in r.json["error"]["message"]


@pytest.mark.parametrize("start", ["1795528800", "20261124T140000Z", "24 Nov 2026 14:00"])
def test_a_booking_start_must_be_iso_8601(api: Api, start: str) -> None:
    make_host(api)
    r = api.post("/hosts/alice/intro/bookings", f.booking(start))
    assert (r.status, r.code, r.json["error"]["field"]) == (400, "validation_error", "start")
    assert "ISO 8601, like 2026-11-25T14:00:00Z" in r.json["error"]["message"]


def test_the_slots_dates_must_be_dates(api: Api) -> None:
    make_host(api)
    r = api.get("/hosts/alice/intro/slots?start=2026-11-24T00:00&end=2026-11-24")
    assert (r.status, r.code, r.json["error"]["field"]) == (400, "validation_error", "start")
    assert api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24").status == 200
