"""Connecting a provider: OAuth 2.0 and OpenID Connect (Google, Microsoft, Zoom,
Notion). The features a host turns on, one consent round trip, what it grants, and the
provider's OAuth client (integrations/oauth/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.connections import Tokens


class Feature(StrEnum):
    """What a host turns on at a provider; each asks only for its own scopes (incremental
    consent: the calendar now, documents when notes are turned on)."""

    CALENDAR = "calendar"          # busy times and the booking's event (Google, Outlook)
    VIDEO = "video"                # meetings (Zoom; Meet and Teams ride on the calendar)
    NOTES = "notes"                # Notion pages, Google Docs
    SIGN_IN = "sign_in"            # OpenID Connect: who the user is, nothing more
    PAYMENTS = "payments"          # taking the host's payments (Stripe, Razorpay)


@dataclass(frozen=True)
class AuthorizationRequest:
    """One round trip to a provider's consent page, as Penny stored it (OAuthState)."""

    state: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_verifier: str | None = field(default=None, repr=False)  # PKCE (S256); None: none
    nonce: str | None = field(default=None, repr=False)          # OpenID sign-in only


@dataclass(frozen=True)
class Identity:
    """Who signed in, from a verified ID token. `subject` is stable per provider: Google's
    `sub`, Microsoft's `{tid}:{oid}`. An e-mail is never an identity (Microsoft's `email`
    claim is not verified for every account type)."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None


@dataclass(frozen=True)
class Grant:
    """What a finished consent gave: the tokens, the account they act for, the scopes
    granted (maybe fewer than asked), and the verified identity when OpenID was asked."""

    tokens: Tokens
    account_id: str
    account_label: str             # an e-mail, or a Notion workspace's name
    scopes: tuple[str, ...]
    identity: Identity | None = None
    # Asked for and not granted: the user unticked them (Google's granular consent).
    declined: tuple[str, ...] = ()


class OAuthProvider(Protocol):
    """One provider's OAuth client (integrations/oauth/), made from its settings entry.

    Errors say what happens next (domain/errors.py): a refresh the provider refuses
    (`invalid_grant`: revoked, expired, password changed) raises ConnectionBrokenError;
    a timeout or 5xx raises ProviderUnavailableError; a code the provider refuses at the
    callback raises ProviderRejectedError.
    """

    name: str
    uses_pkce: bool
    # Whether a refresh kills the refresh token it used (Microsoft, Zoom): then refreshes
    # must be single-flight. Google's refresh token stays: refreshes may overlap.
    rotates_refresh_tokens: bool

    def scopes(self, features: frozenset[Feature]) -> tuple[str, ...]:
        """The scopes these features need here (an unsupported feature: ValueError)."""
        ...

    def authorization_url(self, request: AuthorizationRequest) -> str: ...

    def exchange(self, code: str, request: AuthorizationRequest) -> Grant:
        """Trade the callback's code (with the PKCE verifier) for a grant; with OpenID
        scopes, the ID token is verified (signature, iss, aud, exp, the request's nonce)."""
        ...

    def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens; where the provider rotates refresh tokens (Microsoft, Zoom), the
        old refresh token is dead once this returns: store the new one first."""
        ...

    def revoke(self, tokens: Tokens) -> bool:
        """Revoke the grant at the provider; False where it has no revocation endpoint."""
        ...

    def account(self, access_token: str) -> str:
        """The account label the token acts for, asked of the provider now (Google's
        userinfo, Graph's /me, Zoom's users/me, Notion's users/me): the host's "Test" of
        a connection. A token the provider refuses (revoked, expired) raises
        ConnectionBrokenError."""
        ...
