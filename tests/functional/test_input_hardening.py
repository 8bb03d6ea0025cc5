"""Bad input found by outside testing: each is a 4xx in plain words, never a 500."""

from __future__ import annotations

import re

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host

REGEX_LOOKING = re.compile(r"[\^$\\]|\[\^|String should|Input should|Value error")


def test_a_body_with_a_key_twice_is_malformed_json(api: Api) -> None:
    r = api.post("/auth/login", raw='{"email": "a@example.com", "password": "x", '
                                    '"email": "b@example.com"}')

    assert (r.status, r.code) == (400, "malformed_json")
    assert "email" in r.json["error"]["message"]


def test_a_nested_object_with_a_key_twice_is_malformed_json(api: Api) -> None:
    make_host(api)
    raw = ('{"start": "2026-11-24T14:00:00Z", "attendee": {"name": "Bo", "name": "Eve", '
           '"email": "bo@example.com", "timezone": "UTC"}}')

    r = api.post("/hosts/alice/intro/bookings", raw=raw)

    assert (r.status, r.code) == (400, "malformed_json")


@pytest.mark.parametrize(("body", "field", "words"), [
    (f.signup(email="not-an-email"), "email", "e-mail address"),
    ({**f.signup(), "slug": "Not A Slug"}, "slug", "lowercase letters"),
    (f.signup(timezone="Mars Base"), "timezone", "time zone"),
    (f.signup(password="short"), "password", "at least 10 characters"),
    ({**f.signup(), "extra": 1}, "extra", "not a field"),
])
def test_validation_errors_say_what_is_wrong_in_plain_words(
        api: Api, body: dict[str, object], field: str, words: str) -> None:
    r = api.post("/auth/signup", body)

    assert (r.status, r.code, r.json["error"]["field"]) == (400, "validation_error", field)
    message = r.json["error"]["message"]
    assert words in message and message.startswith(field)
    assert not REGEX_LOOKING.search(message), message


@pytest.mark.parametrize(("email", "why"), [
    ("bo@example..com", "two periods in a row"),
    (".bo@example.com", "start with a period"),
    ("bo@-example.com", "hyphen"),
    ("bo@exa,mple.com", "invalid characters"),
    ("bo@example.test", "special-use or reserved name"),
])
def test_an_address_mail_cannot_be_written_to_is_refused_before_anything_is_booked(
        api: Api, email: str, why: str) -> None:
    # GIVEN an address the old pattern took, which Stripe's checkout and the calendars'
    # invitations refuse only after the booking was made
    make_host(api)
    booking = f.booking("2026-11-24T14:00:00Z")
    booking["attendee"]["email"] = email

    r = api.post("/hosts/alice/intro/bookings", booking)

    # THEN it is a 400 on the field, saying what is wrong, and nothing is booked
    assert (r.status, r.code, r.json["error"]["field"]) == (
        400, "validation_error", "attendee.email"), r.body
    assert r.json["error"]["message"].startswith(
        "attendee.email must be an e-mail address like name@example.com (")
    assert why in r.json["error"]["message"]
    assert api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).status \
        == 201


def test_a_booking_stored_with_an_address_taken_before_the_check_still_reads_back(
        api: Api) -> None:
    # GIVEN a booking made before the e-mail check, with an address the pattern took and
    # the check refuses (a Japanese carrier's "taro..yamada@", real and deliverable)
    from dataclasses import replace

    from chalicelib.domain.booking_parts import Attendee
    from chalicelib.store.bookings import BookingRepository

    token = make_host(api)
    made = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).json
    bookings = BookingRepository()
    stored = bookings.get(made["uid"])
    assert stored is not None
    old = "taro..yamada@docomo.ne.jp"
    assert bookings.save(replace(stored, attendee=Attendee("Taro", old, "Asia/Tokyo")))

    # THEN the host's list, the host's booking and the client's booking answer it as kept
    # (no input rule is checked on an answer: it was a 500)
    listed = api.get("/me/bookings", token=token)
    assert listed.status == 200, listed.body
    assert [b["attendee"]["email"] for b in listed.json["bookings"]] == [old]
    one = api.get(f"/me/bookings/{made['uid']}", token=token)
    assert (one.status, one.json["attendee"]["email"]) == (200, old)
    mine = api.get(f"/bookings/{made['uid']}?token={made['links']['cancel_token']}")
    assert (mine.status, mine.json["attendee"]["email"]) == (200, old)


def test_a_contact_address_mail_cannot_be_written_to_is_refused(api: Api) -> None:
    token = make_host(api)

    r = api.put("/me/profile", f.profile(contact_email="bookings@alice..example"), token=token)

    assert (r.status, r.json["error"]["field"]) == (400, "contact_email"), r.body
    assert api.get("/me/profile", token=token).json["contact_email"] is None


