"""Rate limits: failed logins back off per account and are counted per network, signups
are counted per network.

The clock starts at 2026-03-02T12:00:00Z; five failures are free, then the lock doubles
from 1 s up to 15 minutes, and a day without failure forgets the count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.errors import (
    InvalidCredentialsError,
    TooManyAttemptsError,
    TooManySignupsError,
)
from chalicelib.integrations.jwt_tokens import JwtAccessTokens
from chalicelib.services.accounts import AccountService
from chalicelib.services.rate_limits import (
    LoginBackoff,
    NetworkLogins,
    SignupLimit,
    in_words,
    source_network,
)
from tests.unit.fakes import FakeCounters, FakeHosts, FakeRefreshTokens, FastPasswords, FixedClock

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
PASSWORD = "correct horse battery"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def counters() -> FakeCounters:
    return FakeCounters()


@pytest.fixture
def accounts(clock: FixedClock, counters: FakeCounters) -> AccountService:
    access = JwtAccessTokens({"k": "unit-test-signing-key-0123456789abcdef"}, "k", "penny",
                             "penny-api", timedelta(minutes=15))
    service = AccountService(FakeHosts(), FakeRefreshTokens(), FastPasswords(), access, clock,
                             timedelta(days=30), logins=LoginBackoff(counters, clock),
                             signups=SignupLimit(counters, clock, per_window=3))
    service.sign_up("alice@example.com", PASSWORD, "alice", "Alice", "UTC", source="10.0.0.9")
    return service


def fail(accounts: AccountService, times: int, email: str = "alice@example.com",
         clock: FixedClock | None = None) -> None:
    """`times` counted failures; with a clock, waiting out each lock in between."""
    for _ in range(times):
        if clock is not None:
            try:
                accounts.log_in(email, "wrong password")
            except TooManyAttemptsError as exc:
                clock.advance(timedelta(seconds=exc.retry_after))
            except InvalidCredentialsError:
                continue
        with pytest.raises(InvalidCredentialsError):
            accounts.log_in(email, "wrong password")


# ---- failed logins ----------------------------------------------------------------------

def test_five_failures_are_free_and_the_next_attempt_waits_a_second(
        accounts: AccountService, clock: FixedClock) -> None:
    fail(accounts, 5)

    with pytest.raises(TooManyAttemptsError) as raised:
        accounts.log_in("alice@example.com", PASSWORD)

    assert raised.value.retry_after == 1 and raised.value.code == "too_many_attempts"
    assert raised.value.message == ("Too many failed logins for this account. "
                                    "Try again in 1 second.")
    clock.advance(timedelta(seconds=1))
    assert accounts.log_in("alice@example.com", PASSWORD).host_id


@pytest.mark.parametrize(("failures", "delay"), [
    (4, 0), (5, 1), (6, 2), (7, 4), (14, 512), (15, 900), (40, 900), (10_000, 900)])
def test_the_lock_doubles_up_to_fifteen_minutes(
        clock: FixedClock, counters: FakeCounters, failures: int, delay: int) -> None:
    assert LoginBackoff(counters, clock).delay(failures) == timedelta(seconds=delay)


def test_a_locked_attempt_checks_no_password_and_does_not_extend_the_lock(
        accounts: AccountService, clock: FixedClock, counters: FakeCounters) -> None:
    fail(accounts, 8, clock=clock)  # the 8th failure locks for 8 s
    writes = counters.writes

    for _ in range(20):
        with pytest.raises(TooManyAttemptsError):
            accounts.log_in("alice@example.com", "another guess")
        clock.advance(timedelta(milliseconds=300))  # 6 s in all: still inside the lock

    assert counters.writes == writes  # refused attempts count for nothing
    clock.advance(timedelta(seconds=2))
    assert accounts.log_in("alice@example.com", PASSWORD).host_id


def test_the_owner_is_never_locked_out_for_longer_than_the_cap(
        accounts: AccountService, clock: FixedClock) -> None:
    # An attacker fails as often as the lock lets them (over a day, at the cap).
    fail(accounts, 100, clock=clock)

    with pytest.raises(TooManyAttemptsError) as raised:
        accounts.log_in("alice@example.com", PASSWORD)

    assert raised.value.retry_after == 15 * 60
    clock.advance(timedelta(minutes=15))
    assert accounts.log_in("alice@example.com", PASSWORD).host_id


def test_a_successful_login_resets_the_count(accounts: AccountService) -> None:
    fail(accounts, 4)
    accounts.log_in("alice@example.com", PASSWORD)

    fail(accounts, 4)  # four more are free again: no lock
    assert accounts.log_in("Alice@Example.com", PASSWORD).host_id


def test_a_day_without_failure_forgets_the_count_even_before_ttl_deletes_it(
        accounts: AccountService, clock: FixedClock, counters: FakeCounters) -> None:
    fail(accounts, 5)
    clock.advance(timedelta(days=1))  # the item is expired, though still there

    fail(accounts, 1)

    assert [c.count for c in counters.items.values() if c.last_at == clock.now()] == [1]


def test_unknown_emails_back_off_like_real_ones(accounts: AccountService) -> None:
    fail(accounts, 5, email="nobody@example.com")

    with pytest.raises(TooManyAttemptsError):
        accounts.log_in("nobody@example.com", PASSWORD)


def test_a_login_costs_one_read_and_writes_only_on_failure_or_reset(
        accounts: AccountService, counters: FakeCounters) -> None:
    reads, writes = counters.reads, counters.writes
    accounts.log_in("alice@example.com", PASSWORD)
    assert (counters.reads - reads, counters.writes - writes) == (1, 0)

    fail(accounts, 1)
    assert (counters.reads - reads, counters.writes - writes) == (2, 1)


# ---- failed logins per network ------------------------------------------------------------

@dataclass
class CountingPasswords(FastPasswords):
    checked: int = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.checked += 1
        return super().verify(password_hash, password)


def test_one_network_trying_many_emails_is_stopped_before_any_more_password_checks(
        accounts: AccountService, clock: FixedClock, counters: FakeCounters) -> None:
    passwords = CountingPasswords()
    guarded = replace(accounts, passwords=passwords,
                      networks=NetworkLogins(counters, clock, per_window=3))
    for n in range(3):  # each e-mail new, so the per-account lock never starts
        with pytest.raises(InvalidCredentialsError):
            guarded.log_in(f"user{n}@example.com", "guess", source="203.0.113.7")
    checked = passwords.checked

    with pytest.raises(TooManyAttemptsError) as raised:
        guarded.log_in("alice@example.com", PASSWORD, source="203.0.113.7")

    assert raised.value.code == "too_many_attempts"
    assert raised.value.message == ("Too many failed logins from this network. "
                                    "Try again in 15 minutes.")
    assert passwords.checked == checked  # refused before Argon2
    # Another network is not held back; this one is again when the window ends.
    assert guarded.log_in("alice@example.com", PASSWORD, source="203.0.113.8").host_id
    clock.advance(timedelta(minutes=15))
    assert guarded.log_in("alice@example.com", PASSWORD, source="203.0.113.7").host_id


def test_successful_logins_do_not_count_against_the_network(
        accounts: AccountService, clock: FixedClock, counters: FakeCounters) -> None:
    guarded = replace(accounts, networks=NetworkLogins(counters, clock, per_window=2))
    for _ in range(5):
        assert guarded.log_in("alice@example.com", PASSWORD, source="2001:db8::1").host_id
    with pytest.raises(InvalidCredentialsError):
        guarded.log_in("bob@example.com", "guess", source="2001:db8::2")
    with pytest.raises(InvalidCredentialsError):  # the same /64: the same network
        guarded.log_in("carol@example.com", "guess", source="2001:db8::3")

    with pytest.raises(TooManyAttemptsError):
        guarded.log_in("alice@example.com", PASSWORD, source="2001:db8::1")


# ---- signups ----------------------------------------------------------------------------

def test_signups_per_network_are_limited_per_window(
        accounts: AccountService, clock: FixedClock) -> None:
    for slug in ("bob", "carol"):  # alice was the first of three from 10.0.0.9
        accounts.sign_up(f"{slug}@example.com", PASSWORD, slug, slug, "UTC", source="10.0.0.9")

    with pytest.raises(TooManySignupsError) as raised:
        accounts.sign_up("dan@example.com", PASSWORD, "dan", "Dan", "UTC", source="10.0.0.9")

    assert raised.value.code == "too_many_signups"
    assert raised.value.message.endswith("Try again in 60 minutes.")
    assert raised.value.retry_after == 3600  # the hour's window started at 12:00
    accounts.sign_up("erin@example.com", PASSWORD, "erin", "Erin", "UTC", source="10.0.0.10")
    clock.advance(timedelta(hours=1))
    accounts.sign_up("dan@example.com", PASSWORD, "dan", "Dan", "UTC", source="10.0.0.9")


def test_a_refused_signup_creates_no_account(accounts: AccountService) -> None:
    for slug in ("bob", "carol"):
        accounts.sign_up(f"{slug}@example.com", PASSWORD, slug, slug, "UTC", source="10.0.0.9")

    with pytest.raises(TooManySignupsError):
        accounts.sign_up("dan@example.com", PASSWORD, "dan", "Dan", "UTC", source="10.0.0.9")

    assert accounts.hosts.account("dan@example.com") is None


@pytest.mark.parametrize(("source", "network"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    (None, "unknown"),
    ("not an address", "unknown"),
])
def test_a_network_is_an_ipv4_address_or_an_ipv6_slash_64(source: str | None,
                                                          network: str) -> None:
    assert source_network(source) == network


@pytest.mark.parametrize(("seconds", "words"), [
    (1, "1 second"), (59, "59 seconds"), (60, "1 minute"), (61, "2 minutes"),
    (900, "15 minutes")])
def test_the_wait_is_said_in_seconds_or_whole_minutes(seconds: int, words: str) -> None:
    assert in_words(seconds) == words
