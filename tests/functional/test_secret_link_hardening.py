"""Secret links: a token is only ever compared, never trusted to be ASCII, and a response
hands out no capability the caller did not present."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from icalendar import Calendar

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host


def path_of(link: str) -> str:
    """A link's path and query, to ask this app for."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def booked(api: Api) -> dict[str, Any]:
    make_host(api)
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert r.status == 201, r.json
    return dict(r.json)


@pytest.mark.parametrize("token", ["é", "\u202e", "токен", "😀" * 10])
def test_a_non_ascii_token_is_not_found_on_every_secret_link_route(
        api: Api, booked: dict[str, Any], token: str) -> None:
    uid, q = booked["uid"], quote(token)
    for r in (api.get(f"/bookings/{uid}?token={q}"),
              api.get(f"/bookings/{uid}/invite.ics?token={q}"),
              api.post(f"/bookings/{uid}/cancel", {"token": token}),
              api.post(f"/bookings/{uid}/reschedule",
                       {"token": token, "start": "2026-11-24T15:00:00Z"})):
        assert (r.status, r.code) == (404, "not_found"), r.body


@pytest.mark.parametrize("page", ["/booking/{uid}", "/booking/{uid}/cancel",
                                  "/booking/{uid}/reschedule"])
def test_a_non_ascii_token_on_a_page_is_the_html_not_found_page(
        api: Api, booked: dict[str, Any], page: str) -> None:
    r = api.get(page.format(uid=booked["uid"]) + "?token=%C3%A9")

    assert r.status == 404
    assert r.headers["Content-Type"].startswith("text/html")


def test_rescheduling_answers_with_the_reschedule_link_only(
        api: Api, booked: dict[str, Any]) -> None:
    move = booked["links"]["reschedule_token"]

    r = api.post(f"/bookings/{booked['uid']}/reschedule",
                 {"token": move, "start": "2026-11-24T15:00:00Z"})

    assert r.status == 200, r.json
    links = r.json["links"]
    assert links["cancel_token"] is None and links["cancel"] is None
    assert booked["links"]["cancel_token"] not in r.body.decode()
    assert links["reschedule_token"] == move
    assert links["view"].endswith(f"?token={move}") and links["ics"].endswith(f"?token={move}")
    # What it did hand out works, and only for what the reschedule link allows.
    assert api.get(f"/bookings/{booked['uid']}/invite.ics?token={move}").status == 200
    refused = api.post(f"/bookings/{booked['uid']}/cancel", {"token": move})
    assert refused.status == 404


def test_the_invite_a_move_answers_with_says_how_to_cancel_and_promises_no_cancel(
        api: Api, booked: dict[str, Any]) -> None:
    move = booked["links"]["reschedule_token"]
    moved = api.post(f"/bookings/{booked['uid']}/reschedule",
                     {"token": move, "start": "2026-11-24T15:00:00Z"}).json["links"]

    ics = api.get(path_of(moved["ics"]))
    full = api.get(path_of(booked["links"]["ics"]))

    assert moved["cancel"] is None
    (event,) = Calendar.from_ical(ics.body).walk("VEVENT")
    assert str(event["description"]) == (
        f"Booked with Penny. View or reschedule: {moved['view']}\n"
        "To cancel, use the link you were given when you booked.")
    # The booker's own invite, from the cancel link, still cancels.
    (event,) = Calendar.from_ical(full.body).walk("VEVENT")
    assert str(event["description"]) == (
        f"Booked with Penny. Manage or cancel: {booked['links']['view']}")


def test_the_booker_gets_both_links_and_the_invite_points_to_the_link_presented(
        api: Api, booked: dict[str, Any]) -> None:
    links = booked["links"]
    assert links["cancel_token"] and links["reschedule_token"] and links["cancel"]

    ics = api.get(f"/bookings/{booked['uid']}/invite.ics?token={links['reschedule_token']}")

    assert links["cancel_token"] not in ics.body.decode()


def test_the_manage_page_opened_with_the_reschedule_link_offers_no_cancel(
        api: Api, booked: dict[str, Any]) -> None:
    move = booked["links"]["reschedule_token"]
    page = api.get(f"/booking/{booked['uid']}?token={move}").body.decode()
    full = api.get(f"/booking/{booked['uid']}?token={booked['links']['cancel_token']}")

    assert 'id="cancel-section" aria-labelledby="cancel-title" hidden' in page
    assert booked["links"]["cancel_token"] not in page
    assert ("This link cannot cancel the booking. To cancel it, use the link you were "
            "given when you booked.") in page
    assert 'id="cancel-section" aria-labelledby="cancel-title">' in full.body.decode()
    assert "cancel-elsewhere" not in full.body.decode()
