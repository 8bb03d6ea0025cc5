"""A forgotten password, reset by e-mail.

- Asking (`request`) answers the same whether or not an account has the e-mail: the
  caller learns nothing of which exist. It is counted per e-mail and per source network
  before anything is looked up (services/rate_limits.py ResetLimit). An account with a
  password is sent a link; one without (made by a Google or Microsoft sign-in) is sent
  how to get in instead, with no link: it has no password to reset.
- The link holds `{host id}.{secret}`, the secret 256 random bits; only its SHA-256 is
  kept, on the account's one reset item, so a newer link replaces the older, and it
  works for RESET_LIFETIME, once.
- Using it (`confirm`): the new password was held to the sign-up rules at the edge
  (functions/schemas/accounts.py NewPassword, the same type as sign-up's); the link is
  spent by a conditional write (of two uses at once, one passes) before the password is
  written; then every login of the account ends, as a password change ends the others
  (services/passwords.py), and the failed-login lock is cleared: the owner proved who
  they are.

What a reset costs: two counter writes, one account read, and for an account one
PutItem and one e-mail (Amazon SES: $0.10 per 1,000, no monthly fee).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.domain.errors import (
    ConcurrentWriteError,
    PasswordChangedError,
    PasswordResetNotAvailableError,
    ResetLinkError,
    ResetLinkExpiredError,
    ResetLinkReplacedError,
    ResetLinkUsedError,
)
from chalicelib.services.accounts import normalize_email
from chalicelib.services.mail_ports import Mailer, MailNotSentError, ResetTokens
from chalicelib.services.passwords import Passwords
from chalicelib.services.ports import Identities
from chalicelib.services.rate_limits import ResetLimit

log = logging.getLogger("penny.accounts")

RESET_LIFETIME = timedelta(minutes=30)
# `{secrets.token_hex(8)}.{secrets.token_urlsafe(32)}`: a host id, then the secret.
_TOKEN = re.compile(r"(?P<host>[0-9a-f]{16})\.[A-Za-z0-9_-]{43}")
NOT_AVAILABLE = ("This Penny cannot send e-mail, so it cannot reset a password. Sign in "
                 "with a Google or Microsoft account linked to yours, or ask whoever runs "
                 "this Penny for help.")
PROVIDER_NAMES = {"google": "Google", "microsoft": "Microsoft"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class PasswordResets:
    passwords: Passwords
    tokens: ResetTokens
    identities: Identities
    limit: ResetLimit
    mailer: Mailer | None      # None: no sender set up on this Penny
    dashboard_url: str         # {public URL}/app

    def request(self, email: str, source: str | None) -> None:
        """Send the reset e-mail if an account has `email`; the same outcome either way."""
        if self.mailer is None:
            raise PasswordResetNotAvailableError(NOT_AVAILABLE)
        email = normalize_email(email)
        self.limit.take(email, source)
        a = self.passwords.accounts
        account = a.hosts.account(email)
        if account is None:
            return
        if not account.password_hash:
            subject, text = "Signing in to Penny", self._no_password_text(account.host_id)
        else:
            token = f"{account.host_id}.{secrets.token_urlsafe(32)}"
            self.tokens.put(account.host_id, email, _hash(token),
                            a.clock.now() + RESET_LIFETIME)
            subject, text = "Reset your Penny password", self._link_text(email, token)
        try:
            self.mailer.send(email, subject, text)
        except MailNotSentError as exc:
            # Not said to the caller: an error here only for an existing account would
            # tell which e-mails have one. The log says it (no address in it).
            log.warning("password reset e-mail not sent", extra={"error_code": exc.code})

    def confirm(self, token: str, new_password: str) -> int:
        """Set the password of the link's account; how many logins were ended."""
        found = _TOKEN.fullmatch(token)
        if found is None:
            raise ResetLinkError(_words("is not a link Penny sent"), "token")
        a = self.passwords.accounts
        password_hash = a.passwords.hash(new_password)  # before the link is spent
        host_id, now = found["host"], a.clock.now()
        email = self.tokens.spend(host_id, _hash(token), now)
        if email is None:
            raise self._why_refused(host_id, _hash(token))
        account = a.hosts.account(email)
        if account is None or account.host_id != host_id:
            raise ResetLinkError(_words("is for an account that has changed since"), "token")
        try:
            a.hosts.replace_password_hash(account, password_hash)
        except ConcurrentWriteError as exc:
            raise PasswordChangedError("The password was changed by another request "
                                       "meanwhile; ask for a new link.") from exc
        ended = self.passwords.end_logins(host_id)
        if a.logins is not None:
            a.logins.forget(email)
        return ended

    def _why_refused(self, host_id: str, token_hash: str) -> ResetLinkError:
        stored = self.tokens.find(host_id)
        if stored is None:
            return ResetLinkError(_words("is not a link Penny sent, or it is too old"),
                                  "token")
        if stored.token_hash != token_hash:
            return ResetLinkReplacedError(
                "A newer reset link was sent since this one, and only the newest works: "
                "use the link in the last e-mail, or ask for a new link.", "token")
        if stored.used:
            return ResetLinkUsedError("This reset link was already used: each works once. "
                                      "Log in with the new password, or ask for a new link.",
                                      "token")
        return ResetLinkExpiredError(_words("has expired (each works for 30 minutes)"),
                                     "token")

    def _link_text(self, email: str, token: str) -> str:
        minutes = int(RESET_LIFETIME.total_seconds() // 60)
        return (f"Someone, we hope you, asked to reset the password of the Penny account "
                f"for {email}.\n\nTo choose a new password, open this link within {minutes} "
                f"minutes:\n\n{self.dashboard_url}/reset-password#token={token}\n\n"
                "The link works once. Choosing a new password logs you out everywhere.\n\n"
                "If you did not ask, ignore this e-mail: your password stays as it is.\n")

    def _no_password_text(self, host_id: str) -> str:
        linked = [PROVIDER_NAMES.get(i.provider, i.provider)
                  for i in self.identities.for_host(host_id)]
        ways = " or ".join(f"Sign in with {name}" for name in linked or PROVIDER_NAMES.values())
        return ("Someone, we hope you, asked to reset the password of your Penny account. "
                "It has no password: you sign in to it with Google or Microsoft.\n\n"
                f"To get in, open {self.dashboard_url}/login and choose {ways}.\n\n"
                "Once in, you can set a password on your Profile page.\n\n"
                "If you did not ask, ignore this e-mail: nothing has changed.\n")


def _words(why: str) -> str:
    return f"This reset link {why}. Ask for a new link."
