"""Logging out of the dashboard closes the live-update sockets that login opened.

A socket opened with a ticket remembers the login (the ticket's `sid`); logout, or a
replayed refresh cookie, closes that login's sockets through the management API and
deletes their items, and a ticket of an ended login opens nothing. An API client's
access token names its login too (`lid`, checked by no request), so its sockets close
at its logout in the same way.
"""

from __future__ import annotations

from typing import Any

from chalicelib.store.tables import PennyItem
from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import (
    Wiring,
    deliver_stream,
    invoke,
    old_style_socket,
    socket_items,
    ticket_claims,
    ws_event,
)

ALICE = {"email": "alice@example.com", "password": "correct horse battery"}
REFRESH = "__Secure-penny_refresh"


def dashboard(api: Api) -> Browser:
    browser = Browser(api)
    assert browser.post("/auth/session", ALICE).status == 200
    return browser


def ticket(browser: Browser) -> str:
    r = browser.post("/me/realtime/ticket")
    assert r.status == 200, r.json
    return str(r.json["ticket"])


def connect(api: Api, socket_id: str, **query: str) -> Any:
    return invoke(api, "ws_connect", ws_event("$connect", socket_id, query))


def test_logout_closes_that_logins_sockets_and_no_others(api: Api, wiring: Wiring) -> None:
    token = make_host(api)
    leaving, staying = dashboard(api), dashboard(api)
    assert connect(api, "leaving-1", ticket=ticket(leaving))["statusCode"] == 200
    assert connect(api, "leaving-2", ticket=ticket(leaving))["statusCode"] == 200
    assert connect(api, "staying", ticket=ticket(staying))["statusCode"] == 200
    assert connect(api, "api-client", token=token)["statusCode"] == 200

    assert leaving.delete("/auth/session").status == 204

    assert sorted(wiring.sender.closed) == ["leaving-1", "leaving-2"]
    wiring.stream.read()
    api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    deliver_stream(api, wiring)
    assert wiring.sender.types("staying") == ["booking.created", "booking.confirmed"]
    assert wiring.sender.types("api-client") == ["booking.created", "booking.confirmed"]
    assert "leaving-1" not in wiring.sender.sent and "leaving-2" not in wiring.sender.sent


def test_a_ticket_of_a_login_that_has_ended_opens_nothing(api: Api, wiring: Wiring) -> None:
    make_host(api)
    browser = dashboard(api)
    issued = ticket(browser)  # good for another minute

    assert browser.delete("/auth/session").status == 204

    reply = connect(api, "late", ticket=issued)
    assert reply["statusCode"] == 403
    assert "session has ended" in reply["body"]


def test_a_replayed_refresh_cookie_closes_the_logins_sockets(api: Api, wiring: Wiring) -> None:
    make_host(api)
    browser = dashboard(api)
    assert connect(api, "dash", ticket=ticket(browser))["statusCode"] == 200
    stolen = browser.jar[REFRESH].value
    assert browser.post("/auth/session/refresh").status == 200
    browser.jar[REFRESH].value = stolen

    assert browser.post("/auth/session/refresh").code == "refresh_token_reused"

    assert wiring.sender.closed == ["dash"]


def test_a_socket_already_gone_does_not_fail_the_logout(api: Api, wiring: Wiring) -> None:
    make_host(api)
    browser = dashboard(api)
    assert connect(api, "dash", ticket=ticket(browser))["statusCode"] == 200
    wiring.sender.gone.add("dash")  # the browser went away (nothing runs on a close)

    assert browser.delete("/auth/session").status == 204
    assert browser.get("/me/profile").status == 401


def test_logout_closes_and_deletes_the_logins_sockets_old_and_new(
        api: Api, wiring: Wiring, clock: FixedClock) -> None:
    # A socket opened before sockets were keyed by their ticket (its own id in the key,
    # a WSCONN# lookup beside it) is found and deleted by its item's own key as well.
    make_host(api)
    browser = dashboard(api)
    issued = ticket(browser)
    claims = ticket_claims(issued)
    assert connect(api, "new", ticket=issued)["statusCode"] == 200
    old_style_socket(claims["sub"], "old", claims["sid"], clock.now())

    assert browser.delete("/auth/session").status == 204

    assert sorted(wiring.sender.closed) == ["new", "old"]
    assert socket_items(claims["sub"]) == {}


