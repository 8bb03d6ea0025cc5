"""What a password reset needs from outside: a way to send an e-mail, and a place for
the one live reset link of each account (services/password_resets.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class MailNotSentError(Exception):
    """The mail service refused or failed to take the message (its own code in `code`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Mailer(Protocol):
    """One plain-text e-mail to one address, from the operator's sender (MailNotSentError)."""

    def send(self, to: str, subject: str, text: str) -> None: ...


@dataclass(frozen=True)
class StoredReset:
    """An account's reset link as kept: the hash of its token, never the token."""

    host_id: str
    email: str
    token_hash: str
    expires_at: datetime
    used: bool


class ResetTokens(Protocol):
    # The account's one live link: a newer one replaces it (the older stops working).
    def put(self, host_id: str, email: str, token_hash: str, expires_at: datetime) -> None: ...
    # Mark it used, only if it is still this hash, unused and unexpired: of two uses at
    # once one passes. The e-mail it was sent to, or None (then `find` says why).
    def spend(self, host_id: str, token_hash: str, now: datetime) -> str | None: ...
    def find(self, host_id: str) -> StoredReset | None: ...
