"""Rate limits that keep a flood from becoming a bill, counted in DynamoDB with a TTL.

Failed logins, per account: the first `free_failures` cost nothing; after that each
failure locks the account's password login for a delay that doubles, from 1 s up to
`max_delay`. An attempt during the lock is refused before the password is checked (no
Argon2 work, no guess) and does not extend the lock, so a lock always ends at most
`max_delay` after the last counted failure: an attacker can slow the owner down but
never lock them out for good, and sessions already open are untouched. The key is
the email (hashed), whether or not an account has it, so a 429 says nothing about
which emails exist. A success clears the count; `forget_after` without a failure
forgets it.

Failed logins, per source network (an IPv4 address, or an IPv6 /64, which one
subscriber holds whole): the per-account lock cannot stop one network trying a new
e-mail each time (credential stuffing), each costing a full Argon2 check. A fixed-window
count of the network's failures, read before the password is checked: past
`per_window`, password logins from that network are refused until the window ends (a
network that shares one address, an office, has room: the default is 50 in 15 minutes).

Signups, per source network: a fixed-window count, checked before the Argon2 hash is
paid for.

Password resets asked, per e-mail and per source network: fixed-window counts, taken
before the account is looked up (each reset sends an e-mail).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib.domain.errors import TooManyAttemptsError, TooManyResetsError, TooManySignupsError
from chalicelib.services.ports import Clock, Count


class Counters(Protocol):
    def read(self, key: str) -> Count | None: ...
    def add(self, key: str, now: datetime, expires_at: datetime,
            restart: bool = False) -> int: ...
    def clear(self, key: str) -> None: ...


def _seconds_until(moment: datetime, now: datetime) -> int:
    return math.ceil((moment - now).total_seconds())


def in_words(seconds: int) -> str:
    """How long to wait, in words for the message: "1 second", "2 minutes"."""
    amount, unit = (seconds, "second") if seconds < 60 else (math.ceil(seconds / 60), "minute")
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


@dataclass(frozen=True)
class LoginBackoff:
    counters: Counters
    clock: Clock
    free_failures: int = 5
    max_delay: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(days=1)

    def delay(self, failures: int) -> timedelta:
        """How long the login stays locked after the `failures`-th failure in a row."""
        if failures < self.free_failures:
            return timedelta(0)
        doubling = min(failures - self.free_failures, 32)  # 2**32 s is past any cap
        return min(timedelta(seconds=2**doubling), self.max_delay)

    def check(self, email: str) -> Count | None:
        """The failures counted so far (one read); TooManyAttemptsError while locked."""
        now = self.clock.now()
        seen = self.counters.read(_login_key(email))
        if seen is None or seen.expires_at <= now:  # TTL deletes late: expired is gone
            return seen
        retry_at = seen.last_at + self.delay(seen.count)
        if retry_at > now:
            wait = _seconds_until(retry_at, now)
            raise TooManyAttemptsError("Too many failed logins for this account. "
                                       f"Try again in {in_words(wait)}.", wait)
        return seen

    def failed(self, email: str, seen: Count | None) -> None:
        now = self.clock.now()
        stale = seen is not None and seen.expires_at <= now
        self.counters.add(_login_key(email), now, now + self.forget_after, restart=stale)

    def succeeded(self, email: str, seen: Count | None) -> None:
        if seen is not None and seen.expires_at > self.clock.now():
            self.counters.clear(_login_key(email))

    def forget(self, email: str) -> None:
        """Clear the count and any lock (a reset proved the e-mail's owner)."""
        self.counters.clear(_login_key(email))


def _login_key(email: str) -> str:
    return "login#" + hashlib.sha256(email.encode()).hexdigest()[:32]


def source_network(source: str | None) -> str:
    """What one client controls: its IPv4 address, or the /64 around its IPv6 address."""
    try:
        address = ipaddress.ip_address(source or "")
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _window(now: datetime, window: timedelta) -> tuple[int, datetime]:
    """The fixed window `now` falls in: its start (epoch seconds) and its end."""
    length = int(window.total_seconds())
    start = int(now.timestamp()) // length * length
    return start, datetime.fromtimestamp(start + length, UTC)


@dataclass(frozen=True)
class NetworkLogins:
    counters: Counters
    clock: Clock
    per_window: int = 50
    window: timedelta = timedelta(minutes=15)

    def _key(self, source: str | None, start: int) -> str:
        return f"login-net#{source_network(source)}#{start}"

    def check(self, source: str | None) -> None:
        """One read; TooManyAttemptsError once the network failed `per_window` times in
        this window (before the password is checked: no Argon2 work, no guess)."""
        now = self.clock.now()
        start, end = _window(now, self.window)
        seen = self.counters.read(self._key(source, start))
        if seen is not None and seen.count >= self.per_window:
            wait = _seconds_until(end, now)
            raise TooManyAttemptsError("Too many failed logins from this network. "
                                       f"Try again in {in_words(wait)}.", wait)

    def failed(self, source: str | None) -> None:
        now = self.clock.now()
        start, end = _window(now, self.window)
        self.counters.add(self._key(source, start), now, end)


@dataclass(frozen=True)
class SignupLimit:
    counters: Counters
    clock: Clock
    per_window: int = 10
    window: timedelta = timedelta(hours=1)

    def take(self, source: str | None) -> None:
        """Count one signup from `source` (one write); TooManySignupsError over the limit."""
        now = self.clock.now()
        start, end = _window(now, self.window)
        count = self.counters.add(f"signup#{source_network(source)}#{start}", now, end)
        if count > self.per_window:
            wait = _seconds_until(end, now)
            raise TooManySignupsError("Too many accounts were created from this network. "
                                      f"Try again in {in_words(wait)}.", wait)


@dataclass(frozen=True)
class ResetLimit:
    """Password resets asked, per e-mail (whether or not an account has it, so a 429 says
    nothing of which exist; it bounds the mail one address gets) and per source network
    (which bounds what a script asking for many e-mails costs): fixed windows."""

    counters: Counters
    clock: Clock
    per_email: int = 3
    per_network: int = 20
    window: timedelta = timedelta(hours=1)

    def take(self, email: str, source: str | None) -> None:
        """Count one reset (two writes); TooManyResetsError over either limit."""
        now = self.clock.now()
        start, end = _window(now, self.window)
        wait = _seconds_until(end, now)
        if self.counters.add(f"reset-net#{source_network(source)}#{start}", now,
                             end) > self.per_network:
            raise TooManyResetsError("Too many password resets were asked from this "
                                     f"network. Try again in {in_words(wait)}.", wait)
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        if self.counters.add(f"reset#{digest}#{start}", now, end) > self.per_email:
            raise TooManyResetsError("Too many password resets were asked for this e-mail. "
                                     "Use the link in the last e-mail, or try again in "
                                     f"{in_words(wait)}.", wait)