def test_an_address_in_any_script_is_taken_as_typed(api: Api) -> None:
    make_host(api)
    booking = f.booking("2026-11-24T14:00:00Z")
    booking["attendee"]["email"] = "José.Ñúñez@exämple.de"

    r = api.post("/hosts/alice/intro/bookings", booking)

    assert (r.status, r.json["attendee"]["email"]) == (201, "José.Ñúñez@exämple.de"), r.body


def test_logging_in_takes_an_address_signed_up_before_the_full_check(api: Api) -> None:
    # A malformed address is no account's: the login is refused as any unknown one is,
    # not as a malformed request (an account may hold one from before the check)
    r = api.post("/auth/login", {"email": "bo@example..com", "password": "x" * 12})

    assert r.status == 401, r.body


def test_a_malformed_access_token_is_refused_without_library_words(api: Api) -> None:
    r = api.get("/me/profile", token="not-a-jwt")

    assert (r.status, r.code) == (401, "unauthorized")
    assert "segments" not in r.json["error"]["message"].lower()
    assert r.json["error"]["message"] == "the access token is not valid; log in again"


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u200b \u2060\ufeff", "Ada\x00Lovelace",
                                  "Ada\u202eecalevol", "Ada\nLovelace", "\u2066Ada\u2069"])
def test_names_with_control_bidi_or_only_invisible_characters_are_refused(
        api: Api, name: str) -> None:
    make_host(api)
    booking = f.booking("2026-11-24T14:00:00Z")
    booking["attendee"]["name"] = name

    refused = [api.post("/hosts/alice/intro/bookings", booking),
               api.post("/auth/signup", f.signup("bob", display_name=name))]

    for r in refused:
        assert (r.status, r.code) == (400, "validation_error"), r.body
        assert r.json["error"]["field"] in ("attendee.name", "display_name")


def test_names_in_any_script_with_joiners_are_accepted(api: Api) -> None:
    make_host(api)
    booking = f.booking("2026-11-24T14:00:00Z")
    booking["attendee"]["name"] = "\u0639\u0644\u064a \U0001f469\u200d\U0001f4bb"

    assert api.post("/hosts/alice/intro/bookings", booking).status == 201


def test_free_text_keeps_line_breaks_but_refuses_nul(api: Api) -> None:
    token = make_host(api)
    ok = api.post("/me/event-types", f.event_type("deep", description="Line one\nLine two"),
                  token=token)
    bad = api.post("/me/event-types", f.event_type("nul", description="a\x00b"), token=token)

    assert ok.status == 201
    assert (bad.status, bad.json["error"]["field"]) == (400, "description")


def test_slots_without_a_zone_are_in_the_hosts_zone_and_say_so(api: Api) -> None:
    make_host(api, timezone="Asia/Kolkata")

    r = api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24")

    assert r.status == 200, r.json
    assert r.json["time_zone"] == "Asia/Kolkata"
    first = r.json["slots"]["2026-11-24"][0]
    assert first["start"] == "2026-11-24T09:00:00+05:30"


@pytest.mark.parametrize(("start", "reason"), [
    ("2026-11-24T14:10:00Z", "not_on_slot_grid"),
    ("2026-11-24T03:00:00Z", "outside_hours"),
    ("2020-11-24T14:00:00Z", "in_the_past"),
])
def test_a_refused_time_says_which_rule_refused_it(api: Api, start: str, reason: str) -> None:
    make_host(api)

    r = api.post("/hosts/alice/intro/bookings", f.booking(start))

    assert (r.status, r.code) == (422, "slot_unavailable")
    assert r.json["error"]["reason"] == reason
    assert r.json["error"]["field"] == "start"


def test_the_daily_limit_is_its_own_reason(api: Api) -> None:
    make_host(api, daily_limit=1)
    assert api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).status == 201

    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T15:00:00Z"))

    assert (r.status, r.json["error"]["reason"]) == (422, "daily_limit_reached")


def test_invites_name_the_contact_address_the_host_chose_not_the_login(api: Api) -> None:
    token = make_host(api)
    assert api.get("/me/profile", token=token).json["contact_email"] is None
    r = api.put("/me/profile", f.profile(contact_email="bookings@alice.example"), token=token)
    assert (r.status, r.json["contact_email"]) == (200, "bookings@alice.example")
    booked = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).json

    ics = api.get(f"/bookings/{booked['uid']}/invite.ics?token={booked['links']['cancel_token']}")

    assert "mailto:bookings@alice.example" in ics.body.decode()
    assert "alice@example.com" not in ics.body.decode()
    assert "alice@example.com" not in api.get("/hosts/alice").body.decode()


def test_clearing_the_contact_address_puts_the_login_back_on_invites(api: Api) -> None:
    token = make_host(api)
    api.put("/me/profile", f.profile(contact_email="bookings@alice.example"), token=token)
    api.put("/me/profile", f.profile(contact_email=None), token=token)
    booked = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).json

    ics = api.get(f"/bookings/{booked['uid']}/invite.ics?token={booked['links']['cancel_token']}")

    assert "mailto:alice@example.com" in ics.body.decode()
