"""PUT /me/password: changing the password, and setting a first one on an account a
Google sign-in made (then Google is no longer its last way in). The store is moto; the
Google sign-in runs against the provider sandbox (tests/functional/test_sign_in.py)."""

from __future__ import annotations

from typing import Any

from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, FixedClock, Response
from tests.functional.test_sign_in import sandbox, sign_in  # noqa: F401  (a fixture)

OLD = "correct horse battery"
NEW = "a brand new passphrase"


def logged_in(api: Api, email: str = "alice@example.com", password: str = OLD) -> Browser:
    browser = Browser(api)
    r = browser.post("/auth/session", {"email": email, "password": password})
    assert r.status == 200, r.body
    return browser


def change(browser: Browser, **body: Any) -> Response:
    return browser.put("/me/password", body)


def test_a_host_changes_the_password_and_every_other_login_ends(api: Api) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    mine, other = logged_in(api), logged_in(api)
    client = api.post("/auth/login", {"email": "alice@example.com", "password": OLD}).json

    r = change(mine, current_password=OLD, new_password=NEW)

    assert (r.status, r.json) == (200, {"first": False, "other_logins_ended": 3}), r.body
    assert other.get("/me/profile").status == 401
    assert other.post("/auth/session/refresh").status == 401
    assert api.post("/auth/refresh", {"refresh_token": client["refresh_token"]}).status == 401
    assert mine.post("/auth/session/refresh").status == 200
    assert mine.get("/me/profile").status == 200
    assert api.post("/auth/login", {"email": "alice@example.com",
                                    "password": OLD}).code == "invalid_credentials"
    assert api.post("/auth/login", {"email": "alice@example.com",
                                    "password": NEW}).status == 200


def test_a_new_password_of_spaces_alone_is_refused_and_changes_nothing(api: Api) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    mine = logged_in(api)

    r = change(mine, current_password=OLD, new_password=" " * 12)

    assert (r.status, r.code, r.json["error"]["field"]) == (400, "weak_password", "new_password")
    assert "spaces" in r.json["error"]["message"]
    assert api.post("/auth/login", {"email": "alice@example.com",
                                    "password": OLD}).status == 200

def test_an_api_client_changes_the_password_and_keeps_its_own_login(api: Api) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    first = api.post("/auth/login", {"email": "alice@example.com", "password": OLD}).json
    second = api.post("/auth/login", {"email": "alice@example.com", "password": OLD}).json

    r = api.put("/me/password", {"current_password": OLD, "new_password": NEW},
                token=first["access_token"])

    assert r.status == 200, r.body
    assert api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}).status == 200
    assert api.post("/auth/refresh", {"refresh_token": second["refresh_token"]}).status == 401


def test_bad_password_changes_are_refused_with_a_code_and_change_nothing(api: Api) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    mine, other = logged_in(api), logged_in(api)

    wrong = change(mine, current_password="not my password", new_password=NEW)
    weak = change(mine, current_password=OLD, new_password="short")
    missing = change(mine, new_password=NEW)
    malformed = change(mine, current_password=OLD)

    assert (wrong.status, wrong.code, wrong.json["error"]["field"]) == (
        403, "wrong_password", "current_password")
    assert (weak.status, weak.code, weak.json["error"]["field"]) == (
        400, "weak_password", "new_password")
    assert (missing.status, missing.code) == (400, "current_password_required")
    assert malformed.status == 400 and malformed.code
    assert other.get("/me/profile").status == 200
    assert api.post("/auth/login", {"email": "alice@example.com",
                                    "password": OLD}).status == 200


def test_a_password_change_from_another_site_is_refused(api: Api) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    browser = logged_in(api)
    browser.origin = "https://evil.example"

    r = change(browser, current_password=OLD, new_password=NEW)

    assert r.status == 403
    assert api.post("/auth/login", {"email": "alice@example.com",
                                    "password": OLD}).status == 200


def test_an_account_made_with_google_sets_a_password_then_can_unlink_google(
        api: Api, sandbox: ProviderSandbox) -> None:  # noqa: F811
    browser = Browser(api)
    sign_in(browser, "google")
    assert browser.get("/me/identities").json["has_password"] is False
    assert browser.delete("/me/identities/google").code == "last_sign_in"

    r = change(browser, new_password=NEW)

    assert (r.status, r.json) == (200, {"first": True, "other_logins_ended": 0}), r.body
    assert browser.get("/me/identities").json["has_password"] is True
    assert browser.delete("/me/identities/google").status == 204
    assert api.post("/auth/login", {"email": "ada@sandbox.test",
                                    "password": NEW}).status == 200


def test_a_first_password_needs_a_sign_in_from_the_last_minutes(
        api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> None:  # noqa: F811
    browser = Browser(api)
    sign_in(browser, "google")
    clock.advance(minutes=11)

    r = change(browser, new_password=NEW)

    assert (r.status, r.code) == (403, "reauthentication_required")
    assert browser.get("/me/identities").json["has_password"] is False
    assert api.post("/auth/login", {"email": "ada@sandbox.test",
                                    "password": NEW}).status == 401
