"""The dashboard's cookie session: httpOnly cookies, CSRF token and Origin, refresh, logout."""

from __future__ import annotations

import pytest

from chalicelib.functions.browser_session import CookiePolicy, policy
from tests.functional import factories as f
from tests.functional.browser import Browser, set_cookies
from tests.functional.conftest import Api, FixedClock

ACCESS, REFRESH, CSRF = "__Host-penny_access", "__Secure-penny_refresh", "__Host-penny_csrf"


@pytest.fixture
def browser(api: Api) -> Browser:
    r = api.post("/auth/signup", f.signup("alice"))
    assert r.status == 201, r.json
    return Browser(api)


def logged_in(browser: Browser) -> Browser:
    r = browser.post("/auth/session", {"email": "alice@example.com",
                                       "password": "correct horse battery"})
    assert r.status == 200, r.json
    return browser


# ---- logging in -------------------------------------------------------------------------

def test_login_sets_httponly_strict_cookies_and_returns_no_token(browser: Browser) -> None:
    r = browser.post("/auth/session", {"email": "alice@example.com",
                                       "password": "correct horse battery"})

    assert r.status == 200, r.json
    assert set(r.json) == {"host_id", "csrf_token", "expires_in"}
    assert r.json["expires_in"] == 900
    assert r.headers["Cache-Control"] == "no-store"
    cookies = set_cookies(r)
    assert set(cookies) == {ACCESS, REFRESH, CSRF}
    for name, cookie in cookies.items():
        assert {"secure", "samesite"} <= set(cookie.attributes), name
        assert cookie.attributes["samesite"] == "Strict"
        assert ("httponly" in cookie.attributes) == (name != CSRF), name
        assert "domain" not in cookie.attributes
    assert cookies[ACCESS].attributes["path"] == "/"
    assert cookies[ACCESS].attributes["max-age"] == "900"
    assert cookies[REFRESH].attributes["path"] == "/auth/session"
    assert cookies[REFRESH].attributes["max-age"] == str(30 * 24 * 3600)
    assert cookies[CSRF].value == r.json["csrf_token"]


def test_over_plain_http_to_localhost_cookies_are_not_secure_nor_prefixed(api: Api) -> None:
    api.post("/auth/signup", f.signup("alice"))
    browser = Browser(api, origin="http://127.0.0.1:8000", host="127.0.0.1:8000")

    r = browser.post("/auth/session", {"email": "alice@example.com",
                                       "password": "correct horse battery"})

    assert r.status == 200, r.json
    cookies = set_cookies(r)
    assert set(cookies) == {"penny_access", "penny_refresh", "penny_csrf"}
    assert all("secure" not in c.attributes for c in cookies.values())
    assert browser.get("/me/profile").status == 200


@pytest.mark.parametrize("host", ["[::1", "[", "[abc]"])
def test_a_host_header_that_names_no_host_is_answered_like_any_other_request(
        api: Api, host: str) -> None:
    token = api.post("/auth/signup", f.signup("alice")).json["access_token"]

    r = api.get("/me/profile", headers={"Host": host, "Authorization": f"Bearer {token}"})

    assert r.status == 200, r.json  # was 500: the cookie policy could not parse the Host
    browser = Browser(api, host=host)
    r = logged_in(browser).post("/auth/session/refresh")
    assert r.status == 200, r.json
    assert set(set_cookies(r)) == {ACCESS, REFRESH, CSRF}  # no loopback host: Secure
    assert browser.delete("/auth/session").status == 204
    callback = api.get("/oauth/google/callback?state=forged", headers={"Host": host})
    assert callback.status == 400


def test_signup_with_a_session_returns_the_profile_and_sets_the_cookies(api: Api) -> None:
    browser = Browser(api)

    r = browser.post("/auth/session/signup", f.signup("kim", display_name="Kim Coach"))

    assert r.status == 201, r.json
    assert r.json["host"]["slug"] == "kim" and r.json["host"]["display_name"] == "Kim Coach"
    assert "access_token" not in r.json and "refresh_token" not in r.json
    assert browser.get("/me/profile").json["slug"] == "kim"


def test_wrong_password_is_401_and_sets_nothing(browser: Browser) -> None:
    r = browser.post("/auth/session", {"email": "alice@example.com", "password": "nope"})

    assert r.status == 401 and r.code == "invalid_credentials"
    assert set_cookies(r) == {}


