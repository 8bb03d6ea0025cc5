"""The dashboard's WebSocket ticket: issued by the API, accepted only by $connect, for 60 s."""

from __future__ import annotations

import json

from chalicelib.settings import Settings
from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, FixedClock, rebuild
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import Wiring, deliver_stream, invoke, ws_event


def ticket_for(api: Api, token: str) -> str:
    r = api.post("/me/realtime/ticket", token=token)
    assert r.status == 200, r.json
    return str(r.json["ticket"])


def connect_with_protocol(api: Api, socket_id: str, protocol: str, token: str) -> dict:
    return dict(invoke(api, "ws_connect", ws_event(
        "$connect", socket_id, headers={"Sec-WebSocket-Protocol": f"{protocol}, {token}"})))


def test_a_host_gets_a_one_minute_ticket_and_where_to_connect(api: Api) -> None:
    token = make_host(api)

    r = api.post("/me/realtime/ticket", token=token)

    assert r.status == 200, r.json
    assert set(r.json) == {"ticket", "expires_in", "protocol", "url"}
    assert r.json["expires_in"] == 60 and r.json["protocol"] == "penny.ticket"
    assert r.json["url"] is None  # the test settings configure no WebSocket API
    assert r.headers["Cache-Control"] == "no-store"


def test_the_url_is_the_configured_one_or_derived_from_the_api_id() -> None:
    assert Settings(websocket_url="ws://127.0.0.1:8001").public_websocket_url == \
        "ws://127.0.0.1:8001"
    assert Settings(websocket_api_id="abc123defg", region="eu-west-1",
                    websocket_stage="api").public_websocket_url == \
        "wss://abc123defg.execute-api.eu-west-1.amazonaws.com/api"
    assert Settings.from_env({"PENNY_WEBSOCKET_URL": "wss://ws.example/",
                              "PENNY_DEVELOPMENT_SECRETS": "1"}).websocket_url == \
        "wss://ws.example"


def test_the_ticket_url_follows_the_settings(api: Api) -> None:
    token = make_host(api)
    rebuild(websocket_url="wss://ws.penny.test")

    assert api.post("/me/realtime/ticket", token=token).json["url"] == "wss://ws.penny.test"


def test_a_ticket_needs_a_host(api: Api) -> None:
    assert api.post("/me/realtime/ticket").status == 401


def test_with_the_cookie_session_a_ticket_needs_the_csrf_token(api: Api) -> None:
    browser = Browser(api)
    assert browser.post("/auth/session/signup", f.signup("alice")).status == 201

    browser.csrf_header = False
    refused = browser.post("/me/realtime/ticket")
    browser.csrf_header = True
    issued = browser.post("/me/realtime/ticket")

    assert refused.status == 403 and refused.code == "csrf_token_invalid"
    assert issued.status == 200 and issued.json["ticket"]


def test_connect_accepts_a_ticket_as_subprotocol_and_echoes_it(api: Api, wiring: Wiring) -> None:
    ticket = ticket_for(api, make_host(api))

    reply = connect_with_protocol(api, "c1", "penny.ticket", ticket)

    assert reply["statusCode"] == 200
    assert reply["headers"]["Sec-WebSocket-Protocol"] == "penny.ticket"


def test_connect_accepts_a_ticket_in_the_query(api: Api, wiring: Wiring) -> None:
    ticket = ticket_for(api, make_host(api))

    reply = invoke(api, "ws_connect", ws_event("$connect", "c1", {"ticket": ticket}))

    assert reply["statusCode"] == 200


def test_a_ticket_opens_one_socket_and_never_a_second(api: Api, wiring: Wiring) -> None:
    ticket = ticket_for(api, make_host(api))

    first = connect_with_protocol(api, "c1", "penny.ticket", ticket)
    again = connect_with_protocol(api, "c2", "penny.ticket", ticket)
    in_query = invoke(api, "ws_connect", ws_event("$connect", "c3", {"ticket": ticket}))

    assert first["statusCode"] == 200
    assert again["statusCode"] == 403 and in_query["statusCode"] == 403
    assert "already used" in json.loads(again["body"])["error"]["message"]


def test_tickets_issued_in_the_same_second_each_open_a_socket(api: Api, wiring: Wiring) -> None:
    # The dashboard may ask twice at once (a reconnect while connecting); the clock here
    # does not move, so the two tickets differ only by their id.
    token = make_host(api)
    first, second = ticket_for(api, token), ticket_for(api, token)

    assert first != second
    assert connect_with_protocol(api, "c1", "penny.ticket", first)["statusCode"] == 200
    assert connect_with_protocol(api, "c2", "penny.ticket", second)["statusCode"] == 200


def test_a_ticket_delivers_the_hosts_events(api: Api, wiring: Wiring) -> None:
    connect_with_protocol(api, "c1", "penny.ticket", ticket_for(api, make_host(api)))
    wiring.stream.read()
    api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))

    deliver_stream(api, wiring)

    assert wiring.sender.types("c1") == ["booking.created", "booking.confirmed"]


def test_an_access_token_offered_as_a_ticket_is_refused(api: Api, wiring: Wiring) -> None:
    access = make_host(api)

    as_protocol = connect_with_protocol(api, "c1", "penny.ticket", access)
    in_query = invoke(api, "ws_connect", ws_event("$connect", "c2", {"ticket": access}))

    assert as_protocol["statusCode"] == 403 and in_query["statusCode"] == 403


def test_an_expired_ticket_is_refused(api: Api, wiring: Wiring, clock: FixedClock) -> None:
    ticket = ticket_for(api, make_host(api))
    clock.advance(seconds=61)

    assert connect_with_protocol(api, "c1", "penny.ticket", ticket)["statusCode"] == 403


def test_a_ticket_is_no_access_token(api: Api, wiring: Wiring) -> None:
    ticket = ticket_for(api, make_host(api))

    assert api.get("/me/profile", token=ticket).status == 401
    assert connect_with_protocol(api, "c1", "penny.bearer", ticket)["statusCode"] == 403
    assert invoke(api, "ws_connect", ws_event("$connect", "c2", {"token": ticket}))[
        "statusCode"] == 403
