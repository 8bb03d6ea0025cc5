"""What a fake authorization server keeps: clients, accounts, grants, codes and tokens.

Vendor-neutral records. The wire names (`access_type`, `client_info`, `bot_id`, ...) live
in each provider module; here a grant is what the user allowed and everything issued on it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Client:
    """An OAuth client registered with the fake vendor (Penny's app registration)."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...]
    # Granted when the authorize request names no scope (Zoom, Notion: the app's own).
    default_scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Account:
    """A seeded user at the vendor, the one who clicks Allow."""

    id: str
    email: str
    name: str
    email_verified: bool = True


@dataclass(frozen=True)
class Policy:
    """How one vendor's authorization server behaves where vendors differ."""

    access_ttl: int | None  # seconds; None: access tokens never expire (Notion)
    rotates_refresh_tokens: bool  # a refresh returns a new refresh token, the old one dies
    pkce: bool  # honours code_challenge (S256)
    refresh_only_offline: bool = False  # Google: a refresh token only with access_type=offline
    code_ttl: int = 600
    access_prefix: str = ""
    refresh_prefix: str = ""
    code_prefix: str = ""


class Reason(enum.Enum):
    """Why the server refused; each provider words it in its vendor's error body."""

    UNKNOWN_CLIENT = "unknown client"
    BAD_CLIENT_SECRET = "client authentication failed"
    REDIRECT_MISMATCH = "redirect_uri is not the registered or authorized one"
    UNSUPPORTED_CHALLENGE = "code_challenge_method is not S256"
    CODE_UNKNOWN = "authorization code is unknown"
    CODE_USED = "authorization code was already redeemed"
    CODE_EXPIRED = "authorization code has expired"
    PKCE_MISSING = "code_verifier is missing"
    PKCE_MISMATCH = "code_verifier does not match the code_challenge"
    CLIENT_MISMATCH = "grant was issued to another client"
    REFRESH_UNKNOWN = "refresh token is unknown"
    REFRESH_ROTATED = "refresh token was already used (rotated)"
    GRANT_REVOKED = "access was revoked by the user"
    SCOPE_WIDENED = "scope exceeds what was granted"
    TOKEN_UNKNOWN = "token is unknown"
    TOKEN_EXPIRED = "access token has expired"


class Refusal(Exception):
    """The authorization server refuses a request, for `reason`."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass
class AuthRequest:
    """An authorize request waiting on the consent page."""

    id: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    extras: dict[str, str]  # vendor parameters a provider wants back (access_type, ...)


@dataclass
class Grant:
    """What one user allowed one client, and the counters of what Penny did with it."""

    id: str
    client_id: str
    account: Account
    scopes: tuple[str, ...]
    created_at: float
    extras: dict[str, str]
    revoked_at: float | None = None
    code_exchanges: int = 0
    refreshes: int = 0
    refused_refreshes: int = 0

    @property
    def exchanges(self) -> int:
        """Successful token-endpoint exchanges: the code once, then each refresh."""
        return self.code_exchanges + self.refreshes


@dataclass
class Code:
    value: str
    grant_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    expires_at: float
    used: bool = False


@dataclass
class AccessToken:
    value: str
    grant_id: str
    expires_at: float | None


@dataclass(frozen=True)
class Issued:
    """The outcome of a successful token request, for the provider to put on the wire."""

    grant: Grant
    access_token: str
    expires_in: int | None
    refresh_token: str | None
    nonce: str | None


@dataclass(frozen=True)
class Event:
    at: float
    grant_id: str | None
    text: str
