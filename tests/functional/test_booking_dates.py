"""A booking window between two dates (a course from 1 to 4 December), in the host's
zone: saved and checked with the event type, and held by the slots, the booking and a
move. It is Monday 2026-11-23 12:00 UTC; Alice is in New York, open 09:00-17:00 on
weekdays."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host
from tests.functional.test_booking_pages import page_data

DECEMBER_1_TO_4 = {"start": "2026-12-01", "end": "2026-12-04"}


def course(api: Api, **event: Any) -> str:
    return make_host(api, "alice", booking_window_dates=DECEMBER_1_TO_4, **event)


def offered_days(api: Api, first: str, last: str) -> list[str]:
    r = api.get(f"/hosts/alice/intro/slots?start={first}&end={last}"
                "&timeZone=America/New_York")
    assert r.status == 200, r.json
    return [day for day, starts in r.json["slots"].items() if starts]


def test_an_event_type_with_booking_dates_is_saved_and_read_back(api: Api) -> None:
    token = course(api)

    listed = api.get("/me/event-types", token=token).json["event_types"][0]

    assert listed["booking_window_dates"] == DECEMBER_1_TO_4
    assert listed["booking_window_days"] is None
    assert api.get(f"/me/event-types/{listed['id']}", token=token).json == listed


@pytest.mark.parametrize(("dates", "field"), [
    ({"start": "2026-12-04", "end": "2026-12-01"}, "booking_window_dates.end"),
])
def test_booking_dates_ending_before_they_start_are_refused(
        api: Api, dates: dict[str, str], field: str) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type("course", booking_window_dates=dates),
                 token=token)

    assert r.status == 400, r.json
    assert (r.code, r.json["error"]["field"]) == ("invalid_booking_window", field)
    assert "2026-12-01 is before 2026-12-04" in r.json["error"]["message"]
    listed = api.get("/me/event-types", token=token).json["event_types"]
    assert [et["slug"] for et in listed] == ["intro"]


def test_booking_dates_and_a_rolling_window_together_are_refused(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type(
        "course", booking_window_dates=DECEMBER_1_TO_4, booking_window_days=30), token=token)

    assert r.status == 400, r.json
    assert (r.code, r.json["error"]["field"]) == ("invalid_booking_window",
                                                  "booking_window_dates")


@pytest.mark.parametrize("dates", [
    {"start": "2026-12-01"}, {"start": "1 December", "end": "2026-12-04"},
    {"start": "2026-12-01", "end": "2026-12-04", "zone": "UTC"}, "2026-12-01/2026-12-04",
])
def test_booking_dates_that_are_not_two_dates_are_refused_as_input(
        api: Api, dates: Any) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type("course", booking_window_dates=dates),
                 token=token)

    assert r.status == 400, r.json
    assert r.json["error"]["field"].startswith("booking_window_dates")


def test_slots_are_offered_only_on_the_booking_dates(api: Api) -> None:
    course(api)

    assert offered_days(api, "2026-11-23", "2026-12-20") == [
        "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]


def test_a_booking_before_the_dates_is_refused_as_before_the_window(api: Api) -> None:
    course(api)

    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-30T14:00:00Z"))

    assert r.status == 422, r.json
    assert (r.code, r.json["error"]["reason"]) == ("slot_unavailable", "before_booking_window")
    assert "2026-12-01 to 2026-12-04" in r.json["error"]["message"]


def test_a_booking_after_the_dates_is_refused_as_beyond_the_window(api: Api) -> None:
    course(api)

    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-12-07T14:00:00Z"))

    assert r.status == 422, r.json
    assert (r.code, r.json["error"]["reason"]) == ("slot_unavailable", "beyond_booking_window")


def test_a_booking_on_the_last_date_is_made(api: Api) -> None:
    course(api)

    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-12-04T21:30:00Z"))

    assert r.status == 201, r.json  # 16:30 in New York, the last slot of 4 December


def test_a_booking_moved_past_the_dates_is_refused_and_stays(api: Api) -> None:
    course(api)
    booked = api.post("/hosts/alice/intro/bookings", f.booking("2026-12-01T14:00:00Z")).json

    r = api.post(f"/bookings/{booked['uid']}/reschedule",
                 {"token": booked["links"]["reschedule_token"], "start": "2026-12-08T14:00:00Z"})

    assert r.status == 422, r.json
    assert r.json["error"]["reason"] == "beyond_booking_window"
    token = booked["links"]["cancel_token"]
    assert api.get(f"/bookings/{booked['uid']}?token={token}").json["start"] == \
        "2026-12-01T14:00:00+00:00"


def test_booking_dates_taken_away_open_the_rolling_days_again(api: Api) -> None:
    token = course(api)
    read = api.get("/me/event-types", token=token).json["event_types"][0]
    body = {k: v for k, v in read.items() if k != "id"}
    body["location"] = {"kind": "google_meet"}

    r = api.put(f"/me/event-types/{read['id']}", {**body, "booking_window_dates": None},
                token=token)

    assert r.status == 200, r.json
    assert r.json["booking_window_dates"] is None
    assert offered_days(api, "2026-11-23", "2026-11-24") == ["2026-11-23", "2026-11-24"]


def test_the_booking_page_carries_the_dates_and_the_host_midnights_they_open_and_close(
        api: Api) -> None:
    # 1 November 2026 is a clock change in New York: the 2nd opens at 05:00 UTC, not 04:00.
    make_host(api, "alice", booking_window_dates={"start": "2026-10-31",
                                                  "end": "2026-11-01"})

    event = page_data(api.get("/alice/intro"))["event"]

    assert event["booking_window_dates"] == {
        "start": "2026-10-31", "end": "2026-11-01",
        "opens": "2026-10-31T04:00:00Z", "closes": "2026-11-02T05:00:00Z"}
