"""The vendor-neutral authorization server behind every fake, on a clock the test moves."""

from __future__ import annotations

import pytest

from sandbox.grants import AuthorizationServer, s256
from sandbox.model import Account, Client, Policy, Reason, Refusal

REDIRECT = "http://127.0.0.1:8000/callback"
ADA = Account("ada", "ada@sandbox.test", "Ada Lovelace")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _server(clock: Clock, rotates: bool = True) -> AuthorizationServer:
    return AuthorizationServer(
        Policy(access_ttl=3599, rotates_refresh_tokens=rotates, pkce=True),
        [Client("app", "secret", (REDIRECT,))], [ADA], clock)


def _code(server: AuthorizationServer, verifier: str = "v" * 43) -> str:
    request = server.begin("app", REDIRECT, ("calendar",), "state", "nonce", s256(verifier),
                           "S256", {})
    _, code = server.decide(request.id, allow=True, account_id="ada")
    assert code is not None
    return code


def test_a_code_expires_ten_minutes_after_consent() -> None:
    clock = Clock()
    server = _server(clock)
    code = _code(server)

    clock.now += 600

    with pytest.raises(Refusal) as refused:
        server.exchange_code("app", code, REDIRECT, "v" * 43)
    assert refused.value.reason is Reason.CODE_EXPIRED


def test_an_access_token_expires_after_its_lifetime() -> None:
    clock = Clock()
    server = _server(clock)
    issued = server.exchange_code("app", _code(server), REDIRECT, "v" * 43)
    assert server.resolve(issued.access_token).account == ADA

    clock.now += 3599

    with pytest.raises(Refusal) as refused:
        server.resolve(issued.access_token)
    assert refused.value.reason is Reason.TOKEN_EXPIRED


def test_the_redirect_uri_must_match_the_authorize_request() -> None:
    server = _server(Clock())

    with pytest.raises(Refusal) as refused:
        server.exchange_code("app", _code(server), "http://127.0.0.1:8000/other", "v" * 43)
    assert refused.value.reason is Reason.REDIRECT_MISMATCH


def test_a_code_of_another_client_is_refused() -> None:
    server = _server(Clock())

    with pytest.raises(Refusal) as refused:
        server.exchange_code("intruder", _code(server), REDIRECT, "v" * 43)
    assert refused.value.reason is Reason.CLIENT_MISMATCH


def test_a_missing_verifier_is_refused_when_a_challenge_was_sent() -> None:
    server = _server(Clock())

    with pytest.raises(Refusal) as refused:
        server.exchange_code("app", _code(server), REDIRECT, None)
    assert refused.value.reason is Reason.PKCE_MISSING


def test_without_rotation_the_refresh_token_keeps_working() -> None:
    server = _server(Clock(), rotates=False)
    issued = server.exchange_code("app", _code(server), REDIRECT, "v" * 43)
    assert issued.refresh_token is not None

    first = server.refresh("app", issued.refresh_token, ())
    second = server.refresh("app", issued.refresh_token, ())

    assert first.refresh_token is None and second.access_token != first.access_token


def test_a_refresh_may_narrow_the_scope_but_not_widen_it() -> None:
    server = _server(Clock(), rotates=False)
    issued = server.exchange_code("app", _code(server), REDIRECT, "v" * 43)
    assert issued.refresh_token is not None

    with pytest.raises(Refusal) as refused:
        server.refresh("app", issued.refresh_token, ("calendar", "mail"))
    assert refused.value.reason is Reason.SCOPE_WIDENED
    assert server.refresh("app", issued.refresh_token, ("calendar",)).access_token


def test_a_plain_challenge_is_refused_at_authorize() -> None:
    server = _server(Clock())

    with pytest.raises(Refusal) as refused:
        server.begin("app", REDIRECT, (), None, None, "v" * 43, "plain", {})
    assert refused.value.reason is Reason.UNSUPPORTED_CHALLENGE
