"""Cancel, reschedule and the .ics invite, from the secret links and the host's session."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar

from chalicelib.domain.bookings import MAX_MOVES
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.dynamodb_requests import recorded
from tests.functional.hosts import make_host

SLOTS = "/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC"


def book(api: Api, start: str = "2026-11-24T14:00:00Z", **answers: str) -> dict[str, Any]:
    r = api.post("/hosts/alice/intro/bookings", f.booking(start, answers=answers))
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


def move_slots(api: Api, booking: dict[str, Any], token: str | None = None) -> Any:
    token = token or booking["links"]["reschedule_token"]
    return api.get(f"/bookings/{booking['uid']}/slots?start=2026-11-24&end=2026-11-24"
                   f"&timeZone=UTC&token={token}")


def test_the_times_a_booking_may_move_to_count_its_own_time_as_free(api: Api) -> None:
    make_host(api, duration_minutes=60, slot_interval_minutes=30)
    b = book(api)                                                # 14:00-15:00
    r = move_slots(api, b)
    assert r.status == 200, r.json
    starts = [s["start"] for s in r.json["slots"]["2026-11-24"]]
    assert {"2026-11-24T14:00:00+00:00", "2026-11-24T14:30:00+00:00"} <= set(starts)
    assert "2026-11-24T14:30:00+00:00" not in offered(api)       # others see it taken
    assert r.headers["Cache-Control"] == "no-store"


def test_after_the_host_shortens_the_event_a_booking_moves_at_its_own_length(
        api: Api) -> None:
    token = make_host(api)
    b = book(api)                                                # 14:00-14:30
    book(api, "2026-11-24T16:30:00Z")
    intro = api.get("/me/event-types", token=token).json["event_types"][0]
    r = api.put(f"/me/event-types/{intro['id']}", f.event_type(duration_minutes=15),
                token=token)
    assert r.status == 200, r.json

    r = move_slots(api, b)
    assert r.json["duration_minutes"] == 30
    starts = [s["start"] for s in r.json["slots"]["2026-11-24"]]
    assert "2026-11-24T16:15:00+00:00" not in starts             # 16:15-16:45 meets 16:30
    assert "2026-11-24T16:15:00+00:00" in offered(api)           # a new 15 minutes fits
    moved = api.post(f"/bookings/{b['uid']}/reschedule",
                     {"token": b["links"]["reschedule_token"], "start": "2026-11-24T16:15:00Z"})
    assert (moved.status, moved.code) == (409, "slot_taken")
    moved = api.post(f"/bookings/{b['uid']}/reschedule",
                     {"token": b["links"]["reschedule_token"], "start": "2026-11-24T15:45:00Z"})
    assert moved.status == 200, moved.json
    assert moved.json["end"] == "2026-11-24T16:15:00+00:00"


def test_move_times_need_the_reschedule_link_and_a_movable_booking(api: Api) -> None:
    make_host(api)
    b = book(api)
    assert (move_slots(api, b, "not-the-token").status, move_slots(api, b, "x").code) == (
        404, "not_found")
    assert move_slots(api, b, b["links"]["cancel_token"]).status == 404
    wide = api.get(f"/bookings/{b['uid']}/slots?start=2026-11-01&end=2027-02-01"
                   f"&token={b['links']['reschedule_token']}")
    assert (wide.status, wide.code) == (400, "validation_error")
    api.post(f"/bookings/{b['uid']}/cancel", {"token": b["links"]["cancel_token"]})
    r = move_slots(api, b)
    assert (r.status, r.code) == (409, "booking_not_active")


def test_moving_to_the_time_it_has_changes_nothing_and_moves_are_bounded(api: Api) -> None:
    make_host(api)
    b = book(api)
    move = {"token": b["links"]["reschedule_token"], "start": "2026-11-24T14:00:00Z"}
    same = api.post(f"/bookings/{b['uid']}/reschedule", move)
    assert (same.status, same.json["sequence"], same.json["history"]) == (200, 0, [])
    for n in range(MAX_MOVES):
        start = "2026-11-24T15:00:00Z" if n % 2 == 0 else "2026-11-24T14:00:00Z"
        r = api.post(f"/bookings/{b['uid']}/reschedule", {**move, "start": start})
        assert r.status == 200, r.json
    r = api.post(f"/bookings/{b['uid']}/reschedule", {**move, "start": "2026-11-24T16:00:00Z"})
    assert (r.status, r.code) == (409, "too_many_moves")
    assert "20 times" in r.json["error"]["message"]
    r = api.post(f"/bookings/{b['uid']}/cancel", {"token": b["links"]["cancel_token"]})
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


def test_a_meeting_in_progress_is_listed_first_under_upcoming_in_one_read_until_it_ends(
        api: Api, clock: FixedClock) -> None:
    make_host(api)
    ended, under_way, later = (book(api, f"2026-11-24T{hour}:00:00Z")["uid"]
                               for hour in ("14", "15", "16"))
    clock.current = datetime(2026, 11, 24, 15, 5, tzinfo=UTC)  # the host opens it to join
    login = {"email": "alice@example.com", "password": "correct horse battery"}

    def listed(status: str) -> list[str]:
        token = api.post("/auth/login", login).json["access_token"]
        with recorded() as requests:
            r = api.get(f"/me/bookings?status={status}", token=token)
            reads.append(requests.take())
        assert r.status == 200, r.json
        return [b["uid"] for b in r.json["bookings"]]

    reads: list[dict[str, int]] = []
    upcoming = listed("upcoming")
    assert upcoming == [under_way, later]
    assert reads[0] == {"Query": 1}  # the host's index, from the longest meeting ago
    assert listed("past") == [ended]
    clock.current = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # its end
    assert (listed("upcoming"), listed("past")) == ([later], [under_way, ended])


def test_the_host_pages_through_bookings_with_the_cursor_past_cancelled_ones(
        api: Api) -> None:
    token = make_host(api)
    made = []
    for n, hour in enumerate(("14", "15", "16", "17", "18")):
        body = f.booking(f"2026-11-24T{hour}:00:00Z")
        body["attendee"]["email"] = f"client{n}@example.com"
        r = api.post("/hosts/alice/intro/bookings", body)
        assert r.status == 201, r.json
        made.append(r.json["uid"])
    for uid in made[:2]:
        api.post(f"/me/bookings/{uid}/cancel", {}, token=token)

    first = api.get("/me/bookings?limit=2", token=token).json
    second = api.get(f"/me/bookings?limit=2&cursor={first['next_cursor']}", token=token).json

    assert [b["uid"] for b in first["bookings"]] == made[2:4]
    assert ([b["uid"] for b in second["bookings"]], second["next_cursor"]) == ([made[4]], None)
    bad = api.get("/me/bookings?cursor=BOOKING%23nope", token=token)
    assert (bad.status, bad.code, bad.json["error"]["field"]) == (
        400, "validation_error", "cursor")


def test_the_host_finds_one_clients_bookings_by_name_or_e_mail(api: Api) -> None:
    token = make_host(api)
    made = {}
    for hour, name, email in (("14", "Ada Lovelace", "ada@math.org"),
                              ("15", "Bo Booker", "bo@example.com"),
                              ("16", "Grace Hopper", "grace@navy.mil"),
                              ("17", "Ada Lovelace", "ada@math.org")):
        body = f.booking(f"2026-11-24T{hour}:00:00Z")
        body["attendee"].update(name=name, email=email)
        r = api.post("/hosts/alice/intro/bookings", body)
        assert r.status == 201, r.json
        made[hour] = r.json["uid"]

    def found(query: str) -> list[str]:
        r = api.get(f"/me/bookings?{query}", token=token)
        assert r.status == 200, r.json
        return [b["uid"] for b in r.json["bookings"]]

    assert found("attendee=LOVELACE") == [made["14"], made["17"]]
    assert found("attendee=navy.mil") == [made["16"]]
    assert found("attendee=%20bo%40example.com%20") == [made["15"]]  # blanks dropped
    first = api.get("/me/bookings?attendee=ada&limit=1", token=token).json
    assert found(f"attendee=ada&limit=1&cursor={first['next_cursor']}") == [made["17"]]
    assert found("attendee=ada&status=cancelled") == []


@pytest.mark.parametrize("attendee", ["", "%20%20", "a" * 201, "ada%00"])
def test_a_client_to_find_that_is_empty_too_long_or_unprintable_is_refused(
        api: Api, attendee: str) -> None:
    token = make_host(api)

    r = api.get(f"/me/bookings?attendee={attendee}", token=token)

    assert (r.status, r.code, r.json["error"]["field"]) == (400, "validation_error", "attendee")


def test_a_booking_that_already_started_cannot_be_cancelled(api: Api, clock: FixedClock) -> None:
    make_host(api)
    b = book(api)
    clock.advance(days=1, hours=3)
    r = api.post(f"/bookings/{b['uid']}/cancel", {"token": b["links"]["cancel_token"]})
    assert (r.status, r.code) == (409, "booking_not_active")


def test_an_in_person_bookings_invite_says_where_with_the_hosts_details(api: Api) -> None:
    make_host(api, location={"kind": "in_person", "details": "Studio 4, 12 Baker Street"})

    _, event = invite(api, book(api))

    assert str(event["location"]) == "In person: Studio 4, 12 Baker Street"


STUDIO = "Studio 4, 12 Baker Street"
PHONE = "+44 20 7946 0000"


def _intro_id(api: Api, token: str) -> str:
    return str(api.get("/me/event-types", token=token).json["event_types"][0]["id"])


def _manage_page(api: Api, booking: dict[str, Any]) -> str:
    page = api.get(f"/booking/{booking['uid']}?token={booking['links']['cancel_token']}")
    assert page.status == 200
    return str(page.body.decode())


def test_a_booking_keeps_the_place_it_was_booked_at_when_the_host_changes_the_location(
        api: Api) -> None:
    token = make_host(api, location={"kind": "in_person", "details": STUDIO})
    b = book(api)

    r = api.put(f"/me/event-types/{_intro_id(api, token)}",
                f.event_type("intro", location={"kind": "phone", "details": PHONE}), token=token)
    assert r.status == 200, r.json

    _, event = invite(api, b)
    assert str(event["location"]) == f"In person: {STUDIO}"
    page = _manage_page(api, b)
    assert STUDIO in page and PHONE not in page
    # A booking made now is given the new place.
    _, later = invite(api, book(api, "2026-11-24T16:00:00Z", phone="+1 555 0100"))
    assert str(later["location"]) == f"Phone call: {PHONE}"


def test_a_booking_keeps_its_address_after_its_event_type_is_deleted(api: Api) -> None:
    token = make_host(api, location={"kind": "in_person", "details": STUDIO})
    b = book(api)

    assert api.delete(f"/me/event-types/{_intro_id(api, token)}", token=token).status == 204

    _, event = invite(api, b)
    assert str(event["location"]) == f"In person: {STUDIO}"
    assert STUDIO in _manage_page(api, b)


def test_a_moved_booking_keeps_the_place_it_was_booked_at_not_the_event_types_new_one(
        api: Api) -> None:
    token = make_host(api, location={"kind": "in_person", "details": STUDIO})
    b = book(api)
    r = api.put(f"/me/event-types/{_intro_id(api, token)}", f.event_type(
        "intro", location={"kind": "in_person", "details": "Hall B, 1 Elm Road"}), token=token)
    assert r.status == 200, r.json

    moved = api.post(f"/bookings/{b['uid']}/reschedule",
                     {"token": b["links"]["reschedule_token"], "start": "2026-11-24T16:00:00Z"})

    assert moved.status == 200, moved.json
    _, event = invite(api, b)
    assert str(event["location"]) == f"In person: {STUDIO}"
    assert STUDIO in _manage_page(api, b)


def test_the_reschedule_page_says_the_place_the_booking_keeps_not_the_event_types_new_one(
        api: Api) -> None:
    token = make_host(api, location={"kind": "in_person", "details": STUDIO})
    b = book(api)
    r = api.put(f"/me/event-types/{_intro_id(api, token)}",
                f.event_type("intro", location={"kind": "zoom"}), token=token)
    assert r.status == 200, r.json

    page = api.get(f"/booking/{b['uid']}/reschedule?token={b['links']['reschedule_token']}")

    assert page.status == 200
    body = page.body.decode()
    assert "<dt>Location</dt><dd>In person</dd>" in body
    event = json.loads(re.findall(
        r'<script type="application/json" id="penny-page">(.*?)</script>', body)[0])["event"]
    # What the confirmation says after the move, and whether it waits for a video link.
    assert (event["location_kind"], event["location"], event["video"]) == (
        "in_person", "In person", False)
    assert event["location_note"].startswith("In person: the details are in your calendar")
    assert event["booked_note"] == event["location_note"]
