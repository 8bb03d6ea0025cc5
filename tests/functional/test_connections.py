"""Connecting platforms end to end: Penny's API and callback, the real OAuth clients
(authlib, msal, google-auth), the provider sandbox answering as the vendors do, and the
store on moto.

The OAuth round trip is driven as a browser drives it: POST /me/connections/{provider}
(which sets the binding cookie), the sandbox's consent page (Allow or Deny), then the
provider's redirect back to /oauth/{provider}/callback with that cookie.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import bootstrap
from chalicelib.domain.errors import ConnectionBrokenError
from chalicelib.domain.events import Event, EventKind
from chalicelib.provider_settings import Providers
from chalicelib.store.items import ConnectionItem, OAuthStateItem
from chalicelib.store.stream import events_of
from sandbox.server import ProviderSandbox
from sandbox.testing import consent
from tests.functional.browser import Browser, parse_set_cookie
from tests.functional.conftest import PUBLIC, Api, FixedClock, Response, rebuild
from tests.functional.hosts import make_host, make_sandbox_host
from tests.functional.realtime_wiring import Stream

T = TypeVar("T")
FEATURE = {"google": "calendar", "microsoft": "calendar", "zoom": "video", "notion": "notes"}


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def start(api: Api, token: str, provider: str) -> tuple[str, str]:
    """Click Connect: the consent URL, and the binding cookie the browser now holds."""
    r = api.post(f"/me/connections/{provider}", {"features": [FEATURE[provider]]}, token=token)
    assert r.status == 200, r.body
    cookie = header(r, "set-cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    return r.json["authorize_url"], cookie.split(";")[0]


def come_back(api: Api, location: str, cookie: str | None) -> Response:
    """The provider's redirect to Penny's callback, followed by the browser."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC, location
    return api.get(f"{parts.path}?{parts.query}", headers={"Cookie": cookie} if cookie else {})


def connect(api: Api, token: str, provider: str, decision: str = "allow") -> Response:
    url, cookie = start(api, token, provider)
    return come_back(api, consent(url, decision), cookie)


def status_of(api: Api, token: str, provider: str) -> dict[str, Any]:
    found = api.get("/me/connections", token=token).json["connections"]
    return next(c for c in found if c["provider"] == provider)


def expire_in_penny(api: Api, token: str, clock: FixedClock) -> None:
    """The host's stored access tokens reach their expiry (the sandbox's own are expired
    by `expire_access_tokens`): the next use must refresh."""
    host_id = api.get("/me/profile", token=token).json["id"]
    for item in ConnectionItem.query(f"CONNECTIONS#{host_id}"):
        item.update(actions=[ConnectionItem.token_expires_at.set(
            clock.now() - timedelta(minutes=1))])


def header(r: Response, name: str) -> str:
    return next(v for k, v in r.headers.items() if k.lower() == name)


def redirected_to(r: Response) -> tuple[str, dict[str, list[str]]]:
    assert r.status == 303, r.body
    parts = urlsplit(header(r, "location"))
    return parts.path, parse_qs(parts.query)


# ---- connecting ------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["google", "microsoft", "zoom", "notion"])
def test_a_host_connects_each_platform_through_its_consent_page(
        api: Api, host: str, sandbox: ProviderSandbox, provider: str) -> None:
    assert status_of(api, host, provider)["status"] == "not_connected"

    back = connect(api, host, provider)

    assert redirected_to(back) == ("/app/connections", {"connected": [provider]})
    assert "Max-Age=0" in str(header(back, "set-cookie"))  # the binding is spent
    shown = status_of(api, host, provider)
    assert shown["status"] == "connected"
    seeded = sandbox.accounts(provider)[0]
    # An e-mail where the provider says whose account it is; Notion: the workspace's name
    assert shown["account"] == (seeded.email if provider != "notion" else shown["account"])
    assert shown["account"]
    assert shown["connected_at"]
    assert shown["scopes"] or provider == "notion"  # Notion's pages are picked, not scoped
    assert len(sandbox.grants(provider)) == 1


