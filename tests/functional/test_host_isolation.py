"""One host can never see or change another host's settings or bookings.

A foreign id answers 404, exactly as an id that does not exist: a 403 would confirm that
the id is real.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host

MONDAY_9AM_NEW_YORK = "2026-11-24T14:00:00Z"


@pytest.fixture
def alice(api: Api) -> str:
    return make_host(api, "alice")


@pytest.fixture
def bob(api: Api) -> str:
    return make_host(api, "bob", timezone="Europe/Berlin", hours=("08:00", "12:00"))


def only_event_type(api: Api, token: str) -> dict[str, Any]:
    r = api.get("/me/event-types", token=token)
    assert r.status == 200, r.json
    [et] = r.json["event_types"]
    return dict(et)


def book(api: Api, host: str, start: str = MONDAY_9AM_NEW_YORK) -> str:
    r = api.post(f"/hosts/{host}/intro/bookings", f.booking(start))
    assert r.status == 201, r.json
    return str(r.json["uid"])


def assert_not_found(r: Any) -> None:
    assert r.status == 404, r.json
    assert r.code == "not_found"


def test_me_profile_returns_the_callers_own_profile(api: Api, alice: str, bob: str) -> None:
    assert api.get("/me/profile", token=alice).json["slug"] == "alice"
    assert api.get("/me/profile", token=bob).json["slug"] == "bob"
    assert api.get("/me/schedule", token=bob).json["timezone"] == "Europe/Berlin"


def test_event_type_list_holds_only_the_callers_own(api: Api, alice: str, bob: str) -> None:
    alices = only_event_type(api, alice)
    bobs = only_event_type(api, bob)

    assert alices["id"] != bobs["id"]


def test_another_hosts_event_type_is_not_found_by_id(api: Api, alice: str, bob: str) -> None:
    alices = only_event_type(api, alice)

    assert_not_found(api.get(f"/me/event-types/{alices['id']}", token=bob))


def test_another_hosts_event_type_cannot_be_replaced(api: Api, alice: str, bob: str) -> None:
    alices = only_event_type(api, alice)

    r = api.put(f"/me/event-types/{alices['id']}", f.event_type("intro", title="Hijacked"),
                token=bob)

    assert_not_found(r)
    assert only_event_type(api, alice)["title"] == "Intro"
    assert only_event_type(api, bob)["title"] == "Intro"


def test_another_hosts_event_type_cannot_be_deleted(api: Api, alice: str, bob: str) -> None:
    alices = only_event_type(api, alice)

    assert_not_found(api.delete(f"/me/event-types/{alices['id']}", token=bob))

    assert api.get(f"/me/event-types/{alices['id']}", token=alice).status == 200
    assert api.get("/hosts/alice/intro").status == 200


def test_another_hosts_booking_is_not_found(api: Api, alice: str, bob: str) -> None:
    uid = book(api, "alice")

    assert_not_found(api.get(f"/me/bookings/{uid}", token=bob))
    assert api.get(f"/me/bookings/{uid}", token=alice).status == 200


def test_another_hosts_booking_cannot_be_cancelled(api: Api, alice: str, bob: str) -> None:
    uid = book(api, "alice")

    r = api.post(f"/me/bookings/{uid}/cancel", {"reason": "mine now"}, token=bob)

    assert_not_found(r)
    assert api.get(f"/me/bookings/{uid}", token=alice).json["status"] == "confirmed"


def test_unknown_booking_and_foreign_booking_answer_alike(api: Api, alice: str, bob: str) -> None:
    uid = book(api, "alice")

    foreign = api.get(f"/me/bookings/{uid}", token=bob)
    unknown = api.get("/me/bookings/does-not-exist", token=bob)

    assert (foreign.status, foreign.code) == (unknown.status, unknown.code)


def test_booking_list_holds_only_the_callers_bookings(api: Api, alice: str, bob: str) -> None:
    alices_uid = book(api, "alice")
    bobs_uid = book(api, "bob", "2026-11-24T08:00:00Z")

    alices = api.get("/me/bookings", token=alice)
    bobs = api.get("/me/bookings", token=bob)

    assert alices.status == 200, alices.json
    assert [b["uid"] for b in alices.json["bookings"]] == [alices_uid]
    assert [b["uid"] for b in bobs.json["bookings"]] == [bobs_uid]


def test_host_cancels_own_booking(api: Api, alice: str) -> None:
    uid = book(api, "alice")

    r = api.post(f"/me/bookings/{uid}/cancel", {"reason": "ill"}, token=alice)

    assert r.status == 200, r.json
    assert r.json["status"] == "cancelled"
    assert r.json["cancel_reason"] == "ill"
    assert api.get("/me/bookings", token=alice).json["bookings"] == []
    cancelled = api.get("/me/bookings?status=cancelled", token=alice).json["bookings"]
    assert [b["uid"] for b in cancelled] == [uid]


def test_a_booking_link_token_opens_only_its_own_booking(api: Api, alice: str, bob: str) -> None:
    r = api.post("/hosts/alice/intro/bookings", f.booking(MONDAY_9AM_NEW_YORK))
    alices_token = r.json["links"]["cancel_token"]
    bobs_uid = book(api, "bob", "2026-11-24T08:00:00Z")

    assert_not_found(api.get(f"/bookings/{bobs_uid}?token={alices_token}"))
    assert_not_found(api.post(f"/bookings/{bobs_uid}/cancel", {"token": alices_token}))
    assert api.get(f"/me/bookings/{bobs_uid}", token=bob).json["status"] == "confirmed"
