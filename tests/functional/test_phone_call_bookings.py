"""A phone call's booking: the client gives the number to call, the host reads it in their
list, and the client's pages and invite say they will be called at it."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host

START = "2026-11-24T14:00:00Z"
CALL_AT = "+1 555 0100"


def book(api: Api, **answers: str) -> Any:
    return api.post("/hosts/alice/intro/bookings", f.booking(START, answers=answers))


def manage_page(api: Api, booking: dict[str, Any]) -> str:
    page = api.get(f"/booking/{booking['uid']}?token={booking['links']['cancel_token']}")
    assert page.status == 200
    return str(page.body.decode())


def invite_description(api: Api, booking: dict[str, Any]) -> str:
    r = api.get(f"/bookings/{booking['uid']}/invite.ics?token={booking['links']['cancel_token']}")
    assert r.status == 200
    return str(Calendar.from_ical(r.body).walk("VEVENT")[0]["description"])


def test_a_phone_call_booked_without_the_number_is_refused_naming_the_field(
        api: Api) -> None:
    make_host(api, location={"kind": "phone"})

    r = book(api)

    assert r.status == 400
    assert r.json["error"] == {"code": "invalid_answer", "field": "answers.phone",
                               "message": "'Your phone number' is required"}


def test_the_number_to_call_is_kept_and_in_the_hosts_list(api: Api) -> None:
    token = make_host(api, location={"kind": "phone"})

    r = book(api, phone=CALL_AT)

    assert r.status == 201, r.json
    assert (r.json["answers"], r.json["phone"]) == ({"phone": CALL_AT}, CALL_AT)
    (listed,) = api.get("/me/bookings", token=token).json["bookings"]
    assert (listed["answers"], listed["phone"]) == ({"phone": CALL_AT}, CALL_AT)
    # The host's own questions stay as they wrote them: none.
    (et,) = api.get("/me/event-types", token=token).json["event_types"]
    assert et["questions"] == []


def test_the_client_is_told_they_will_be_called_at_the_number_they_gave(api: Api) -> None:
    make_host(api, location={"kind": "phone"})

    booked = book(api, phone=CALL_AT).json

    assert f"the host will call you at {CALL_AT}." in manage_page(api, booked)
    assert f"Phone call: the host will call you at {CALL_AT}." in invite_description(api, booked)


def test_a_phone_call_without_a_number_still_shows_everywhere(api: Api) -> None:
    # A host's own phone question, left optional: the booking has no number to call, as
    # those made before Penny asked for one.
    token = make_host(api, location={"kind": "phone"},
                      questions=[f.question("mobile", "phone", label="Mobile")])

    r = book(api)

    assert r.status == 201, r.json
    assert r.json["phone"] is None
    assert "the host will call you at the time of the meeting." in manage_page(api, r.json)
    assert "will call you" not in invite_description(api, r.json)
    (listed,) = api.get("/me/bookings", token=token).json["bookings"]
    assert (listed["answers"], listed["phone"]) == ({}, None)