def test_the_connections_list_says_which_platforms_are_not_set_up_here(
        api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    entries = {"google": sandbox.penny_providers()["google"]}
    rebuild(providers=Providers.from_json(json.dumps(entries), "the sandbox", deployed=False))
    token = make_host(api)

    found = {c["provider"]: c["status"] for c in
             api.get("/me/connections", token=token).json["connections"]}

    assert found == {"google": "not_connected", "microsoft": "not_available",
                     "zoom": "not_available", "notion": "not_available",
                     "stripe": "not_available", "razorpay": "not_available"}
    r = api.post("/me/connections/zoom", {"features": ["video"]}, token=token)
    assert (r.status, r.code) == (409, "provider_not_available")


def test_deny_at_the_consent_page_comes_back_with_a_plain_reason_and_nothing_connected(
        api: Api, host: str) -> None:
    back = connect(api, host, "google", decision="deny")

    assert redirected_to(back) == ("/app/connections",
                                   {"provider": ["google"], "error": ["consent_declined"]})
    assert status_of(api, host, "google")["status"] == "not_connected"



@pytest.mark.parametrize(("decision", "said"), [
    ("allow", {"connected": ["google"]}),
    ("deny", {"provider": ["google"], "error": ["consent_declined"]}),
])
def test_a_connection_started_from_the_welcome_steps_comes_back_to_them(
        api: Api, host: str, decision: str, said: dict[str, list[str]]) -> None:
    r = api.post("/me/connections/google", {"features": ["calendar"], "return_to": "welcome"},
                 token=host)
    assert r.status == 200, r.body

    back = come_back(api, consent(r.json["authorize_url"], decision),
                     header(r, "set-cookie").split(";")[0])

    assert redirected_to(back) == ("/app/welcome", said)


@pytest.mark.parametrize("where", ["https://evil.example/app", "//evil.example", "/app/welcome",
                                   "login", "../welcome"])
def test_a_way_back_that_is_not_a_view_of_the_dashboard_is_refused(
        api: Api, host: str, where: str) -> None:
    r = api.post("/me/connections/google", {"features": ["calendar"], "return_to": where},
                 token=host)

    assert (r.status, r.code, r.json["error"]["field"]) == (400, "validation_error", "return_to")

def test_a_calendar_permission_unticked_at_google_is_refused_and_nothing_connected(
        api: Api, host: str, sandbox: ProviderSandbox) -> None:
    url, cookie = start(api, host, "google")

    # WHEN the host unticks the calendar's events on Google's granular consent page
    back = come_back(api, consent(url, untick=[
        "https://www.googleapis.com/auth/calendar.events.owned"]), cookie)

    # THEN Penny says which permission was missing, and saves nothing
    assert redirected_to(back) == ("/app/connections", {
        "provider": ["google"], "error": ["scopes_declined"],
        "missing": ["calendar,video"]})
    assert status_of(api, host, "google")["status"] == "not_connected"


def test_a_permission_unticked_when_widening_keeps_the_connection_as_it_was(
        api: Api, host: str, sandbox: ProviderSandbox) -> None:
    assert redirected_to(connect(api, host, "google"))[1] == {"connected": ["google"]}
    before = status_of(api, host, "google")
    r = api.post("/me/connections/google", {"features": ["notes"]}, token=host)
    cookie = header(r, "set-cookie").split(";")[0]

    # WHEN the host turns on notes but unticks Docs at Google
    back = come_back(api, consent(r.json["authorize_url"], untick=[
        "https://www.googleapis.com/auth/documents"]), cookie)

    assert redirected_to(back)[1] == {"provider": ["google"], "error": ["scopes_declined"],
                                      "missing": ["notes"]}
    assert status_of(api, host, "google") == before


def test_a_google_consent_without_offline_access_is_refused_not_saved_to_break_in_an_hour(
        api: Api, host: str, sandbox: ProviderSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.integrations.oauth.google import GoogleOAuth

    asked = GoogleOAuth.authorize_params

    def online_only(self: GoogleOAuth, request: Any) -> dict[str, str]:
        params = asked(self, request)
        params.pop("access_type", None)  # Google then answers no refresh token
        return params

    monkeypatch.setattr(GoogleOAuth, "authorize_params", online_only)

    back = connect(api, host, "google")

    assert redirected_to(back) == ("/app/connections",
                                   {"provider": ["google"], "error": ["no_refresh_token"]})
    assert status_of(api, host, "google")["status"] == "not_connected"


def test_a_feature_the_platform_does_not_offer_is_refused(api: Api, host: str) -> None:
    r = api.post("/me/connections/zoom", {"features": ["notes"]}, token=host)

    assert (r.status, r.code) == (400, "validation_error")
    r = api.post("/me/connections/myspace", {"features": ["calendar"]}, token=host)
    assert r.status == 404


# ---- the state: signed, single-use, expiring, bound to the browser -------------------


def test_a_tampered_state_is_refused_with_a_page_before_anything_is_read(
        api: Api, host: str) -> None:
    url, cookie = start(api, host, "google")
    location = consent(url)
    forged = location.replace("state=", "state=x")

    back = come_back(api, forged, cookie)

    assert back.status == 400 and b"altered" in back.body
    assert header(back, "content-type").startswith("text/html")


def test_a_state_with_characters_no_signature_has_is_refused_not_a_server_error(
        api: Api, host: str) -> None:
    url, cookie = start(api, host, "google")
    location = consent(url)
    forged = location.replace("state=", "state=x.%C3%A9&was=")

    back = come_back(api, forged, cookie)

    assert back.status == 400


def test_a_round_trip_under_way_when_its_key_is_retired_says_start_again_not_an_error(
        api: Api, host: str) -> None:
    url, cookie = start(api, host, "google")
    location = consent(url)
    new_key = base64.b64encode(bytes(range(32))).decode()
    rebuild(token_keys={"new-1": new_key}, token_active_kid="new-1")  # the old key gone

    back = come_back(api, location, cookie)

    assert back.status == 400 and b"start again" in back.body
    assert header(back, "content-type").startswith("text/html")


def test_two_round_trips_started_in_two_tabs_both_come_back(api: Api, host: str) -> None:
    # GIVEN Google started in one tab, then Zoom in another, before either came back
    google_url, google_cookie = start(api, host, "google")
    zoom_url, zoom_cookie = start(api, host, "zoom")
    assert google_cookie.split("=")[0] != zoom_cookie.split("=")[0]
    both = f"{google_cookie}; {zoom_cookie}"  # the browser sends each to /oauth/

    # WHEN the first tab comes back, then the second
    first = come_back(api, consent(google_url), both)
    second = come_back(api, consent(zoom_url), both)

    assert redirected_to(first)[1] == {"connected": ["google"]}
    assert redirected_to(second)[1] == {"connected": ["zoom"]}


def test_tokens_penny_cannot_read_mark_the_connection_broken_and_can_be_disconnected(
        api: Api, host: str) -> None:
    # GIVEN a connection whose stored token no longer opens (altered: its tag fails)
    connect(api, host, "zoom")
    host_id = api.get("/me/profile", token=host).json["id"]
    item = ConnectionItem.get(f"CONNECTIONS#{host_id}", "PROVIDER#zoom")
    parts = item.access_token.split(".")
    altered = ".".join([*parts[:3], parts[3][::-1]])
    item.update(actions=[ConnectionItem.access_token.set(altered)])

    r = api.post("/me/connections/zoom/test", token=host)

    assert (r.status, r.code) == (409, "connection_broken")
    assert status_of(api, host, "zoom")["status"] == "broken"
    assert api.delete("/me/connections/zoom", token=host).status == 204
    assert status_of(api, host, "zoom")["status"] == "not_connected"


def test_a_replayed_callback_is_refused(api: Api, host: str) -> None:
    url, cookie = start(api, host, "google")
    location = consent(url)
    assert come_back(api, location, cookie).status == 303

    again = come_back(api, location, cookie)

    assert again.status == 400 and b"already used" in again.body


def test_a_callback_after_ten_minutes_is_refused(
        api: Api, host: str, clock: FixedClock) -> None:
    url, cookie = start(api, host, "google")
    location = consent(url)
    clock.advance(minutes=10, seconds=1)

    back = come_back(api, location, cookie)

    assert back.status == 400 and b"expired" in back.body
    assert status_of(api, host, "google")["status"] == "not_connected"


def test_a_callback_in_another_browser_cannot_attach_tokens_to_the_host(
        api: Api, host: str) -> None:
    # GIVEN an attacker who started a round trip and lured the host to finish it, or the
    # host's callback URL replayed from another browser: no binding cookie there
    url, _ = start(api, host, "google")
    location = consent(url)

    back = come_back(api, location, None)

    assert back.status == 400 and b"another browser" in back.body
    assert status_of(api, host, "google")["status"] == "not_connected"


def test_the_binding_cookie_is_a_host_only_cookie_no_sibling_subdomain_can_set(
        api: Api, host: str) -> None:
    r = api.post("/me/connections/google", {"features": ["calendar"]}, token=host)

    # `__Host-` makes the browser refuse it with a Domain, without Secure, or off Path=/
    name, cookie = parse_set_cookie(header(r, "set-cookie"))
    assert name.startswith("__Host-penny_oauth_")
    assert cookie.attributes["path"] == "/" and "secure" in cookie.attributes
    assert "domain" not in cookie.attributes


def test_a_binding_planted_by_a_sibling_subdomain_does_not_give_the_host_s_grant_to_it(
        api: Api, host: str) -> None:
    # GIVEN an attacker's own round trip, whose binding a sibling subdomain planted in the
    # host's browser under a name it can set (`__Secure-`, Domain=<parent>), and the host
    # lured to the consent page: the host allows Penny with their own Google account
    attacker = make_host(api, slug="mallory")
    url, binding = start(api, attacker, "google")
    name, value = binding.split("=", 1)
    planted = f"__Secure-{name.split('-', 1)[1]}={value}"  # penny_oauth_<state id>

    back = come_back(api, consent(url), planted)

    assert back.status == 400 and b"another browser" in back.body
    assert status_of(api, attacker, "google")["status"] == "not_connected"


def test_another_hosts_state_cannot_connect_this_host(api: Api, host: str) -> None:
    # GIVEN host B's own browser binding, and host A's callback
    other = make_host(api, slug="bob")
    url_a, _ = start(api, host, "google")
    _, cookie_b = start(api, other, "google")

    back = come_back(api, consent(url_a), cookie_b)

    assert back.status == 400
    assert status_of(api, other, "google")["status"] == "not_connected"
    assert status_of(api, host, "google")["status"] == "not_connected"


def test_a_callback_after_its_login_ended_is_refused(api: Api, host: str) -> None:
    # GIVEN the dashboard's login (a cookie session) started the round trip
    browser = Browser(api)
    assert browser.post("/auth/session", {"email": "alice@example.com",
                                          "password": "correct horse battery"}).status == 200
    r = browser.post("/me/connections/google", {"features": ["calendar"]})
    assert r.status == 200, r.body
    location = consent(r.json["authorize_url"])
    # WHEN the host logs out before the provider sends the browser back
    assert browser.delete("/auth/session").status == 204
    parts = urlsplit(location)

    back = browser.get(f"{parts.path}?{parts.query}")

    assert back.status == 400 and b"ended" in back.body
    assert status_of(api, host, "google")["status"] == "not_connected"


def test_a_callback_after_the_api_clients_login_ended_is_refused(api: Api, host: str) -> None:
    # GIVEN an API client's login (its bearer token is not bound to it) started the trip
    r = api.post("/auth/login", {"email": "alice@example.com",
                                 "password": "correct horse battery"})
    url, cookie = start(api, r.json["access_token"], "google")
    # WHEN the client logs out before the provider sends the browser back
    assert api.post("/auth/logout", {"refresh_token": r.json["refresh_token"]}).status == 204

    back = come_back(api, consent(url), cookie)

    assert back.status == 400 and b"ended" in back.body
    assert status_of(api, host, "google")["status"] == "not_connected"


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(api: Api, host: str) -> None:
    # GIVEN the stored verifier no longer matches the challenge sent to the provider
    url, cookie = start(api, host, "zoom")
    location = consent(url)
    state_id = parse_qs(urlsplit(location).query)["state"][0].split(".")[0]
    item = OAuthStateItem.get(f"OAUTHSTATE#{state_id}", "OAUTHSTATE")
    cipher = bootstrap.services().connections.states._cipher  # type: ignore[attr-defined]
    item.code_verifier = cipher.encrypt("a" * 64, f"oauth-state:{state_id}", "zoom")
    item.save()

    back = come_back(api, location, cookie)

    assert redirected_to(back) == ("/app/connections",
                                   {"provider": ["zoom"], "error": ["provider_rejected"]})
    assert status_of(api, host, "zoom")["status"] == "not_connected"


# ---- using, refreshing, breaking, disconnecting --------------------------------------


def test_an_expired_access_token_is_refreshed_before_use(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect(api, host, "google")
    sandbox.expire_access_tokens("google")
    expire_in_penny(api, host, clock)

    r = api.post("/me/connections/google/test", token=host)

    assert (r.status, r.json["status"]) == (200, "connected")
    assert sandbox.grants("google")[0].refreshes == 1


def connected_and_expired(api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock,
                          provider: str) -> str:
    """The host connects `provider`, then its access token expires (there and in Penny's
    eyes); the host's id."""
    connect(api, host, provider)
    host_id: str = api.get("/me/profile", token=host).json["id"]
    sandbox.expire_access_tokens(provider)
    expire_in_penny(api, host, clock)
    return host_id


def test_twenty_concurrent_refreshes_of_a_rotating_zoom_token_exchange_it_once(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock,
        atomic_moto: None) -> None:
    # GIVEN a Zoom connection whose access token has expired (Zoom rotates refresh
    # tokens: the old one dies at its first use)
    host_id = connected_and_expired(api, host, sandbox, clock, "zoom")
    service = bootstrap.services().connections

    # WHEN twenty Lambdas ask for a token at once
    tokens = together(20, lambda: service.access_token(host_id, "zoom"))

    # THEN one exchanged the refresh token, all got its new access token, and it works
    assert sandbox.grants("zoom")[0].refreshes == 1
    assert len(set(tokens)) == 1
    r = api.post("/me/connections/zoom/test", token=host)
    assert (r.status, r.json["status"]) == (200, "connected")


def test_concurrent_refreshes_of_a_google_token_take_no_lease_and_all_work(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock,
        atomic_moto: None) -> None:
    # GIVEN a Google connection whose access token has expired (Google's refresh token
    # survives its use, so refreshes may overlap)
    host_id = connected_and_expired(api, host, sandbox, clock, "google")
    service = bootstrap.services().connections

    # WHEN five Lambdas ask for a token at once
    tokens = together(5, lambda: service.access_token(host_id, "google"))

    # THEN each got a token Google accepts, nothing was written (no lease, no token),
    # and the container holds one of them for its next ask: no refresh then
    refreshes = sandbox.grants("google")[0].refreshes
    assert 1 <= refreshes <= 5
    google = sandbox.providers["google"].server
    assert all(google.resolve(token).id == google.grants()[0].id for token in tokens)
    stored = service.connections.get(host_id, "google")
    assert stored is not None and stored[1].access_token not in tokens
    assert stored[0].tokens_version == 1
    assert service.access_token(host_id, "google") in tokens
    assert sandbox.grants("google")[0].refreshes == refreshes


def test_a_held_google_token_is_refreshed_again_when_its_hour_ends_or_google_refuses_it(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    host_id = connected_and_expired(api, host, sandbox, clock, "google")
    service = bootstrap.services().connections
    first = service.access_token(host_id, "google")
    assert sandbox.grants("google")[0].refreshes == 1

    # Refused by Google (revoked early, clocks apart): refreshed at once
    second = service.access_token(host_id, "google", refused=first)
    assert second != first and sandbox.grants("google")[0].refreshes == 2
    # Its hour over: refreshed again
    clock.advance(hours=1)
    third = service.access_token(host_id, "google")
    assert third not in (first, second) and sandbox.grants("google")[0].refreshes == 3
    google = sandbox.providers["google"].server
    assert google.resolve(third).id == google.grants()[0].id


def test_a_google_connection_revoked_while_its_token_is_held_is_marked_broken(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    host_id = connected_and_expired(api, host, sandbox, clock, "google")
    service = bootstrap.services().connections
    held = service.access_token(host_id, "google")
    sandbox.revoke("google")

    with pytest.raises(ConnectionBrokenError):
        service.access_token(host_id, "google", refused=held)

    assert status_of(api, host, "google")["status"] == "broken"
    assert service.refreshed == {}


def test_a_revoked_grant_marks_the_connection_broken_once_and_tells_the_dashboards(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect(api, host, "google")
    stream = Stream()
    stream.read()
    sandbox.revoke("google")
    sandbox.expire_access_tokens("google")
    expire_in_penny(api, host, clock)

    r = api.post("/me/connections/google/test", token=host)

    assert (r.status, r.code) == (409, "connection_broken")
    shown = status_of(api, host, "google")
    assert shown["status"] == "broken" and shown["broken_reason"]
    events = broken_events(stream)
    assert [(e.connection or {}).get("provider") for e in events] == ["google"]
    # Asked again, it is broken already: no second refresh storm, no second event
    again = api.post("/me/connections/google/test", token=host)
    assert (again.status, again.code) == (409, "connection_broken")
    assert sandbox.grants("google")[0].refused_refreshes == 1
    assert broken_events(stream) == []


def test_reconnecting_a_broken_platform_makes_it_work_again(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect(api, host, "zoom")
    sandbox.revoke("zoom")
    sandbox.expire_access_tokens("zoom")
    expire_in_penny(api, host, clock)
    assert api.post("/me/connections/zoom/test", token=host).status == 409

    back = connect(api, host, "zoom")

    assert redirected_to(back)[1] == {"connected": ["zoom"]}
    r = api.post("/me/connections/zoom/test", token=host)
    assert (r.status, r.json["status"]) == (200, "connected")


def test_disconnecting_revokes_at_the_provider_then_forgets_the_tokens(
        api: Api, host: str, sandbox: ProviderSandbox) -> None:
    connect(api, host, "zoom")

    r = api.delete("/me/connections/zoom", token=host)

    assert r.status == 204
    assert sandbox.grants("zoom")[0].revoked_at is not None
    assert status_of(api, host, "zoom")["status"] == "not_connected"
    assert api.delete("/me/connections/zoom", token=host).code == "not_connected"


def test_disconnecting_with_an_expired_token_refreshes_it_to_revoke_the_grant(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect(api, host, "zoom")
    sandbox.expire_access_tokens("zoom")
    expire_in_penny(api, host, clock)

    assert api.delete("/me/connections/zoom", token=host).status == 204

    grant = sandbox.grants("zoom")[0]
    assert grant.refreshes == 1 and grant.revoked_at is not None


def test_disconnecting_microsoft_forgets_the_tokens_without_a_revocation_endpoint(
        api: Api, host: str, sandbox: ProviderSandbox) -> None:
    connect(api, host, "microsoft")

    assert api.delete("/me/connections/microsoft", token=host).status == 204

    assert status_of(api, host, "microsoft")["status"] == "not_connected"


def test_a_host_sees_only_their_own_connections(api: Api, host: str) -> None:
    connect(api, host, "google")
    other = make_host(api, slug="bob")

    assert status_of(api, other, "google")["status"] == "not_connected"
    assert api.delete("/me/connections/google", token=other).code == "not_connected"
    assert status_of(api, host, "google")["status"] == "connected"


def broken_events(stream: Stream) -> list[Event]:
    return [e for record in stream.read() for e in events_of(record)
            if e.type is EventKind.CONNECTION_BROKEN]


def together(count: int, action: Callable[[], T]) -> list[T]:
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(action())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


# ---- a token key rotation --------------------------------------------------------------


@pytest.mark.parametrize("provider", ["google", "notion", "zoom"])
def test_a_rotation_retires_the_old_key_once_each_connection_was_used(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock,
        provider: str) -> None:
    # Google's and Notion's tokens are never rewritten by a refresh (Google's refresh
    # token survives its use; Notion's never expires): read under the old key, they are
    # sealed again under the new one, so the old key can go.
    connect(api, host, provider)
    old = dict(bootstrap.services().settings.token_keys)
    new_key = base64.b64encode(bytes(range(32))).decode()
    rebuild(token_keys={"new-1": new_key, **old}, token_active_kid="new-1")  # seals
    assert api.post(f"/me/connections/{provider}/test", token=host).status == 200

    rebuild(token_keys={"new-1": new_key}, token_active_kid="new-1")        # old one gone
    r = api.post(f"/me/connections/{provider}/test", token=host)

    assert (r.status, r.json["status"]) == (200, "connected"), r.body


@pytest.mark.parametrize("provider", ["google", "zoom"])
def test_a_container_without_the_new_key_leaves_the_connection_connected_for_one_that_has_it(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock,
        provider: str) -> None:
    # While a rotation rolls out, old and new containers serve together: a new one seals
    # the tokens under the new key (again on read), and a warm old one, whose ring lacks
    # it, then meets them. It answers "try again", and marks nothing: the next request,
    # on a container with the key, works, and the host never has to reconnect.
    connect(api, host, provider)
    old = dict(bootstrap.services().settings.token_keys)
    old_kid = bootstrap.services().settings.token_active_kid
    new_ring = {"new-1": base64.b64encode(bytes(range(32))).decode(), **old}
    rebuild(token_keys=new_ring, token_active_kid="new-1")     # a new container: reseals
    assert api.post(f"/me/connections/{provider}/test", token=host).status == 200

    rebuild(token_keys=old, token_active_kid=old_kid)          # an old warm container
    on_old = api.post(f"/me/connections/{provider}/test", token=host)
    rebuild(token_keys=new_ring, token_active_kid="new-1")     # a new one again
    on_new = api.post(f"/me/connections/{provider}/test", token=host)

    assert (on_old.status, on_old.code) == (503, "provider_unavailable"), on_old.body
    assert (on_new.status, on_new.json["status"]) == (200, "connected"), on_new.body
    assert status_of(api, host, provider)["status"] == "connected"
