"""The dashboard's WebSocket ticket: issued by the API, accepted only by $connect, for 60 s,
to open one socket: the socket's item is keyed by the ticket's id."""

from __future__ import annotations

import json

from chalicelib.services.realtime import MAX_SOCKETS_PER_HOST
from chalicelib.settings import Settings
from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, FixedClock, rebuild
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import (
    Wiring,
    deliver_stream,
    invoke,
    items_under,
    raw_socket_items,
    socket_items,
    table_requests,
    ticket_claims,
    ws_event,
)


def book(api: Api, wiring: Wiring, start: str) -> None:
    wiring.stream.read()
    assert api.post("/hosts/alice/intro/bookings", f.booking(start)).status == 201
    deliver_stream(api, wiring)


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


def test_a_refresh_asked_with_realtime_brings_the_new_sessions_ticket_which_opens_a_socket(
        api: Api, wiring: Wiring) -> None:
    # A dashboard coming back to a hidden tab after its access cookie ran out: one request
    # rotates the session and brings the ticket the reconnect needs.
    browser = Browser(api)
    signed_up = browser.post("/auth/session/signup", f.signup("alice"))
    assert signed_up.status == 201
    first_login = ticket_claims(str(browser.post("/me/realtime/ticket").json["ticket"]))["sid"]

    r = browser.post("/auth/session/refresh?realtime=true")

    assert r.status == 200, r.json
    assert set(r.json["realtime"]) == {"ticket", "expires_in", "protocol", "url"}
    claims = ticket_claims(r.json["realtime"]["ticket"])
    assert claims["sub"] == signed_up.json["host_id"] and claims["sid"] == first_login
    assert connect_with_protocol(api, "c1", "penny.ticket",
                                 r.json["realtime"]["ticket"])["statusCode"] == 200
    assert socket_items(claims["sub"]) == {f"CONN#{claims['jti']}": "c1"}
    assert "realtime" not in browser.post("/auth/session/refresh").json


def test_a_refresh_refused_or_badly_asked_brings_no_ticket(api: Api) -> None:
    browser = Browser(api)
    assert browser.post("/auth/session/signup", f.signup("alice")).status == 201

    badly = browser.post("/auth/session/refresh?realtime=maybe")
    browser.csrf_header = False
    refused = browser.post("/auth/session/refresh?realtime=true")

    assert badly.status == 400 and badly.code == "validation_error" and "realtime" not in badly.json
    assert refused.status == 403 and "realtime" not in refused.json


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
    claims = ticket_claims(ticket)

    first = connect_with_protocol(api, "c1", "penny.ticket", ticket)
    with table_requests() as replayed:
        again = connect_with_protocol(api, "c2", "penny.ticket", ticket)
    in_query = invoke(api, "ws_connect", ws_event("$connect", "c3", {"ticket": ticket}))

    assert first["statusCode"] == 200
    assert again["statusCode"] == 403 and in_query["statusCode"] == 403
    assert "already used" in json.loads(again["body"])["error"]["message"]
    # The replay's write failed its condition: the first socket's item is all there is.
    assert replayed == ["PutItem"]  # the refused write (a bearer's ticket names no login)
    assert socket_items(claims["sub"]) == {f"CONN#{claims['jti']}": "c1"}


def test_a_ticket_opens_its_socket_with_one_write_keyed_by_the_ticket(
        api: Api, wiring: Wiring) -> None:
    browser = Browser(api)
    assert browser.post("/auth/session/signup", f.signup("alice")).status == 201
    ticket = str(browser.post("/me/realtime/ticket").json["ticket"])
    claims = ticket_claims(ticket)

    with table_requests() as made:
        assert connect_with_protocol(api, "c1", "penny.ticket", ticket)["statusCode"] == 200

    # The socket's item, then the ticket's login still on (read after the write, so a
    # logout meanwhile finds the item or is found), then the host's sockets (the bound)
    assert made == ["PutItem", "GetItem", "Query"]
    assert socket_items(claims["sub"]) == {f"CONN#{claims['jti']}": "c1"}
    assert items_under("WSTICKET#") == [] and items_under("WSCONN#") == []


