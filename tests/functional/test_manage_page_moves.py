"""The attendee's manage page offers Reschedule only where the reschedule page would take
the move: not once the host deleted or turned off the booking's event type (that page is
a 409 then), which the manage page says, leaving Cancel."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host

GONE = "This event type no longer takes bookings, so this booking cannot be moved"


def book(api: Api) -> dict[str, Any]:
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert r.status == 201, r.body
    return dict(r.json)


def page(api: Api, booked: dict[str, Any]) -> str:
    r = api.get(booked["links"]["view"].removeprefix("http://penny.test"))
    assert r.status == 200, r.body
    return r.body.decode()


def change_intro(api: Api, host: str, change: str) -> None:
    (intro,) = api.get("/me/event-types", token=host).json["event_types"]
    if change == "deleted":
        r = api.delete(f"/me/event-types/{intro['id']}", token=host)
        assert r.status == 204, r.body
        return
    turned = {"turned off": {"active": False}, "hidden": {"hidden": True}}[change]
    r = api.put(f"/me/event-types/{intro['id']}", f.event_type(**turned), token=host)
    assert r.status == 200, r.body


@pytest.mark.parametrize("change", ["deleted", "turned off"])
def test_a_booking_whose_event_type_no_longer_takes_bookings_offers_cancel_not_reschedule(
        api: Api, change: str) -> None:
    # GIVEN a booking, then its event type deleted or turned off by the host
    host = make_host(api)
    booked = book(api)
    change_intro(api, host, change)

    # WHEN the attendee opens their manage page
    html = page(api, booked)

    # THEN it says why there is no Reschedule, and Cancel stays and works
    assert 'id="reschedule-link"' not in html
    assert f"{GONE}; you can still cancel it below." in html
    assert 'id="cancel-section" aria-labelledby="cancel-title">' in html  # not hidden
    moved = api.get(booked["links"]["reschedule"].removeprefix("http://penny.test"))
    assert moved.status == 409  # what the Reschedule link led to
    r = api.post(f"/bookings/{booked['uid']}/cancel",
                 {"token": booked["links"]["cancel_token"]})
    assert (r.status, r.json["status"]) == (200, "cancelled"), r.body


def test_the_reschedule_links_holder_is_told_it_cannot_move_and_not_offered_cancel(
        api: Api) -> None:
    host = make_host(api)
    booked = book(api)
    change_intro(api, host, "deleted")

    # The manage page as the holder of the (forwardable) reschedule link sees it
    r = api.get(f"/booking/{booked['uid']}?token={booked['links']['reschedule_token']}")
    html = r.body.decode()

    assert r.status == 200, r.body
    assert 'id="reschedule-link"' not in html
    assert f"{GONE}." in html and "you can still cancel" not in html


def test_a_booking_of_a_hidden_event_type_can_still_be_rescheduled(api: Api) -> None:
    # Hidden is off the profile, still bookable by its link: the move page takes it.
    host = make_host(api)
    booked = book(api)
    change_intro(api, host, "hidden")

    html = page(api, booked)

    assert 'id="reschedule-link"' in html and GONE not in html
    assert api.get(booked["links"]["reschedule"].removeprefix(
        "http://penny.test")).status == 200
