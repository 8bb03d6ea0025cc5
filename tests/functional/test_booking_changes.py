"""Cancel, reschedule and the .ics invite, from the secret links and the host's session."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar

from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host

SLOTS = "/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC"


def book(api: Api, start: str = "2026-11-24T14:00:00Z") -> dict[str, Any]:
    r = api.post("/hosts/alice/intro/bookings", f.booking(start))
    assert r.status == 201, r.json
    return dict(r.json)


def offered(api: Api) -> list[str]:
    return [s["start"] for s in api.get(SLOTS).json["slots"].get("2026-11-24", [])]


def invite(api: Api, booking: dict[str, Any]) -> Any:
    r = api.get(f"/bookings/{booking['uid']}/invite.ics?token={booking['links']['cancel_token']}")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.body)
    return cal, cal.walk("VEVENT")[0]


def test_attendee_cancels_from_the_secret_link_and_the_slot_is_free_again(api: Api) -> None:
    make_host(api)
    b = book(api)
    r = api.post(f"/bookings/{b['uid']}/cancel", {"token": b["links"]["cancel_token"],
                                                  "reason": "conflict"})
    assert r.status == 200, r.json
    assert (r.json["status"], r.json["cancel_reason"]) == ("cancelled", "conflict")
    assert "2026-11-24T14:00:00+00:00" in offered(api)
    again = api.post(f"/bookings/{b['uid']}/cancel", {"token": b["links"]["cancel_token"]})
    assert (again.status, again.code) == (409, "booking_not_active")


def test_wrong_or_swapped_token_is_not_found(api: Api) -> None:
    make_host(api)
    b = book(api)
    bad = api.post(f"/bookings/{b['uid']}/cancel", {"token": "not-the-token"})
    assert (bad.status, bad.code) == (404, "not_found")
    # The reschedule token does not cancel.
    swapped = api.post(f"/bookings/{b['uid']}/cancel", {"token": b["links"]["reschedule_token"]})
    assert swapped.status == 404
    assert api.get(f"/bookings/{b['uid']}?token=nope").status == 404


def test_attendee_reschedules_keeping_uid_and_history(api: Api, clock: FixedClock) -> None:
    make_host(api)
    b = book(api)
    clock.advance(minutes=5)
    r = api.post(f"/bookings/{b['uid']}/reschedule",
                 {"token": b["links"]["reschedule_token"], "start": "2026-11-24T16:00:00Z"})
    assert r.status == 200, r.json
    moved = r.json
    assert moved["uid"] == b["uid"]
    assert (moved["start"], moved["sequence"]) == ("2026-11-24T16:00:00+00:00", 1)
    assert moved["history"] == [{"start": "2026-11-24T14:00:00+00:00",
                                 "end": "2026-11-24T14:30:00+00:00",
                                 "changed_at": "2026-11-23T12:05:00+00:00"}]
    assert "2026-11-24T14:00:00+00:00" in offered(api)
    assert "2026-11-24T16:00:00+00:00" not in offered(api)


def test_reschedule_onto_a_taken_slot_is_refused_and_changes_nothing(api: Api) -> None:
    make_host(api)
    b = book(api)
    book(api, "2026-11-24T15:00:00Z")
    r = api.post(f"/bookings/{b['uid']}/reschedule",
                 {"token": b["links"]["reschedule_token"], "start": "2026-11-24T15:00:00Z"})
    assert (r.status, r.code) == (409, "slot_taken")
    view = api.get(f"/bookings/{b['uid']}?token={b['links']['cancel_token']}").json
    assert (view["start"], view["sequence"]) == ("2026-11-24T14:00:00+00:00", 0)


def test_reschedule_to_an_overlapping_later_start_of_itself_is_allowed(api: Api) -> None:
    make_host(api, duration_minutes=60, slot_interval_minutes=30)
    b = book(api)
    r = api.post(f"/bookings/{b['uid']}/reschedule",
                 {"token": b["links"]["reschedule_token"], "start": "2026-11-24T14:30:00Z"})
    assert r.status == 200, r.json


def test_ics_keeps_uid_bumps_sequence_and_cancels(api: Api) -> None:
    make_host(api)
    b = book(api)
    cal, event = invite(api, b)
    assert str(cal["METHOD"]) == "REQUEST"
    uid = str(event["UID"])
    assert uid == f"{b['uid']}@penny"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART").isoformat() == "2026-11-24T14:00:00+00:00"
    assert "mailto:alice@example.com" in str(event["ORGANIZER"])
    api.post(f"/bookings/{b['uid']}/reschedule",
             {"token": b["links"]["reschedule_token"], "start": "2026-11-24T16:00:00Z"})
    _, moved = invite(api, b)
    assert (str(moved["UID"]), int(moved["SEQUENCE"])) == (uid, 1)
    assert moved.decoded("DTSTART").isoformat() == "2026-11-24T16:00:00+00:00"
    api.post(f"/bookings/{b['uid']}/cancel", {"token": b["links"]["cancel_token"]})
    cal, cancelled = invite(api, b)
    assert str(cal["METHOD"]) == "CANCEL"
    assert (str(cancelled["UID"]), str(cancelled["STATUS"])) == (uid, "CANCELLED")
    assert int(cancelled["SEQUENCE"]) == 2


def test_host_lists_views_and_cancels_its_bookings(api: Api, clock: FixedClock) -> None:
    token = make_host(api)
    first, second = book(api), book(api, "2026-11-24T15:00:00Z")
    listed = api.get("/me/bookings", token=token).json["bookings"]
    assert [x["uid"] for x in listed] == [first["uid"], second["uid"]]
    assert all(x["links"] is None for x in listed)  # the attendee's secrets stay theirs
    r = api.post(f"/me/bookings/{first['uid']}/cancel", {"reason": "sick"}, token=token)
    assert r.status == 200 and r.json["status"] == "cancelled"
    assert [x["uid"] for x in api.get("/me/bookings", token=token).json["bookings"]] == [
        second["uid"]]
    cancelled = api.get("/me/bookings?status=cancelled", token=token).json["bookings"]
    assert [x["uid"] for x in cancelled] == [first["uid"]]
    clock.advance(days=2)
    token = api.post("/auth/login", {"email": "alice@example.com",
                                     "password": "correct horse battery"}).json["access_token"]
    past = api.get("/me/bookings?status=past", token=token).json["bookings"]
    assert [x["uid"] for x in past] == [second["uid"]]


def test_a_booking_that_already_started_cannot_be_cancelled(api: Api, clock: FixedClock) -> None:
    make_host(api)
    b = book(api)
    clock.advance(days=1, hours=3)
    r = api.post(f"/bookings/{b['uid']}/cancel", {"token": b["links"]["cancel_token"]})
    assert (r.status, r.code) == (409, "booking_not_active")
