"""A refresh cookie planted by a sibling subdomain: `__Secure-` does not pin a cookie's
Domain (RFC 6265bis 4.1.3.1), so a sibling over https can set `__Secure-penny_refresh`
with Domain=<parent> and a longer Path, which the browser sends first. Every value sent
is tried; only the one the session's CSRF token is for is used (docs/security.md)."""
from __future__ import annotations

from chalicelib.functions.session_routes import MAX_SAME_NAME
from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, Response
from tests.functional.dynamodb_requests import recorded

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


# A sibling need not plant a working token: anything its own that is no use here (a made-up
# value, its own login logged out or expired) must not stand in front of the host's own.
PLANTS = ("x", "0123456789abcdef.forged", "not-a-token-at-all")


def test_a_planted_refresh_cookie_that_is_no_token_does_not_log_the_host_out(
        api: Api) -> None:
    victim = _session(api, "alice")
    own = victim.jar[REFRESH].value
    for planted in PLANTS:
        cookie = (f"{REFRESH}={planted}; {REFRESH}={own}; "
                  f"__Host-penny_csrf={victim.csrf_cookie}")

        r = api.post("/auth/session/refresh", headers={
            "Cookie": cookie, "Origin": "http://penny.test", "X-CSRF-Token": victim.csrf_cookie})

        assert r.status == 200, (planted, r.json)  # was 401, and the host's cookies cleared
        own = next(v for k, v in (h.split(";")[0].split("=", 1) for h in r.headers["Set-Cookie"])
                   if k == REFRESH)


def test_a_planted_refresh_cookie_of_an_ended_login_does_not_log_the_host_out(
        api: Api) -> None:
    victim = _session(api, "alice")
    attacker = _session(api, "mallory")
    planted = attacker.jar[REFRESH].value
    assert attacker.delete("/auth/session").status == 204  # mallory's login: revoked
    own = victim.jar[REFRESH].value
    cookie = f"{REFRESH}={planted}; {REFRESH}={own}; __Host-penny_csrf={victim.csrf_cookie}"

    r = api.post("/auth/session/refresh", headers={
        "Cookie": cookie, "Origin": "http://penny.test", "X-CSRF-Token": victim.csrf_cookie})

    assert r.status == 200, r.json


def test_a_planted_refresh_cookie_that_is_no_token_does_not_stop_logout(api: Api) -> None:
    victim = _session(api, "alice")
    own = victim.jar[REFRESH].value
    access = victim.jar["__Host-penny_access"].value
    cookie = f"{REFRESH}=0123456789abcdef.forged; {REFRESH}={own}; __Host-penny_access={access}"

    api.delete("/auth/session", headers={
        "Cookie": cookie, "Origin": "http://penny.test", "X-CSRF-Token": victim.csrf_cookie})

    still = api.get("/me/profile", headers={"Cookie": f"__Host-penny_access={access}"})
    assert still.status == 401, still.json  # the login she ended still works


def test_the_hosts_own_spent_refresh_token_still_ends_the_login_behind_a_plant(
        api: Api) -> None:
    victim = _session(api, "alice")
    spent = victim.jar[REFRESH].value
    assert victim.post("/auth/session/refresh").status == 200  # `spent` is now spent
    cookie = f"{REFRESH}=x; {REFRESH}={spent}; __Host-penny_csrf={victim.csrf_cookie}"

    r = api.post("/auth/session/refresh", headers={
        "Cookie": cookie, "Origin": "http://penny.test", "X-CSRF-Token": victim.csrf_cookie})

    assert r.status == 401 and r.json["error"]["code"] == "refresh_token_reused", r.json
    assert victim.get("/me/profile").status == 401  # reuse detection still ends the login


def test_a_forged_refresh_with_only_plants_and_a_wrong_csrf_token_clears_nothing(
        api: Api) -> None:
    victim = _session(api, "alice")
    own = victim.jar[REFRESH].value
    cookie = f"{REFRESH}=x; {REFRESH}={own}; __Host-penny_csrf={victim.csrf_cookie}"

    r = api.post("/auth/session/refresh", headers={
        "Cookie": cookie, "Origin": "http://penny.test", "X-CSRF-Token": "wrong"})

    assert r.status == 403 and r.json["error"]["code"] == "csrf_token_invalid", r.json
    assert "Set-Cookie" not in r.headers
    assert victim.post("/auth/session/refresh").status == 200


# A sibling sends up to three ahead of the host's own per parent domain level (Paths
# /auth/session/refresh and /auth/session/, and /auth/session set before the login:
# RFC 6265 5.4); nine is a host three levels below its registrable domain.
AHEAD = 9


def _shaped(count: int) -> list[str]:
    """Made-up values shaped like refresh tokens (no login holds them): each costs a read."""
    return [f"{n:016x}.{'P' * 43}" for n in range(count)]


def _refresh(api: Api, victim: Browser, plants: list[str]) -> Response:
    own = victim.jar[REFRESH].value
    sent = "; ".join(f"{REFRESH}={value}" for value in [*plants, own])
    return api.post("/auth/session/refresh", headers={
        "Cookie": f"{sent}; __Host-penny_csrf={victim.csrf_cookie}",
        "Origin": "http://penny.test", "X-CSRF-Token": victim.csrf_cookie})


def test_planted_refresh_cookies_shaped_like_tokens_ahead_of_the_hosts_own_do_not_log_it_out(
        api: Api) -> None:
    victim = _session(api, "alice")

    r = _refresh(api, victim, _shaped(AHEAD))

    assert r.status == 200, r.json  # was 401 past three, and the host's cookies cleared


def test_planted_refresh_cookies_shaped_like_tokens_do_not_stop_logout(api: Api) -> None:
    victim = _session(api, "alice")
    own = victim.jar[REFRESH].value
    access = victim.jar["__Host-penny_access"].value
    sent = "; ".join(f"{REFRESH}={value}" for value in [*_shaped(AHEAD), own])

    r = api.delete("/auth/session", headers={
        "Cookie": f"{sent}; __Host-penny_access={access}",
        "Origin": "http://penny.test", "X-CSRF-Token": victim.csrf_cookie})

    assert r.status == 204
    still = api.get("/me/profile", headers={"Cookie": f"__Host-penny_access={access}"})
    assert still.status == 401, still.json  # the login she ended still works


def test_planted_values_that_cannot_be_a_token_cost_no_read_however_many(api: Api) -> None:
    other, victim = _session(api, "bob"), _session(api, "alice")
    with recorded() as alone:
        assert _refresh(api, other, []).status == 200
    garbage = [f"x{n}" for n in range(40)] + ["0123456789abcdef.forged", "P" * 44]

    with recorded() as behind_garbage:
        r = _refresh(api, victim, garbage)

    assert r.status == 200, r.json
    assert behind_garbage.take() == alone.take()


def test_a_refresh_reads_no_more_refresh_cookies_than_its_bound(api: Api) -> None:
    victim = _session(api, "alice")

    with recorded() as requests:
        r = _refresh(api, victim, _shaped(4 * MAX_SAME_NAME))

    # The host's own came too late to be tried: a request's reads are bounded.
    assert r.status == 401, r.json
    assert requests.take().get("GetItem") == MAX_SAME_NAME