def test_a_gone_tickets_socket_keeps_its_item_while_the_ticket_could_be_replayed(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
    ticket = ticket_for(api, make_host(api))
    claims = ticket_claims(ticket)
    connect_with_protocol(api, "c1", "penny.ticket", ticket)
    wiring.sender.gone.add("c1")  # the dashboard closed it at once

    # WHEN an event comes within the ticket's life: the item stays, so a copy of the
    # ticket still cannot open a socket
    book(api, wiring, "2026-11-24T14:00:00Z")
    assert socket_items(claims["sub"]) == {f"CONN#{claims['jti']}": "c1"}
    assert connect_with_protocol(api, "c2", "penny.ticket", ticket)["statusCode"] == 403

    # WHEN one comes after it (60 s, and a minute of clock skew): the item is deleted
    clock.advance(seconds=120)
    book(api, wiring, "2026-11-24T15:00:00Z")
    assert socket_items(claims["sub"]) == {}
    assert connect_with_protocol(api, "c3", "penny.ticket", ticket)["statusCode"] == 403


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


# --- the host's bound on sockets, as the dashboard meets it ------------------------------


def test_eleven_reloads_within_ten_minutes_the_eleventh_dashboard_gets_a_live_socket(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
    # GIVEN a dashboard reloaded every 50 s: each load takes a ticket and opens a socket,
    # and the reload closes it (no function runs: its item stays)
    make_host(api)
    browser = Browser(api)
    assert browser.post("/auth/session", {"email": "alice@example.com",
                                          "password": "correct horse battery"}).status == 200
    for load in range(1, MAX_SOCKETS_PER_HOST + 1):
        ticket = str(browser.post("/me/realtime/ticket").json["ticket"])
        assert connect_with_protocol(api, f"load-{load}", "penny.ticket", ticket)[
            "statusCode"] == 200
        wiring.sender.gone.add(f"load-{load}")
        clock.advance(seconds=50)

    # WHEN it loads an eleventh time
    ticket = str(browser.post("/me/realtime/ticket").json["ticket"])
    reply = connect_with_protocol(api, "load-11", "penny.ticket", ticket)

    # THEN its socket opens (the oldest closed tab's item is found gone and deleted), and
    # it hears the host's next booking
    assert reply["statusCode"] == 200, reply
    assert wiring.sender.asked == ["load-1"] and wiring.sender.closed == []
    host_id = ticket_claims(ticket)["sub"]
    assert "load-1" not in socket_items(host_id).values()
    book(api, wiring, "2026-11-24T14:00:00Z")
    assert wiring.sender.types("load-11") == ["booking.created", "booking.confirmed"]


def test_a_refused_dashboard_socket_leaves_only_its_used_ticket_which_no_push_counts(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
    # GIVEN ten live sockets of the host, all younger than EVICT_AFTER
    token = make_host(api)
    for n in range(MAX_SOCKETS_PER_HOST):
        assert invoke(api, "ws_connect", ws_event("$connect", f"c{n}", {"token": token}))[
            "statusCode"] == 200
    ticket = ticket_for(api, token)
    claims = ticket_claims(ticket)

    # WHEN a dashboard's ticket is refused at the bound
    clock.advance(seconds=40)
    with table_requests() as made:
        refused = connect_with_protocol(api, "t1", "penny.ticket", ticket)

    # THEN its item is written once more, as its ticket's key only, until the ticket
    # could no longer be accepted (60 s and a minute of skew)
    assert refused["statusCode"] == 429, refused
    # (the socket's item, its login, the host's sockets, the item again)
    assert made == ["PutItem", "GetItem", "Query", "PutItem"]
    (item,) = [i for i in raw_socket_items(claims["sub"]) if i["sk"] == f"CONN#{claims['jti']}"]
    assert item["refused"] is True
    assert int(item["expires_at"]) == int(clock.now().timestamp()) + 120
    # no push counts it or posts to it, and the ticket stays used
    book(api, wiring, "2026-11-24T14:00:00Z")
    assert "t1" not in wiring.sender.sent and len(wiring.sender.sent) == MAX_SOCKETS_PER_HOST
    assert connect_with_protocol(api, "t2", "penny.ticket", ticket)["statusCode"] == 403
    # and when one of the ten closes its tab, the next dashboard takes its place
    wiring.sender.gone.add("c3")
    assert connect_with_protocol(api, "t3", "penny.ticket", ticket_for(api, token))[
        "statusCode"] == 200
    assert wiring.sender.closed == []
