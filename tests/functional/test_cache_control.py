"""Answers that carry a credential are never stored by a cache (RFC 6749 §5.1): tokens,
the secret links' JSON, the .ics, and the secret-link pages; errors from those routes too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, Response
from tests.functional.hosts import make_host

ALICE = {"email": "alice@example.com", "password": "correct horse battery"}


def no_store(r: Response) -> bool:
    return r.headers.get("Cache-Control") == "no-store"


def test_every_token_answer_is_no_store(api: Api) -> None:
    signup = api.post("/auth/signup", f.signup("alice"))
    login = api.post("/auth/login", ALICE)
    refreshed = api.post("/auth/refresh", {"refresh_token": login.json["refresh_token"]})
    logout = api.post("/auth/logout", {"refresh_token": refreshed.json["refresh_token"]})
    wrong = api.post("/auth/login", {**ALICE, "password": "not the password"})

    answers = {"signup": signup, "login": login, "refresh": refreshed, "logout": logout,
               "failed login": wrong}
    assert [r.status for r in answers.values()] == [201, 200, 200, 204, 401]
    assert [name for name, r in answers.items() if not no_store(r)] == []


def test_every_dashboard_session_answer_is_no_store(api: Api) -> None:
    browser = Browser(api)
    answers = {"signup": browser.post("/auth/session/signup", f.signup("kim")),
               "login": browser.post("/auth/session", {**ALICE, "email": "kim@example.com"}),
               "refresh": browser.post("/auth/session/refresh"),
               "logout": browser.delete("/auth/session")}

    assert [r.status for r in answers.values()] == [201, 200, 200, 204]
    assert [name for name, r in answers.items() if not no_store(r)] == []


@pytest.fixture
def booked(api: Api) -> dict[str, Any]:
    make_host(api)
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert r.status == 201 and no_store(r), r.headers
    return dict(r.json)


def test_the_secret_links_json_ics_and_pages_are_no_store(api: Api,
                                                           booked: dict[str, Any]) -> None:
    uid, links = booked["uid"], booked["links"]
    view, move = links["cancel_token"], links["reschedule_token"]  # the cancel token views
    answers = {
        "json": api.get(f"/bookings/{uid}?token={view}"),
        "ics": api.get(f"/bookings/{uid}/invite.ics?token={view}"),
        "wrong token": api.get(f"/bookings/{uid}?token=nope"),
        "manage page": api.get(f"/booking/{uid}?token={view}"),
        "reschedule page": api.get(f"/booking/{uid}/reschedule?token={move}"),
        "reschedule": api.post(f"/bookings/{uid}/reschedule",
                               {"token": move, "start": "2026-11-24T15:00:00Z"}),
        "cancel": api.post(f"/bookings/{uid}/cancel", {"token": links["cancel_token"]}),
    }

    assert [r.status for r in answers.values()] == [200, 200, 404, 200, 200, 200, 200]
    assert [name for name, r in answers.items() if not no_store(r)] == []


def test_public_pages_and_slots_stay_cacheable(api: Api) -> None:
    make_host(api)

    slots = api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC")

    assert slots.status == 200 and not no_store(slots)
