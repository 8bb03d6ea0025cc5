"""Sign in with Google or Microsoft (OpenID Connect), end to end: the dashboard's cookie
session, the real clients (authlib + google-auth, msal + pyjwt) against the provider
sandbox, the store on moto.

A browser (tests/functional/browser.py) keeps the cookies: the binding cookie from the
start, the session cookies the callback sets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.provider_settings import Providers
from sandbox.server import ProviderSandbox, start_sandbox
from sandbox.testing import consent
from tests.functional import factories as f
from tests.functional.browser import Browser, Cookie
from tests.functional.conftest import Api, FixedClock, Response, rebuild

PUBLIC = "http://penny.test"
GRACE = "c4d5e6f7-0a1b-4c2d-8e3f-9a0b1c2d3e4f"  # the sandbox's unverified Microsoft account


@pytest.fixture
def sandbox(api: Api, clock: FixedClock) -> Iterator[ProviderSandbox]:
    with start_sandbox(redirect_uris=(f"{PUBLIC}/oauth/{{provider}}/callback",)) as running:
        clock.current = datetime.now(UTC).replace(microsecond=0)  # ID tokens' clock
        entries = json.dumps(running.penny_providers())
        rebuild(providers=Providers.from_json(entries, "the sandbox", deployed=False))
        yield running


def sign_in(browser: Browser, provider: str, account: str | None = None,
            decision: str = "allow", path: str | None = None) -> Response:
    """Click "Sign in with <provider>" (or link, at `path`), consent, come back."""
    start = browser.post(path or f"/auth/oidc/{provider}", {"timezone": "Europe/Berlin"}
                         if path is None else None)
    assert start.status == 200, start.body
    location = consent(start.json["authorize_url"], decision, account)
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    return browser.get(f"{parts.path}?{parts.query}")


def went_to(r: Response) -> tuple[str, dict[str, list[str]]]:
    assert r.status == 303, r.body
    location = next(v for k, v in r.headers.items() if k.lower() == "location")
    parts = urlsplit(location)
    return parts.path, parse_qs(parts.query)


def test_a_new_google_user_gets_an_account_and_a_session(
        api: Api, sandbox: ProviderSandbox) -> None:
    browser = Browser(api)

    back = sign_in(browser, "google")

    assert went_to(back) == ("/app/welcome", {})
    profile = browser.get("/me/profile")
    assert profile.status == 200, profile.body
    assert profile.json["slug"] == "ada" and profile.json["display_name"] == "Ada Lovelace"
    assert profile.json["timezone"] == "Europe/Berlin"
    assert [i["provider"] for i in browser.get("/me/identities").json["identities"]] == [
        "google"]
    # It has no password: nobody can log in to it with one
    r = api.post("/auth/login", {"email": "ada@sandbox.test", "password": ""})
    assert r.status in (400, 401)


def test_signing_in_again_opens_the_same_account(api: Api, sandbox: ProviderSandbox) -> None:
    first = Browser(api)
    sign_in(first, "google")
    host_id = first.get("/me/profile").json["id"]
    second = Browser(api)

    back = sign_in(second, "google")

    assert went_to(back) == ("/app/bookings", {})
    assert second.get("/me/profile").json["id"] == host_id



def sign_in_to(browser: Browser, view: str) -> Response:
    """Click "Sign in with Google" on the login view shown for a bookmarked `view`."""
    start = browser.post("/auth/oidc/google", {"timezone": "Europe/Berlin", "view": view})
    assert start.status == 200, start.body
    location = urlsplit(consent(start.json["authorize_url"], "allow", None))
    return browser.get(f"{location.path}?{location.query}")


def test_signing_in_comes_back_to_the_view_the_host_asked_for(
        api: Api, sandbox: ProviderSandbox) -> None:
    sign_in(Browser(api), "google")  # the account exists

    for view in ("availability", "event-types", "connections"):
        assert went_to(sign_in_to(Browser(api), view)) == (f"/app/{view}", {})


def test_a_new_account_starts_at_the_welcome_steps_whatever_view_was_asked_for(
        api: Api, sandbox: ProviderSandbox) -> None:
    assert went_to(sign_in_to(Browser(api), "availability")) == ("/app/welcome", {})


@pytest.mark.parametrize("view", ["https://evil.example/app", "//evil.example",
                                  "/app/availability", "availability/../../x", "login"])
def test_a_way_back_that_is_not_a_view_of_the_dashboard_is_refused_before_the_provider(
        api: Api, sandbox: ProviderSandbox, view: str) -> None:
    r = Browser(api).post("/auth/oidc/google", {"timezone": "Europe/Berlin", "view": view})

    assert (r.status, r.code, r.json["error"]["field"]) == (400, "validation_error", "view")

def test_microsoft_signs_in_by_tenant_and_object_id(api: Api, sandbox: ProviderSandbox) -> None:
    browser = Browser(api)

    assert went_to(sign_in(browser, "microsoft"))[0] == "/app/welcome"

    again = Browser(api)
    assert went_to(sign_in(again, "microsoft"))[0] == "/app/bookings"
    assert again.get("/me/profile").json["id"] == browser.get("/me/profile").json["id"]


def test_an_unverified_microsoft_email_makes_no_account(
        api: Api, sandbox: ProviderSandbox) -> None:
    browser = Browser(api)

    back = sign_in(browser, "microsoft", account=GRACE)

    assert went_to(back) == ("/app/login", {"provider": ["microsoft"],
                                            "error": ["identity_unverified"]})
    assert browser.get("/me/profile").status == 401
    r = api.post("/auth/signup", f.signup("grace", email="grace@unverified.test"))
    assert r.status == 201  # the e-mail was never taken by the refused sign-in


def test_an_email_with_a_password_account_is_never_linked_by_signing_in(
        api: Api, sandbox: ProviderSandbox) -> None:
    # GIVEN a password account with the Google account's e-mail
    assert api.post("/auth/signup", f.signup("ada", email="ada@sandbox.test")).status == 201
    browser = Browser(api)

    back = sign_in(browser, "google")

    assert went_to(back) == ("/app/login", {"provider": ["google"], "error": ["email_taken"]})
    assert browser.get("/me/profile").status == 401


def test_a_logged_in_password_account_links_google_then_signs_in_with_it(
        api: Api, sandbox: ProviderSandbox) -> None:
    assert api.post("/auth/signup", f.signup("ada", email="ada@sandbox.test")).status == 201
    browser = Browser(api)
    assert browser.post("/auth/session", {"email": "ada@sandbox.test",
                                          "password": "correct horse battery"}).status == 200
    host_id = browser.get("/me/profile").json["id"]

    linked = sign_in(browser, "google", path="/me/identities/google")

    assert went_to(linked) == ("/app/profile", {"linked": ["google"]})
    other = Browser(api)
    assert went_to(sign_in(other, "google"))[0] == "/app/bookings"
    assert other.get("/me/profile").json["id"] == host_id


def test_an_identity_of_another_account_cannot_be_linked(
        api: Api, sandbox: ProviderSandbox) -> None:
    sign_in(Browser(api), "google")  # Ada's Google account made its own Penny account
    assert api.post("/auth/signup", f.signup("bob")).status == 201
    bob = Browser(api)
    assert bob.post("/auth/session", {"email": "bob@example.com",
                                      "password": "correct horse battery"}).status == 200

    back = sign_in(bob, "google", path="/me/identities/google")

    assert went_to(back) == ("/app/profile", {"provider": ["google"],
                                              "error": ["identity_linked"]})
    assert bob.get("/me/identities").json["identities"] == []


def test_an_id_token_with_another_nonce_is_refused(api: Api, sandbox: ProviderSandbox) -> None:
    sandbox.override_next_id_token("google", nonce="someone-elses")
    browser = Browser(api)

    back = sign_in(browser, "google")

    assert went_to(back) == ("/app/login", {"provider": ["google"],
                                            "error": ["provider_rejected"]})
    assert browser.get("/me/profile").status == 401


def test_the_last_way_into_an_account_without_a_password_cannot_be_unlinked(
        api: Api, sandbox: ProviderSandbox) -> None:
    browser = Browser(api)
    sign_in(browser, "google")

    r = browser.delete("/me/identities/google")

    assert (r.status, r.code) == (400, "last_sign_in")
    assert len(browser.get("/me/identities").json["identities"]) == 1


def test_a_password_account_unlinks_its_identity(api: Api, sandbox: ProviderSandbox) -> None:
    assert api.post("/auth/signup", f.signup("ada", email="ada@sandbox.test")).status == 201
    browser = Browser(api)
    browser.post("/auth/session", {"email": "ada@sandbox.test",
                                   "password": "correct horse battery"})
    sign_in(browser, "google", path="/me/identities/google")

    assert browser.delete("/me/identities/google").status == 204

    assert browser.get("/me/identities").json["identities"] == []
    assert went_to(sign_in(Browser(api), "google")) == (
        "/app/login", {"provider": ["google"], "error": ["email_taken"]})


def test_signing_in_is_refused_from_another_site(api: Api, sandbox: ProviderSandbox) -> None:
    browser = Browser(api, origin="https://evil.example")

    r = browser.post("/auth/oidc/google", {})

    assert r.status == 403


def test_a_binding_planted_by_a_sibling_subdomain_does_not_sign_the_visitor_in(
        api: Api, sandbox: ProviderSandbox) -> None:
    # GIVEN an attacker who started "Sign in with Google" with their own account and
    # stopped at the callback, and a sibling subdomain that planted their binding in the
    # visitor's browser under the one name it can set (`__Secure-`, Domain=<parent>)
    attacker = Browser(api)
    start = attacker.post("/auth/oidc/google", {"timezone": "Europe/Berlin"})
    [(name, binding)] = [(n, c) for n, c in attacker.jar.items() if "penny_oauth" in n]
    callback = urlsplit(consent(start.json["authorize_url"]))
    visitor = Browser(api)
    visitor.jar[f"__Secure-{name.split('-', 1)[1]}"] = Cookie(binding.value, {"path": "/"})

    # WHEN the visitor follows a link to that callback
    back = visitor.get(f"{callback.path}?{callback.query}")

    # THEN no session is opened in the visitor's browser (no login CSRF)
    assert back.status == 400 and b"another browser" in back.body
    assert not any("penny_access" in n for n in visitor.jar)
    assert visitor.get("/me/profile").status == 401


def test_zoom_and_notion_offer_no_sign_in(api: Api, sandbox: ProviderSandbox) -> None:
    r = Browser(api).post("/auth/oidc/zoom", {})

    assert (r.status, r.code) == (400, "validation_error")
