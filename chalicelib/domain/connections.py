"""A host's connection to a provider: which account, which scopes, whether it still works.

A *connection* is a host's link to a provider (Google, Microsoft, Zoom, Notion, ...);
a *socket* is a dashboard's WebSocket. The tokens a connection holds are plain only in
memory (`Tokens`, whose repr hides them); the store keeps them encrypted, bound to the
host and the provider, and hands out the plain ones only to whoever asks for them.

A connection is one *grant*: connecting again replaces it with a new grant id, so a
worker still holding the old grant cannot mark the new one broken or overwrite its
tokens. Refreshing keeps the grant and makes the next `tokens_version` (for Microsoft
and Zoom it also rotates the refresh token: that is why refresh is single-flight, under
a lease taken for one version, in the store).

    (absent) --connect--> connected --refresh refused / revoked / scopes gone--> broken
        ^                    |   ^                                                 |
        +---- disconnect ----+   +------------- reconnect (a new grant) -----------+
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

# Refresh an access token this long before it expires, so no call starts with a token
# that dies in flight.
REFRESH_MARGIN = timedelta(minutes=2)
# How long one caller may hold the right to refresh a connection: beyond the API Lambda's
# 10 s (and the token exchange's 5 s timeout), so a live refresh never loses its lease,
# and short enough that a crashed one blocks the others only briefly.
REFRESH_LEASE = timedelta(seconds=15)


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    BROKEN = "broken"      # the host must reconnect: shown, never silently retried
    # Made, not ready yet: a Stripe account whose onboarding the host has not finished.
    PENDING = "pending"


class TokenDecryptionError(Exception):
    """A stored token cannot be read: its key id is not in the key ring (retired, or
    newer than the ring: the subclasses below), or it was altered, or it was copied to
    another host's or provider's item."""


class UnknownTokenKeyError(TokenDecryptionError):
    """A stored token is sealed under a key id this container's key ring lacks, sealed
    recently (or when, is not recorded). Not proof that the connection is broken: while a
    rotation rolls out, a container started before the new key was added meets texts
    another container sealed under it. Using it is retried (ProviderUnavailableError),
    never marked broken."""


class RetiredTokenKeyError(TokenDecryptionError):
    """A stored token is sealed under a key id this container's key ring lacks, and was
    sealed before this container read its ring, or more than a day ago
    (`sealed_under_retired_key`): that key was in the ring then and has been removed
    since. No container opens it any more: the connection is broken, and the host
    reconnects."""


# Two Lambdas' clocks may disagree, and a parameter just changed may reach a container
# a moment late: a text recorded as sealed less than this before a container read its
# key ring may have been sealed after, under a key the container has not got.
SEALING_CLOCK_SKEW = timedelta(minutes=5)
# The wait a key rotation asks for (docs/connections.md, "How long to wait"): no
# container started before a key was added still serves this long after.
OLD_CONTAINERS_WAIT = timedelta(days=1)


def sealed_under_retired_key(sealed_at: datetime | None, ring_read_at: datetime | None,
                             now: datetime) -> bool:
    """Whether a text under a key id this container's ring lacks was sealed under a key
    since retired (True: nobody opens it any more) rather than a newer key than the ring
    (False: a rotation rolling out, which another container opens).

    The container that sealed it held the key when it sealed, so the key was in the key
    ring's parameter by `sealed_at`. Sealed (well) before this container read its ring,
    the key was in what it read, unless it had been removed: retired. Sealed longer ago
    than the rotation's wait, any container lacking a key that new is gone (the rotation
    steps wait that long): retired too. `sealed_at` is when the item's tokens were last
    sealed (any of them): later than or as late as the text's own sealing, so a doubt
    always falls on "newer". None: an item written before Penny recorded it, kept a
    retry as it always was. `ring_read_at` None: not known (settings made in code), the
    day's rule alone."""
    if sealed_at is None:
        return False
    if ring_read_at is not None and sealed_at < ring_read_at - SEALING_CLOCK_SKEW:
        return True
    return sealed_at < now - OLD_CONTAINERS_WAIT


@dataclass(frozen=True)
class Tokens:
    """A connection's OAuth tokens, plain, in memory only. Never logged: repr hides them."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None      # None: the provider's tokens do not expire (Notion)

    def __repr__(self) -> str:
        refresh = "None" if self.refresh_token is None else "'***'"
        expires = None if self.expires_at is None else self.expires_at.isoformat()
        return f"Tokens(access_token='***', refresh_token={refresh}, expires_at={expires})"

    def needs_refresh(self, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
        """Whether the access token expires within `margin` of `now` (and can be refreshed)."""
        return (self.expires_at is not None and self.refresh_token is not None
                and self.expires_at - margin <= now)


@dataclass(frozen=True)
class Connection:
    host_id: str
    provider: str                  # "google", "microsoft", "zoom", "notion", ...
    grant_id: str                  # this grant: a reconnect makes a new one
    account_id: str                # the account at the provider (Google `sub`, Graph id...)
    account_label: str             # what the host recognises: an e-mail or a workspace name
    scopes: tuple[str, ...]        # as granted, which may be fewer than asked for
    connected_at: datetime
    token_expires_at: datetime | None  # the access token's, shown without decrypting it
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    broken_reason: str | None = None   # said to the host: "Google refused the refresh"
    broken_at: datetime | None = None
    # Which tokens of the grant: each refresh makes the next. A refresh lease is taken
    # for the tokens the caller saw, so a caller who read them before another's refresh
    # finished reads the new ones instead of exchanging again.
    tokens_version: int = 1

    @property
    def is_broken(self) -> bool:
        return self.status is ConnectionStatus.BROKEN

    def has_scopes(self, *needed: str) -> bool:
        return set(needed) <= set(self.scopes)

    def broken(self, reason: str, at: datetime) -> Connection:
        return replace(self, status=ConnectionStatus.BROKEN, broken_reason=reason,
                       broken_at=at)


@dataclass(frozen=True)
class LinkedIdentity:
    """A provider identity that signs in to a Penny account ("Sign in with Google"): one
    per provider per account, and one account per identity."""

    provider: str
    subject: str                   # Google `sub`; Microsoft `{tid}:{oid}`
    email: str | None              # shown to the host; never what identifies the user
    linked_at: datetime
