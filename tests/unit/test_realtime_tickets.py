"""Realtime tickets: what a refused ticket says, and what a ticket carries.

The clock stands at 2026-03-02T12:00:00Z; tickets live 60 seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt
import pytest

from chalicelib.domain.errors import AuthenticationError
from chalicelib.integrations.jwt_tokens import JwtAccessTokens
from chalicelib.services.tickets import RealtimeTickets
from tests.unit.fakes import FakeUsedTickets, FixedClock

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
TOKENS = JwtAccessTokens({"k1": "unit-test-signing-key-0123456789abcdef"}, "k1", "penny",
                         "penny-realtime", timedelta(seconds=60))


def tickets() -> RealtimeTickets:
    return RealtimeTickets(TOKENS, FixedClock(NOW), FakeUsedTickets())


def test_a_ticket_id_is_sixteen_random_bytes_and_never_repeats() -> None:
    issuer = tickets()
    ids = [jwt.decode(issuer.issue("host-1").token, options={"verify_signature": False})["jti"]
           for _ in range(3)]

    assert [len(i) for i in ids] == [22, 22, 22]  # 16 bytes, base64url without padding
    assert len(set(ids)) == 3


def test_a_ticket_names_the_login_it_was_issued_for() -> None:
    issuer = tickets()

    assert issuer.session_of(issuer.issue("host-1", "login-a").token) == "login-a"
    assert issuer.session_of(issuer.issue("host-1").token) is None


def test_a_token_without_a_ticket_id_is_refused_as_not_valid() -> None:
    with pytest.raises(AuthenticationError) as refused:
        tickets().verify(TOKENS.issue("host-1", NOW, "login-a"))

    assert refused.value.message == "this ticket is not valid; ask for a new one"


def test_a_used_ticket_is_refused_as_already_used() -> None:
    issuer = tickets()
    ticket = issuer.issue("host-1").token
    issuer.verify(ticket)

    with pytest.raises(AuthenticationError) as refused:
        issuer.verify(ticket)

    assert refused.value.message == "this ticket was already used; ask for a new one"
