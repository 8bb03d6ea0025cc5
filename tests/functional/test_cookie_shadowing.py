"""A refresh cookie planted by a sibling subdomain: `__Secure-` does not pin a cookie's
Domain (RFC 6265bis 4.1.3.1), so a sibling over https can set `__Secure-penny_refresh`
with Domain=<parent> and a longer Path, which the browser sends first. Every value sent
is tried; only the one the session's CSRF token is for is used (docs/security.md)."""
from __future__ import annotations

from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api

REFRESH = "__Secure-penny_refresh"


def _session(api: Api, slug: str) -> Browser:
    assert api.post("/auth/signup", f.signup(slug)).status == 201
    b = Browser(api)
    r = b.post("/auth/session", {"email": f"{slug}@example.com",
                                 "password": "correct horse battery"})
    assert r.status == 200, r.json
    return b


def test_a_refresh_cookie_planted_by_a_sibling_subdomain_does_not_shadow_the_hosts_own(
        api: Api) -> None:
    victim = _session(api, "alice")
    attacker = _session(api, "mallory")
    planted = attacker.jar[REFRESH].value  # mallory's own, valid refresh token
    own = victim.jar[REFRESH].value
    access = victim.jar["__Host-penny_access"].value
    # What the browser sends to /auth/session/refresh: the longer Path first (RFC 6265 5.4).
    cookie = (f"{REFRESH}={planted}; {REFRESH}={own}; __Host-penny_access={access}; "
              f"__Host-penny_csrf={victim.csrf_cookie}")

    r = api.post("/auth/session/refresh", headers={
        "Cookie": cookie, "Origin": "http://penny.test", "X-CSRF-Token": victim.csrf_cookie})

    assert r.status == 200, r.json  # refused: 403 csrf_token_invalid, the dashboard logs out


def test_a_planted_refresh_cookie_does_not_stop_logout_from_ending_the_login(
        api: Api) -> None:
    victim = _session(api, "alice")
    attacker = _session(api, "mallory")
    planted = attacker.jar[REFRESH].value
    own = victim.jar[REFRESH].value
    access = victim.jar["__Host-penny_access"].value
    # Same Path as the real one, set earlier: sent first (RFC 6265 5.4, creation time).
    cookie = f"{REFRESH}={planted}; {REFRESH}={own}; __Host-penny_access={access}"

    api.delete("/auth/session", headers={
        "Cookie": cookie, "Origin": "http://penny.test", "X-CSRF-Token": victim.csrf_cookie})

    still = api.get("/me/profile", headers={"Cookie": f"__Host-penny_access={access}"})
    assert still.status == 401, still.json  # the login she ended still works
