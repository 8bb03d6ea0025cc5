"""A booking from a page the host changed the event type under (a required question
added, the length, price or place changed while the visitor had it open): a POST that
sends the `event_type_version` its page showed is refused (409 event_type_changed, with
the event type as it now stands) when the event type was saved since, so nothing is
booked on terms the visitor was not shown. A POST without it books the event type as it
is now, as before."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.store.tables import PennyItem
from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host

START = "2026-11-24T14:00:00Z"
SLOTS = "/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC"


def _shown_version(api: Api) -> int:
    """The version the booking page (and GET /hosts/{host}/{event}) shows."""
    r = api.get("/hosts/alice/intro")
    assert r.status == 200, r.json
    return int(r.json["version"])


def _host_changes(api: Api, token: str, **changes: Any) -> dict[str, Any]:
    """The host saves the event type (the dashboard's editor: what it read, changed)."""
    read = api.get("/me/event-types", token=token).json["event_types"][0]
    body = {k: v for k, v in read.items() if k not in ("id", "version")}
    if body["location"]["details"] is None:
        body["location"] = {"kind": body["location"]["kind"]}
    r = api.put(f"/me/event-types/{read['id']}", {**body, **changes}, token=token)
    assert r.status == 200, r.json
    return dict(r.json)


def _offered(api: Api) -> list[str]:
    return [s["start"] for s in api.get(SLOTS).json["slots"].get("2026-11-24", [])]


def test_the_public_event_type_says_its_version(api: Api) -> None:
    token = make_host(api)
    first = _shown_version(api)

    saved = _host_changes(api, token, title="Intro chat")

    assert _shown_version(api) == saved["version"] == first + 1


def test_a_booking_with_the_version_its_page_showed_is_made(api: Api) -> None:
    make_host(api)

    r = api.post("/hosts/alice/intro/bookings",
                 f.booking(START, event_type_version=_shown_version(api)))

    assert r.status == 201, r.json


def test_a_required_question_added_since_the_page_refuses_the_booking_with_the_new_one(
        api: Api) -> None:
    # GIVEN a visitor's page read before the host added a required question
    token = make_host(api)
    shown = _shown_version(api)
    _host_changes(api, token, questions=[f.question("company", required=True)])

    # WHEN the visitor books from it, answering what the page asked
    r = api.post("/hosts/alice/intro/bookings", f.booking(START, event_type_version=shown))

    # THEN it is refused as the event type having changed (not "'Company' is required",
    # which names a field the page does not have), with the event type as it is now
    assert (r.status, r.code) == (409, "event_type_changed"), r.json
    assert r.json["error"]["field"] == "event_type_version"
    assert "changed" in r.json["error"]["message"]
    current = r.json["current"]
    assert current["version"] == shown + 1
    assert [(q["id"], q["required"]) for q in current["questions"]] == [("company", True)]
    assert START.replace("Z", "+00:00") in _offered(api)  # nothing was booked


def test_a_length_changed_since_the_page_is_not_booked_at_the_new_length(api: Api) -> None:
    token = make_host(api)
    shown = _shown_version(api)
    _host_changes(api, token, duration_minutes=60)

    r = api.post("/hosts/alice/intro/bookings", f.booking(START, event_type_version=shown))

    assert (r.status, r.code) == (409, "event_type_changed"), r.json
    assert r.json["current"]["duration_minutes"] == 60
    # The public shape (what the booking page reads), not the host's editor's.
    assert "buffer_before_minutes" not in r.json["current"]
    # Booked again with the version now shown: the new length, which the visitor now sees.
    r = api.post("/hosts/alice/intro/bookings",
                 f.booking(START, event_type_version=r.json["current"]["version"]))
    assert r.status == 201, r.json
    assert r.json["end"] == "2026-11-24T15:00:00+00:00"


def test_a_booking_without_a_version_is_made_on_the_event_type_as_it_is_now(
        api: Api) -> None:
    # API callers written before the field: as before, the event type as it is now.
    token = make_host(api)
    _host_changes(api, token, duration_minutes=60)

    r = api.post("/hosts/alice/intro/bookings", f.booking(START))

    assert r.status == 201, r.json
    assert r.json["end"] == "2026-11-24T15:00:00+00:00"


def test_a_booking_without_a_version_is_still_asked_a_missing_answer_by_its_field(
        api: Api) -> None:
    token = make_host(api)
    _host_changes(api, token, questions=[f.question("company", required=True)])

    r = api.post("/hosts/alice/intro/bookings", f.booking(START))

    assert (r.status, r.code, r.json["error"]["field"]) == (
        400, "invalid_answer", "answers.company")


def test_a_retry_of_a_booking_made_before_the_change_gets_that_booking_back(
        api: Api) -> None:
    # GIVEN a booking made with the version shown, whose answer was lost on the network
    token = make_host(api)
    body = f.booking(START, event_type_version=_shown_version(api))
    key = {"Idempotency-Key": "k-terms-1"}
    first = api.post("/hosts/alice/intro/bookings", body, headers=key)
    assert first.status == 201, first.json
    # WHEN the host changes the event type, and the page sends the same request again
    _host_changes(api, token, duration_minutes=60)
    again = api.post("/hosts/alice/intro/bookings", body, headers=key)

    # THEN it is that booking, replayed (not a refusal, then a second booking)
    assert again.status == 201, again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.json["uid"], again.json["end"]) == (first.json["uid"],
                                                     "2026-11-24T14:30:00+00:00")


def test_a_retry_without_a_version_of_a_booking_made_before_a_new_question_gets_it_back(
        api: Api) -> None:
    # GIVEN an API caller's booking (no version sent) whose answer was lost on the network
    token = make_host(api)
    body = f.booking(START)
    key = {"Idempotency-Key": "k-terms-2"}
    first = api.post("/hosts/alice/intro/bookings", body, headers=key)
    assert first.status == 201, first.json
    # WHEN the host adds a required question, and the caller sends the same request again
    _host_changes(api, token, questions=[f.question("company", required=True)])
    again = api.post("/hosts/alice/intro/bookings", body, headers=key)

    # THEN it is that booking, replayed (not "'Company' is required" for a booking made)
    assert again.status == 201, again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["uid"] == first.json["uid"]
    # and a new request under another key is still asked the new question
    other = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T15:00:00Z"),
                     headers={"Idempotency-Key": "k-terms-3"})
    assert (other.status, other.json["error"]["field"]) == (400, "answers.company")


def test_a_read_lagging_the_hosts_save_books_the_version_the_page_showed(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the page read after the host made it 60 minutes, and the booking's read of
    # the slug index (eventually consistent) still answering from before that save
    token = make_host(api)
    before = list(PennyItem.by_slug.query("SLUG#alice"))
    _host_changes(api, token, duration_minutes=60)
    shown = _shown_version(api)
    monkeypatch.setattr(PennyItem.by_slug, "query", lambda *args, **kwargs: iter(before))

    # WHEN the visitor books
    r = api.post("/hosts/alice/intro/bookings", f.booking(START, event_type_version=shown))

    # THEN it is made on what the page showed, read again consistently: not refused, and
    # not booked at the 30 minutes the lagging read says
    assert r.status == 201, r.json
    assert r.json["end"] == "2026-11-24T15:00:00+00:00"


@pytest.mark.parametrize("version", [-1, "3", 1.5, True])
def test_a_version_that_is_not_one_is_refused_as_input(api: Api, version: Any) -> None:
    make_host(api)

    r = api.post("/hosts/alice/intro/bookings", f.booking(START, event_type_version=version))

    assert (r.status, r.json["error"]["field"]) == (400, "event_type_version"), r.json