def test_logout_reads_the_logins_sockets_consistently(api: Api, wiring: Wiring) -> None:
    # A socket whose $connect found the login still going may have been recorded a moment
    # before the logout: only a consistent read is sure to find it (a Query is eventually
    # consistent unless asked), or it stays open, and pushed to, for its 2 hours.
    make_host(api)
    browser = dashboard(api)
    assert connect(api, "dash", ticket=ticket(browser))["statusCode"] == 200
    queries: list[dict[str, Any]] = []

    def query(params: dict[str, Any], **_: Any) -> None:
        values = str(params.get("ExpressionAttributeValues"))
        if "HOSTCONNS#" in values:
            queries.append(params)

    client = PennyItem._get_connection().connection.client
    client.meta.events.register("before-parameter-build.dynamodb.Query", query,
                                unique_id="sockets-query")
    try:
        assert browser.delete("/auth/session").status == 204
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.Query",
                                      unique_id="sockets-query")

    assert wiring.sender.closed == ["dash"]
    assert len(queries) == 1
    assert queries[0].get("ConsistentRead") is True


def test_an_api_clients_logout_closes_the_sockets_its_access_tokens_opened(
        api: Api, wiring: Wiring) -> None:
    make_host(api)
    r = api.post("/auth/login", ALICE)
    assert r.status == 200, r.json
    leaving, refresh = str(r.json["access_token"]), str(r.json["refresh_token"])
    staying = str(api.post("/auth/login", ALICE).json["access_token"])
    assert connect(api, "api-leaving", token=leaving)["statusCode"] == 200
    assert connect(api, "api-staying", token=staying)["statusCode"] == 200

    assert api.post("/auth/logout", {"refresh_token": refresh}).status == 204

    assert wiring.sender.closed == ["api-leaving"]
    assert list(socket_items(ticket_claims(leaving)["sub"]).values()) == ["api-staying"]
    # Its access token still answers requests until it expires (unbound: no request reads
    # the login), but it opens no socket any more.
    reply = connect(api, "api-late", token=leaving)
    assert reply["statusCode"] == 403
    assert "session has ended" in reply["body"]


def api_login(api: Api) -> tuple[str, str]:
    """An API client's login: its (unbound) access token and its refresh token."""
    r = api.post("/auth/login", ALICE)
    assert r.status == 200, r.json
    return str(r.json["access_token"]), str(r.json["refresh_token"])


def api_ticket(api: Api, access: str) -> str:
    r = api.post("/me/realtime/ticket", token=access)
    assert r.status == 200, r.json
    return str(r.json["ticket"])


def test_an_api_clients_logout_closes_the_socket_its_ticket_opened(
        api: Api, wiring: Wiring) -> None:
    make_host(api)
    access, refresh = api_login(api)
    issued = api_ticket(api, access)
    assert ticket_claims(issued)["sid"] == ticket_claims(access)["lid"]  # names the login
    assert connect(api, "api-ticket", ticket=issued)["statusCode"] == 200

    assert api.post("/auth/logout", {"refresh_token": refresh}).status == 204

    assert wiring.sender.closed == ["api-ticket"]
    assert socket_items(ticket_claims(access)["sub"]) == {}


def test_an_ended_api_login_s_access_token_opens_no_socket_through_a_ticket(
        api: Api, wiring: Wiring) -> None:
    make_host(api)
    access, refresh = api_login(api)
    assert api.post("/auth/logout", {"refresh_token": refresh}).status == 204
    issued = api_ticket(api, access)  # the token still answers requests until it expires

    reply = connect(api, "api-late", ticket=issued)

    assert reply["statusCode"] == 403
    assert "session has ended" in reply["body"]
    assert socket_items(ticket_claims(access)["sub"]) == {}
