"""The ports behind connecting providers: the token cipher, the connections, the OAuth states.

Beside `ports.py` rather than in it, as `access_tokens.py` is: one concept (a host's
credentials at a provider), with the records that cross these ports. The cipher is
declared here, not in the domain, because it is an interface a use case needs
(the domain holds rules, not capabilities); `integrations/token_cipher.py` implements it
with AES-GCM and the store receives it, so neither the services nor the domain load
`cryptography`, and the store never imports an integration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain.connections import REFRESH_LEASE, Connection, Tokens

# An OAuth round trip (consent included) must come back within this; a later callback
# finds no state and is refused.
STATE_TTL = timedelta(minutes=10)


class TokenCipher(Protocol):
    """Seals a secret to its owner and provider: opening it with any other owner or
    provider, or an altered text, raises TokenDecryptionError; a text sealed under a key
    id the ring lacks (newer than this container's ring, or retired) raises its
    subclass UnknownTokenKeyError."""

    def encrypt(self, secret: str, owner: str, provider: str) -> str:
        """`owner` is the host id for a connection's tokens (`oauth-state:{id}` for a
        state's PKCE verifier, which has no host at sign-in)."""
        ...

    def decrypt(self, ciphertext: str, owner: str, provider: str) -> str: ...

    def sealed_with_active(self, ciphertext: str) -> bool:
        """Was it sealed with the key that seals now (False: one kept only to open)?"""
        ...


@dataclass(frozen=True)
class RefreshLease:
    """The right to refresh one connection, held until `until`: exchange `tokens`' refresh
    token (as stored when the lease was taken), then `finish_refresh`, or
    `release_refresh` if the exchange failed and may be retried."""

    holder: str
    until: datetime
    connection: Connection
    tokens: Tokens


@dataclass(frozen=True)
class LeaseBusy:
    """Another caller is refreshing: wait (no later than `until`) and read again."""

    until: datetime


@dataclass(frozen=True)
class OAuthState:
    """What a provider's callback must match: who started the round trip, from which
    browser and login, for which provider, and the PKCE verifier ("" for a provider
    without PKCE) and OpenID nonce."""

    state_id: str
    provider: str
    host_id: str | None            # None: a sign-in (no host yet)
    session_id: str                # the browser session that started it
    code_verifier: str = field(repr=False)
    nonce: str = field(repr=False)
    redirect_to: str               # where Penny sends the host afterwards
    scopes: tuple[str, ...]
    created_at: datetime
    # A hash of the secret the starting browser keeps in a cookie: the callback must come
    # from that browser (a hash, so the table never holds what the cookie holds).
    binding: str
    # What the round trip is for: "connect" a platform, "sign_in" (no host yet: find or
    # create the account its identity signs in to), or "link" that identity to the host.
    purpose: str = "connect"
    timezone: str = ""             # sign-in: the browser's zone, for a new account

    @property
    def expires_at(self) -> datetime:
        return self.created_at + STATE_TTL


class Connections(Protocol):
    def save(self, connection: Connection, tokens: Tokens) -> None:
        """Store a new grant, replacing the host's connection to that provider."""
        ...

    def get(self, host_id: str, provider: str) -> tuple[Connection, Tokens] | None: ...
    def for_host(self, host_id: str) -> list[Connection]:
        """The host's connections, without their tokens."""
        ...

    def with_tokens(self, host_id: str, providers: frozenset[str]
                    ) -> dict[str, tuple[Connection, Tokens]]:
        """The host's connections to `providers`, with their tokens, in one read."""
        ...

    def host_of_account(self, provider: str, account_id: str) -> str | None:
        """The host whose connection to `provider` is this account (Stripe's only)."""
        ...

    def delete(self, host_id: str, provider: str) -> tuple[Connection, Tokens | None] | None:
        """Remove it; what was removed, with its tokens to revoke (None if they cannot be
        decrypted), or None if nothing was there."""
        ...

    def mark_broken(self, host_id: str, provider: str, grant_id: str, reason: str,
                    now: datetime, tokens_version: int | None = None,
                    refresh_refused: bool = False) -> bool:
        """True only for the call that broke it (so the host is told once), connected or
        pending (made, not ready yet: a Stripe account mid-onboarding); False if it
        was broken already, replaced by a new grant, or gone, or (with `tokens_version`,
        a refusal of those tokens) its tokens were refreshed since. `refresh_refused`: the
        provider refused a refresh of that version, so a refresh of the same version the
        provider accepted (one that outlived its lease) may still save, and repair it."""
        ...

    def take_refresh_lease(self, seen: Connection, now: datetime,
                           lease: timedelta = REFRESH_LEASE) -> RefreshLease | LeaseBusy | None:
        """The right to refresh the tokens `seen` carries (its grant and tokens version):
        one caller wins; the others get LeaseBusy, also when those tokens were refreshed
        meanwhile (then `until` is now: read the new ones). None: no working connection
        with this grant any more (disconnected, broken or replaced)."""
        ...

    def finish_refresh(self, lease: RefreshLease, tokens: Tokens) -> bool:
        """Save the new tokens and end the lease in one write; use the new access token
        only after this returns True. A refresh token of None keeps the stored one (Google
        sends none on refresh). Saved over a broken mark a refused refresh of the same
        version made (`mark_broken(refresh_refused=True)`), which it clears. False: newer
        tokens were saved (this refresh outlived its lease, and another's was saved
        first), the grant was replaced or removed, or it was marked broken otherwise;
        nothing was saved."""
        ...

    def release_refresh(self, lease: RefreshLease) -> None:
        """End the lease without new tokens (the exchange failed and may be retried)."""
        ...


class OAuthStates(Protocol):
    def put(self, state: OAuthState) -> bool:
        """Store a new state; False if that id exists already."""
        ...

    def take(self, state_id: str, now: datetime) -> OAuthState | None:
        """The state, once: a second take, an unknown id or an expired state answer None."""
        ...
