"""The dashboard's session: CSRF tokens bound to a login, and one-minute realtime tickets.

The clock starts at 2026-03-02T12:00:00Z.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.errors import AuthenticationError, CsrfTokenError
from chalicelib.integrations.jwt_tokens import JwtAccessTokens
from chalicelib.services.accounts import AccountService
from chalicelib.services.sessions import BrowserSessions, CsrfTokens
from chalicelib.services.tickets import RealtimeTickets
from tests.unit.fakes import (
    FakeHosts,
    FakeRefreshTokens,
    FastPasswords,
    FixedClock,
)

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
KEYS = {"k1": "unit-test-signing-key-0123456789abcdef"}
PASSWORD = "correct horse battery"


def tokens(audience: str, ttl: timedelta) -> JwtAccessTokens:
    return JwtAccessTokens(KEYS, "k1", "penny", audience, ttl)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def sessions(clock: FixedClock) -> BrowserSessions:
    accounts = AccountService(FakeHosts(), FakeRefreshTokens(), FastPasswords(),
                              tokens("penny-api", timedelta(minutes=15)), clock,
                              timedelta(days=30))
    accounts.sign_up("alice@example.com", PASSWORD, "alice", "Alice", "UTC")
    return BrowserSessions(accounts, CsrfTokens("link-secret"))


def test_csrf_token_is_the_same_for_one_login_and_differs_between_logins() -> None:
    csrf = CsrfTokens("link-secret")

    assert csrf.token("host-1", "login-a") == csrf.token("host-1", "login-a")
    assert csrf.token("host-1", "login-a") != csrf.token("host-1", "login-b")
    assert csrf.token("host-1", "login-a") != csrf.token("host-2", "login-a")
    assert csrf.token("host-1", "login-a") != CsrfTokens("other").token("host-1", "login-a")


@pytest.mark.parametrize("presented", [None, "", "x" * 43])
def test_a_missing_or_wrong_csrf_token_is_refused(presented: str | None) -> None:
    with pytest.raises(CsrfTokenError):
        CsrfTokens("link-secret").check(presented, "host-1", "login-a")


def test_a_token_without_a_login_never_passes() -> None:
    csrf = CsrfTokens("link-secret")

    with pytest.raises(CsrfTokenError):
        csrf.check(csrf.token("host-1", ""), "host-1", None)


def test_a_browser_login_binds_its_access_token_to_the_login(sessions: BrowserSessions) -> None:
    browser = sessions.log_in("alice@example.com", PASSWORD)

    host = sessions.authenticate(browser.session.access_token, browser.csrf_token, changes=True)

    assert host == browser.session.host_id
    with pytest.raises(CsrfTokenError):
        sessions.authenticate(browser.session.access_token, None, changes=True)
    assert sessions.authenticate(browser.session.access_token, None, changes=False) == host


def test_an_api_clients_token_cannot_make_cookie_changes(sessions: BrowserSessions) -> None:
    api_session = sessions.accounts.log_in("alice@example.com", PASSWORD)  # no login binding
    forged = sessions.csrf.token(api_session.host_id, "")

    with pytest.raises(CsrfTokenError):
        sessions.authenticate(api_session.access_token, forged, changes=True)


def test_refresh_keeps_the_csrf_token_and_checks_it_before_rotating(
        sessions: BrowserSessions) -> None:
    browser = sessions.log_in("alice@example.com", PASSWORD)

    with pytest.raises(CsrfTokenError):
        sessions.refresh(browser.session.refresh_token, "wrong")
    renewed = sessions.refresh(browser.session.refresh_token, browser.csrf_token)

    assert renewed.csrf_token == browser.csrf_token
    assert renewed.session.refresh_token != browser.session.refresh_token


def test_a_ticket_lives_sixty_seconds_and_is_no_access_token(clock: FixedClock) -> None:
    access = tokens("penny-api", timedelta(minutes=15))
    tickets = RealtimeTickets(tokens("penny-realtime", timedelta(seconds=60)), clock)
    ticket, late = tickets.issue("host-1"), tickets.issue("host-1")

    assert ticket.expires_in == 60
    assert tickets.verify(ticket.token).host_id == "host-1"
    with pytest.raises(AuthenticationError):
        access.verify(ticket.token, NOW)
    with pytest.raises(AuthenticationError):
        tickets.verify(access.issue("host-1", NOW))
    clock.advance(timedelta(seconds=60))
    with pytest.raises(AuthenticationError):
        tickets.verify(late.token)


def test_two_tickets_issued_in_the_same_second_are_two_tickets(clock: FixedClock) -> None:
    # Each has its own id, so each opens its own socket (the socket's record is keyed by
    # it and refuses a second use: tests/unit/test_realtime_service.py).
    tickets = RealtimeTickets(tokens("penny-realtime", timedelta(seconds=60)), clock)
    first, second = tickets.issue("host-1"), tickets.issue("host-1")

    assert tickets.verify(first.token).ticket_id != tickets.verify(second.token).ticket_id
    # A used ticket is remembered at least as long as it could still be accepted.
    assert tickets.usable_until(NOW) >= NOW + timedelta(seconds=60)


def test_a_ticket_without_an_id_is_refused(clock: FixedClock) -> None:
    ticket_tokens = tokens("penny-realtime", timedelta(seconds=60))
    tickets = RealtimeTickets(ticket_tokens, clock)

    with pytest.raises(AuthenticationError):
        tickets.verify(ticket_tokens.issue("host-1", NOW))