@pytest.mark.parametrize("origin", [None, "null", "https://evil.example", "http://penny.test.evil"])
def test_login_from_another_or_no_origin_is_refused(browser: Browser, origin: str | None) -> None:
    browser.origin = origin

    r = browser.post("/auth/session", {"email": "alice@example.com",
                                       "password": "correct horse battery"})

    assert r.status == 403 and r.code == "cross_origin_request"
    assert set_cookies(r) == {}


# ---- using the session ------------------------------------------------------------------

def test_reading_with_the_cookie_needs_no_csrf_token(browser: Browser) -> None:
    logged_in(browser)
    browser.origin = None

    r = browser.get("/me/profile")

    assert r.status == 200 and r.json["slug"] == "alice"
    assert r.headers["Cache-Control"] == "no-store"


def test_a_change_with_the_cookie_and_csrf_token_goes_through(browser: Browser) -> None:
    logged_in(browser)

    r = browser.put("/me/profile", f.profile("alice", display_name="Alice L."))

    assert r.status == 200, r.json
    assert r.json["display_name"] == "Alice L."


def test_a_change_without_the_csrf_token_is_403_and_changes_nothing(browser: Browser) -> None:
    logged_in(browser)
    browser.csrf_header = False

    r = browser.put("/me/profile", f.profile("alice", display_name="Mallory"))

    assert r.status == 403 and r.code == "csrf_token_invalid"
    assert r.json["error"]["message"]
    assert browser.get("/me/profile").json["display_name"] == "Alice"


def test_a_change_with_a_wrong_csrf_token_is_403(browser: Browser) -> None:
    logged_in(browser)

    r = browser.put("/me/profile", f.profile("alice", display_name="Mallory"),
                    headers={"X-CSRF-Token": "A" * 43})

    assert r.status == 403 and r.code == "csrf_token_invalid"


