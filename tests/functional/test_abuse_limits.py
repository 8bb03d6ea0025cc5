"""Limits at the front door: failed logins back off per account and are counted per
network, signups per network.

Both answer 429 with a machine-readable code, a plain message and Retry-After.
"""

from __future__ import annotations

import pytest

from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, FixedClock, Response, rebuild
from tests.functional.test_function_url import url_event

ALICE = {"email": "alice@example.com", "password": "correct horse battery"}
WRONG = {**ALICE, "password": "not the password"}


@pytest.fixture
def alice(api: Api) -> Api:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    return api


def assert_too_many(r: Response, code: str, retry_after: int) -> None:
    assert r.status == 429, r.json
    assert r.code == code
    assert r.headers["Retry-After"] == str(retry_after)
    assert r.headers["Content-Type"] == "application/json"
    assert r.json["error"]["message"].startswith("Too many")


def test_after_five_failed_logins_even_the_right_password_waits(
        alice: Api, clock: FixedClock) -> None:
    for _ in range(5):
        assert alice.post("/auth/login", WRONG).status == 401

    r = alice.post("/auth/login", ALICE)

    assert_too_many(r, "too_many_attempts", 1)
    clock.advance(seconds=1)
    assert alice.post("/auth/login", ALICE).status == 200


def test_the_wait_doubles_with_each_further_failure(alice: Api, clock: FixedClock) -> None:
    for _ in range(5):
        alice.post("/auth/login", WRONG)
    clock.advance(seconds=1)
    assert alice.post("/auth/login", WRONG).status == 401  # the 6th failure: 2 s

    assert_too_many(alice.post("/auth/login", ALICE), "too_many_attempts", 2)


def test_the_dashboard_login_shares_the_accounts_count(alice: Api) -> None:
    for _ in range(5):
        alice.post("/auth/login", WRONG)

    r = Browser(alice).post("/auth/session", ALICE)

    assert_too_many(r, "too_many_attempts", 1)
    assert "Set-Cookie" not in r.headers


def test_a_successful_login_starts_the_count_again(alice: Api) -> None:
    for _ in range(4):
        alice.post("/auth/login", WRONG)
    assert alice.post("/auth/login", ALICE).status == 200

    for _ in range(4):
        assert alice.post("/auth/login", WRONG).status == 401
    assert alice.post("/auth/login", ALICE).status == 200


def test_an_unknown_email_is_throttled_like_a_known_one(api: Api) -> None:
    ghost = {**WRONG, "email": "ghost@example.com"}
    for _ in range(5):
        assert api.post("/auth/login", ghost).status == 401

    assert_too_many(api.post("/auth/login", ghost), "too_many_attempts", 1)


def login_from(source_ip: str, body: dict[str, str], path: str = "/auth/login"
               ) -> tuple[int, dict[str, str], str]:
    import app as app_module

    event = url_event("POST", path, body=body,
                      headers={"origin": "http://penny.test"} if "session" in path else None)
    event["requestContext"]["http"]["sourceIp"] = source_ip
    response = app_module.app(event, None)
    return response["statusCode"], response["headers"], response["body"]


def test_one_network_failing_with_many_emails_waits_for_the_window(
        alice: Api, clock: FixedClock) -> None:
    rebuild(login_failures_per_network=3)
    for n in range(3):  # a new e-mail each time: no account's own lock starts
        guess = {"email": f"user{n}@example.com", "password": "guess"}
        assert login_from("203.0.113.50", guess)[0] == 401

    status, headers, body = login_from("203.0.113.50", ALICE)

    assert status == 429 and '"too_many_attempts"' in body
    assert "from this network" in body
    assert headers["Retry-After"] == "900"  # the clock is on the hour: the whole window
    assert login_from("203.0.113.50", ALICE, "/auth/session")[0] == 429  # the dashboard's too
    assert login_from("198.51.100.4", ALICE)[0] == 200  # another network is not held back
    clock.advance(minutes=15)
    assert login_from("203.0.113.50", ALICE)[0] == 200


def signup_from(source_ip: str, slug: str) -> tuple[int, dict[str, str], str]:
    import app as app_module

    event = url_event("POST", "/auth/signup", body=f.signup(slug))
    event["requestContext"]["http"]["sourceIp"] = source_ip
    response = app_module.app(event, None)
    return response["statusCode"], response["headers"], response["body"]


def test_signups_from_one_network_are_limited_per_hour(api: Api, clock: FixedClock) -> None:
    for i in range(10):  # the default: ten an hour
        assert signup_from("203.0.113.9", f"host{i}")[0] == 201

    status, headers, body = signup_from("203.0.113.9", "host10")

    assert status == 429 and '"too_many_signups"' in body
    assert headers["Retry-After"] == "3600"  # the clock is on the hour: a full window left
    assert headers["Cache-Control"] == "no-store"
    assert signup_from("198.51.100.4", "other")[0] == 201
    clock.advance(hours=1)
    assert signup_from("203.0.113.9", "host10")[0] == 201


def test_an_ipv6_client_is_one_network_however_many_addresses_it_uses(api: Api) -> None:
    for i in range(10):
        assert signup_from(f"2001:db8:5:6::{i + 1:x}", f"host{i}")[0] == 201

    assert signup_from("2001:db8:5:6:ffff::1", "host10")[0] == 429
    assert signup_from("2001:db8:5:7::1", "host11")[0] == 201


def test_the_dashboard_signup_is_limited_too(api: Api) -> None:
    browser = Browser(api)
    for i in range(10):
        assert browser.post("/auth/session/signup", f.signup(f"host{i}")).status == 201

    r = browser.post("/auth/session/signup", f.signup("host10"))

    assert r.status == 429 and r.code == "too_many_signups"
    assert api.post("/auth/login", {**ALICE, "email": "host10@example.com"}).status == 401


def test_the_document_lists_429_with_retry_after_where_it_can_happen(api: Api) -> None:
    paths = api.get("/openapi.json").json["paths"]

    for path, method in (("/auth/login", "post"), ("/auth/session", "post"),
                         ("/auth/signup", "post"), ("/auth/session/signup", "post")):
        answer = paths[path][method]["responses"]["429"]
        assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "429" not in paths["/auth/refresh"]["post"]["responses"]
