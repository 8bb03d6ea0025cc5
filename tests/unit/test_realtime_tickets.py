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
from tests.unit.fakes import FixedClock

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
TOKENS = JwtAccessTokens({"k1": "unit-test-signing-key-0123456789abcdef"}, "k1", "penny",
                         "penny-realtime", timedelta(seconds=60))


def tickets() -> RealtimeTickets:
    return RealtimeTickets(TOKENS, FixedClock(NOW))


def test_a_ticket_id_is_sixteen_random_bytes_and_never_repeats() -> None:
    issuer = tickets()
    ids = [jwt.decode(issuer.issue("host-1").token, options={"verify_signature": False})["jti"]
           for _ in range(3)]

    assert [len(i) for i in ids] == [22, 22, 22]  # 16 bytes, base64url without padding
    assert len(set(ids)) == 3


def test_a_ticket_names_its_host_the_login_it_was_issued_for_and_its_id() -> None:
    issuer = tickets()
    ticket = issuer.issue("host-1", "login-a").token

    claims = issuer.verify(ticket)

    jti = jwt.decode(ticket, options={"verify_signature": False})["jti"]
    assert (claims.host_id, claims.session_id, claims.ticket_id) == ("host-1", "login-a", jti)
    assert issuer.verify(issuer.issue("host-1").token).session_id is None


def test_a_token_without_a_ticket_id_is_refused_as_not_valid() -> None:
    with pytest.raises(AuthenticationError) as refused:
        tickets().verify(TOKENS.issue("host-1", NOW, "login-a"))

    assert refused.value.message == "this ticket is not valid; ask for a new one"


def test_checking_a_ticket_uses_nothing_up_its_socket_does() -> None:
    # Single use is the socket's record's (tests/unit/test_realtime_service.py): a check
    # alone writes nothing, so it can be repeated.
    issuer = tickets()
    ticket = issuer.issue("host-1").token

    assert issuer.verify(ticket) == issuer.verify(ticket)


def test_a_ticket_used_now_is_accepted_again_until_usable_until_and_never_after() -> None:
    # Signed by a clock 60 s ahead of ours (the most a token may be): it lives longest.
    clock = FixedClock(NOW)
    issuer = RealtimeTickets(TOKENS, clock)
    ahead = TOKENS.issue("host-1", NOW + timedelta(seconds=60), token_id="t-1")
    until = issuer.usable_until(NOW)

    clock.at = until - timedelta(seconds=1)
    assert issuer.verify(ahead).ticket_id == "t-1"
    clock.at = until
    with pytest.raises(AuthenticationError):
        issuer.verify(ahead)