def test_another_logins_csrf_token_does_not_fit(browser: Browser, api: Api) -> None:
    other = logged_in(Browser(api))
    logged_in(browser)

    r = browser.put("/me/profile", f.profile("alice"),
                    headers={"X-CSRF-Token": str(other.csrf_cookie)})

    assert r.status == 403 and r.code == "csrf_token_invalid"


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"},
                                     {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site"}])
def test_a_change_from_another_origin_is_403_even_with_the_token(
        browser: Browser, headers: dict[str, str]) -> None:
    logged_in(browser)

    r = browser.put("/me/profile", f.profile("alice", display_name="Mallory"), headers=headers)

    assert r.status == 403 and r.code == "cross_origin_request"


def test_a_change_without_origin_is_403(browser: Browser) -> None:
    logged_in(browser)
    browser.origin = None

    r = browser.post("/me/event-types", f.event_type())

    assert r.status == 403 and r.code == "cross_origin_request"


def test_bearer_clients_need_neither_csrf_token_nor_origin(api: Api) -> None:
    token = api.post("/auth/signup", f.signup("alice")).json["access_token"]

    r = api.put("/me/profile", f.profile("alice", display_name="Al"), token=token)

    assert r.status == 200, r.json


def test_without_cookie_or_bearer_it_is_still_401(api: Api) -> None:
    r = api.get("/me/profile", headers={"Cookie": "penny_access=forged; other=1"})

    assert r.status == 401 and r.code == "unauthorized"


# ---- refresh ----------------------------------------------------------------------------

def test_an_expired_access_cookie_is_refreshed_with_the_refresh_cookie(
        browser: Browser, clock: FixedClock) -> None:
    logged_in(browser)
    old_access, old_csrf = browser.jar[ACCESS].value, browser.csrf_cookie
    clock.advance(minutes=16)
    assert browser.get("/me/profile").status == 401

    r = browser.post("/auth/session/refresh")

    assert r.status == 200, r.json
    assert set(set_cookies(r)) == {ACCESS, REFRESH, CSRF}
    assert browser.jar[ACCESS].value != old_access
    assert browser.csrf_cookie == old_csrf == r.json["csrf_token"]  # same login, same token
    assert browser.get("/me/profile").status == 200
    assert browser.put("/me/profile", f.profile("alice")).status == 200


def test_refresh_without_the_csrf_token_is_403_and_keeps_the_session(browser: Browser) -> None:
    logged_in(browser)
    browser.csrf_header = False

    r = browser.post("/auth/session/refresh")

    assert r.status == 403 and r.code == "csrf_token_invalid"
    browser.csrf_header = True
    assert browser.post("/auth/session/refresh").status == 200


def test_refresh_from_another_origin_is_403(browser: Browser) -> None:
    logged_in(browser)
    browser.origin = "https://evil.example"

    assert browser.post("/auth/session/refresh").code == "cross_origin_request"


def test_refresh_without_a_session_is_401_and_clears_the_cookies(browser: Browser) -> None:
    r = browser.post("/auth/session/refresh")

    assert r.status == 401 and r.code == "unauthorized"
    cleared = set_cookies(r)
    assert set(cleared) == {ACCESS, REFRESH, CSRF}
    assert all(c.attributes["max-age"] == "0" for c in cleared.values())


def test_a_replayed_refresh_cookie_ends_the_session(browser: Browser) -> None:
    logged_in(browser)
    stolen = browser.jar[REFRESH].value
    assert browser.post("/auth/session/refresh").status == 200
    browser.jar[REFRESH].value = stolen

    r = browser.post("/auth/session/refresh")

    assert r.status == 401 and r.code == "refresh_token_reused"
    assert browser.jar == {}


# ---- logout -----------------------------------------------------------------------------

def test_logout_revokes_the_session_and_clears_the_cookies(browser: Browser) -> None:
    logged_in(browser)
    refresh_cookie = browser.jar[REFRESH].value

    r = browser.delete("/auth/session")

    assert r.status == 204
    cleared = set_cookies(r)
    assert set(cleared) == {ACCESS, REFRESH, CSRF}
    assert all(c.attributes["max-age"] == "0" and c.value == "" for c in cleared.values())
    assert cleared[REFRESH].attributes["path"] == "/auth/session"
    browser.jar[REFRESH] = type(cleared[REFRESH])(refresh_cookie, {"path": "/auth/session"})
    assert browser.post("/auth/session/refresh").status == 401


def test_after_logout_the_old_access_cookie_neither_reads_nor_changes(browser: Browser) -> None:
    logged_in(browser)
    kept = dict(browser.jar)  # what a copy of the cookies, taken before logout, still holds

    assert browser.delete("/auth/session").status == 204
    browser.jar.update(kept)

    read, change = browser.get("/me/profile"), browser.put("/me/profile", f.profile("alice"))
    assert read.status == 401 and change.status == 401 and change.code == "unauthorized"
    assert "session has ended" in change.json["error"]["message"]


def test_a_replayed_refresh_cookie_also_ends_the_access_cookie(browser: Browser) -> None:
    logged_in(browser)
    stolen = browser.jar[REFRESH].value
    assert browser.post("/auth/session/refresh").status == 200
    kept = dict(browser.jar)
    browser.jar[REFRESH].value = stolen
    assert browser.post("/auth/session/refresh").code == "refresh_token_reused"
    browser.jar.update(kept)

    assert browser.get("/me/profile").status == 401


def test_logout_ends_only_its_own_login(browser: Browser, api: Api) -> None:
    logged_in(browser)
    other = logged_in(Browser(api))

    assert browser.delete("/auth/session").status == 204

    assert other.get("/me/profile").status == 200
    assert other.put("/me/profile", f.profile("alice")).status == 200


def test_logout_without_the_csrf_token_is_403_and_revokes_nothing(browser: Browser) -> None:
    logged_in(browser)
    browser.csrf_header = False

    r = browser.delete("/auth/session")

    assert r.status == 403 and r.code == "csrf_token_invalid"
    browser.csrf_header = True
    assert browser.post("/auth/session/refresh").status == 200


def test_logout_without_a_session_just_clears_the_cookies(browser: Browser) -> None:
    r = browser.delete("/auth/session")

    assert r.status == 204
    assert set(set_cookies(r)) == {ACCESS, REFRESH, CSRF}


# ---- under a path prefix (API Gateway's stage) ------------------------------------------

class _Request:
    def __init__(self, path: str, resource: str, headers: dict[str, str]) -> None:
        self.context = {"path": path, "resourcePath": resource}
        self.headers = headers


def test_under_a_stage_prefix_the_refresh_cookie_path_has_the_prefix() -> None:
    found = policy(_Request("/api/auth/session", "/auth/session",
                            {"host": "abc.execute-api.eu-west-1.amazonaws.com",
                             "x-forwarded-proto": "https"}))

    assert found == CookiePolicy(secure=True, base="/api")
    assert "Path=/api/auth/session" in found.set("penny_refresh", "x", 60)
    assert "Path=/;" in found.set("penny_access", "x", 60)
