"""Changing the password, and setting a first one on an account made by a provider
sign-in (services/passwords.py). The clock starts at 2026-03-02T12:00:00Z."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.errors import (
    AuthenticationError,
    CurrentPasswordRequiredError,
    InvalidCredentialsError,
    PasswordChangedError,
    ReauthenticationRequiredError,
    TooManyAttemptsError,
    UnknownRefreshTokenError,
    WeakPasswordError,
    WrongPasswordError,
)
from chalicelib.domain.hosts import Account, Profile
from chalicelib.integrations.jwt_tokens import JwtAccessTokens
from chalicelib.services.accounts import AccountService, Session
from chalicelib.services.passwords import Passwords
from chalicelib.services.rate_limits import LoginBackoff, NetworkLogins
from tests.unit.fakes import (
    FakeCounters,
    FakeHosts,
    FakeLoginSockets,
    FakeRefreshTokens,
    FastPasswords,
    FixedClock,
)

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
OLD = "correct horse battery"
NEW = "a brand new passphrase"
EMAIL = "alice@example.com"


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.hosts, self.tokens = FakeHosts(), FakeRefreshTokens()
        self.sockets, counters = FakeLoginSockets(), FakeCounters()
        access = JwtAccessTokens({"k": "unit-test-signing-key-0123456789abcdef"}, "k",
                                 "penny", "penny-api", timedelta(minutes=15))
        self.accounts = AccountService(
            self.hosts, self.tokens, FastPasswords(), access, self.clock, timedelta(days=30),
            logins=LoginBackoff(counters, self.clock),
            networks=NetworkLogins(counters, self.clock), sockets=self.sockets)
        self.passwords = Passwords(self.accounts)

    def sign_up(self) -> Session:
        return self.accounts.sign_up(EMAIL, OLD, "alice", "Alice", "UTC", bound=True)[1]

    def provider_account(self) -> Session:
        """An account a Google sign-in made: no password, one fresh login."""
        self.hosts.create(Profile("h-google", "grace", "Grace", "UTC"), "grace@example.com",
                          "", self.clock.now())
        return self.accounts.open_session("h-google")


@pytest.fixture
def world() -> World:
    return World()


def test_changing_the_password_lets_only_the_new_one_log_in(world: World) -> None:
    mine = world.sign_up()

    done = world.passwords.change(mine.host_id, mine.session_id, OLD, NEW)

    assert not done.first
    assert world.accounts.log_in(EMAIL, NEW).host_id == mine.host_id
    with pytest.raises(InvalidCredentialsError):
        world.accounts.log_in(EMAIL, OLD)


def test_changing_the_password_ends_every_other_login_and_keeps_the_callers(
        world: World) -> None:
    mine = world.sign_up()
    phone = world.accounts.log_in(EMAIL, OLD, bound=True)
    laptop = world.accounts.log_in(EMAIL, OLD, bound=True)

    done = world.passwords.change(mine.host_id, mine.session_id, OLD, NEW)

    assert done.other_logins_ended == 2
    for other in (phone, laptop):
        with pytest.raises(UnknownRefreshTokenError):
            world.accounts.refresh(other.refresh_token)
        with pytest.raises(AuthenticationError):
            world.accounts.claims(other.access_token)
    assert sorted(world.sockets.closed) == sorted(
        [(mine.host_id, phone.session_id), (mine.host_id, laptop.session_id)])
    assert world.accounts.refresh(mine.refresh_token).host_id == mine.host_id
    assert world.tokens.for_host(mine.host_id) == [mine.session_id]


def test_a_login_ended_before_the_change_is_not_counted_again(world: World) -> None:
    mine = world.sign_up()
    world.accounts.log_out(world.accounts.log_in(EMAIL, OLD).refresh_token)

    assert world.passwords.change(mine.host_id, mine.session_id, OLD, NEW) \
        .other_logins_ended == 0


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login(
        world: World) -> None:
    mine = world.sign_up()
    other = world.accounts.log_in(EMAIL, OLD)

    # The fifth failure in a row locks the account, for the change and log-in alike.
    for _ in range(5):
        with pytest.raises(WrongPasswordError) as refused:
            world.passwords.change(mine.host_id, mine.session_id, "not my password", NEW)
        assert refused.value.field == "current_password"
    with pytest.raises(TooManyAttemptsError):
        world.passwords.change(mine.host_id, mine.session_id, OLD, NEW)
    with pytest.raises(TooManyAttemptsError):
        world.accounts.log_in(EMAIL, OLD)

    world.clock.advance(timedelta(seconds=2))
    assert world.accounts.log_in(EMAIL, OLD).host_id == mine.host_id
    assert world.accounts.refresh(other.refresh_token).host_id == mine.host_id


def test_a_change_without_the_current_password_is_refused(world: World) -> None:
    mine = world.sign_up()

    with pytest.raises(CurrentPasswordRequiredError):
        world.passwords.change(mine.host_id, mine.session_id, None, NEW)

    assert world.accounts.log_in(EMAIL, OLD).host_id == mine.host_id


@pytest.mark.parametrize("new", ["short", "nine char", "x" * 257])
def test_a_new_password_outside_the_sign_up_rules_is_weak_and_changes_nothing(
        world: World, new: str) -> None:
    mine = world.sign_up()
    other = world.accounts.log_in(EMAIL, OLD)

    with pytest.raises(WeakPasswordError) as refused:
        world.passwords.change(mine.host_id, mine.session_id, OLD, new)

    assert refused.value.field == "new_password"
    assert world.accounts.log_in(EMAIL, OLD).host_id == mine.host_id
    assert world.accounts.refresh(other.refresh_token).host_id == mine.host_id


def test_a_change_racing_another_loses_and_ends_no_login(world: World) -> None:
    mine = world.sign_up()
    other = world.accounts.log_in(EMAIL, OLD)
    write = world.hosts.replace_password_hash

    def raced(account: Account, password_hash: str) -> None:
        # Another change lands between this one's check and its write.
        world.hosts.update_password_hash(account, FastPasswords().hash("the other change"))
        write(account, password_hash)

    world.hosts.replace_password_hash = raced  # type: ignore[method-assign]
    with pytest.raises(PasswordChangedError):
        world.passwords.change(mine.host_id, mine.session_id, OLD, NEW)

    assert world.accounts.log_in(EMAIL, "the other change").host_id == mine.host_id
    with pytest.raises(InvalidCredentialsError):
        world.accounts.log_in(EMAIL, NEW)
    assert world.accounts.refresh(other.refresh_token).host_id == mine.host_id


def test_an_account_made_by_a_sign_in_sets_a_first_password_within_minutes_of_it(
        world: World) -> None:
    mine = world.provider_account()
    world.clock.advance(timedelta(minutes=9))

    done = world.passwords.change("h-google", mine.session_id, None, NEW)

    assert done.first
    assert world.passwords.has_password("h-google")
    assert world.accounts.log_in("grace@example.com", NEW).host_id == "h-google"


def test_a_first_password_needs_a_recent_sign_in(world: World) -> None:
    mine = world.provider_account()
    world.clock.advance(timedelta(minutes=11))
    # Refreshing keeps the login going, but does not make it recent.
    mine = world.accounts.refresh(mine.refresh_token, bound=True)

    with pytest.raises(ReauthenticationRequiredError):
        world.passwords.change("h-google", mine.session_id, None, NEW)

    assert not world.passwords.has_password("h-google")
    assert world.passwords.change(
        "h-google", world.accounts.open_session("h-google").session_id, None, NEW).first


def test_a_first_password_is_refused_to_a_login_of_unknown_age(world: World) -> None:
    world.provider_account()

    with pytest.raises(ReauthenticationRequiredError):
        world.passwords.change("h-google", None, None, NEW)
    with pytest.raises(ReauthenticationRequiredError):
        world.passwords.change("h-google", "0123456789abcdef", None, NEW)

    assert not world.passwords.has_password("h-google")
