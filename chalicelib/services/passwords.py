"""Change the password, or set a first one on an account made by a Google or Microsoft
sign-in.

- A change needs the current password, checked as a log-in checks it, under the same
  rate limits (services/rate_limits.py): per account and per network, refused before any
  Argon2 work while locked, a wrong one counted. A change is no back door for guessing.
- A first password needs no old one, so it needs a recent login instead: one that began
  at most FRESH_LOGIN ago (a sign-in at the provider, the only way into such an account).
  A stolen session cookie or bearer token kept alive by refreshes cannot give itself a
  password, and with it a way in that outlives the theft.
- The new password is held to the sign-up rules (MIN_LENGTH..MAX_LENGTH characters, and
  something besides spaces: a passphrase's spaces count, spaces alone do not).
- The hash is written only if the stored one is still the one read (a race loses with
  PasswordChangedError, nothing written); then every other login of the host ends, as a
  logout ends one (refresh tokens refused, the sockets it opened closed), and the
  caller's goes on.

A forgotten password is reset by e-mail where the operator set up a sender
(services/password_resets.py, docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chalicelib.domain.errors import (
    ConcurrentWriteError,
    CurrentPasswordRequiredError,
    PasswordChangedError,
    ReauthenticationRequiredError,
    WeakPasswordError,
    WrongPasswordError,
)
from chalicelib.domain.text import draws_nothing
from chalicelib.services.accounts import AccountService

# The sign-up rules (functions/schemas/accounts.py SignupRequest.password).
MIN_LENGTH = 10
MAX_LENGTH = 256
# How recent a login must be to set a first password.
FRESH_LOGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class PasswordChange:
    first: bool               # the account had no password before
    other_logins_ended: int   # how many other logins were ended


def password_problem(password: str) -> str | None:
    """Why `password` breaks the sign-up rules, or None."""
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"use at most {MAX_LENGTH} characters"
    if draws_nothing(password):
        # Ten spaces pass the length rule and are the first thing a guesser tries.
        # Spaces within a password stay (NIST SP 800-63B: a passphrase has them).
        return "use something besides spaces (spaces between words are fine)"
    return None


@dataclass(frozen=True)
class Passwords:
    accounts: AccountService

    def has_password(self, host_id: str) -> bool:
        account = self.accounts.hosts.account(self.accounts.hosts.config(host_id).email)
        return account is not None and bool(account.password_hash)

    def change(self, host_id: str, login: str | None, current: str | None, new: str,
               source: str | None = None) -> PasswordChange:
        """`login`: the caller's login, which goes on; `source`: the caller's IP address."""
        a = self.accounts
        email = a.hosts.config(host_id).email
        account = a.hosts.account(email)
        if account is None:
            raise PasswordChangedError("this account changed meanwhile; reload and try again")
        problem = password_problem(new)
        if problem is not None:
            raise WeakPasswordError(f"The new password is too weak: {problem}.", "new_password")
        first = not account.password_hash
        if first:
            self._check_fresh(login)
        else:
            self._check_current(email, account.password_hash, current, source)
        try:
            a.hosts.replace_password_hash(account, a.passwords.hash(new))
        except ConcurrentWriteError as exc:
            raise PasswordChangedError("the password was changed by another request "
                                       "meanwhile; reload and try again") from exc
        return PasswordChange(first, self.end_logins(host_id, login))

    def _check_fresh(self, login: str | None) -> None:
        a = self.accounts
        started = a.refresh_tokens.started_at(login) if login else None
        if started is None or a.clock.now() - started > FRESH_LOGIN:
            minutes = int(FRESH_LOGIN.total_seconds() // 60)
            raise ReauthenticationRequiredError(
                "To set a password, sign in again with Google or Microsoft: the sign-in "
                f"must be less than {minutes} minutes old.")

    def _check_current(self, email: str, stored: str, current: str | None,
                       source: str | None) -> None:
        a = self.accounts
        if not current:
            raise CurrentPasswordRequiredError("Enter your current password.",
                                               "current_password")
        if a.networks is not None:
            a.networks.check(source)
        seen = a.logins.check(email) if a.logins is not None else None
        if not a.passwords.verify(stored, current):
            if a.logins is not None:
                a.logins.failed(email, seen)
            if a.networks is not None:
                a.networks.failed(source)
            raise WrongPasswordError("The current password is wrong.", "current_password")
        if a.logins is not None:
            a.logins.succeeded(email, seen)

    def end_logins(self, host_id: str, keep: str | None = None) -> int:
        """End every listed login but `keep` (None: every one), as logout ends one (a
        reset ends them all); returns how many."""
        a = self.accounts
        now = a.clock.now()
        others = [f for f in a.refresh_tokens.for_host(host_id) if f != keep]
        live = [f for f in others if a.refresh_tokens.is_active(f, now)]
        for family_id in live:
            a.end_login(host_id, family_id)
        a.refresh_tokens.unlist(host_id, others)  # the ended, and those expired before
        return len(live)
