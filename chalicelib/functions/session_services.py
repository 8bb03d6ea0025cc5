"""What the session routes and the authentication of every route use: the browser
sessions, and the bearer tokens API clients send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from chalicelib.services.access_tokens import AccessClaims

if TYPE_CHECKING:
    from chalicelib.services.sessions import BrowserSessions


class BearerTokens(Protocol):
    def claims(self, access_token: str) -> AccessClaims: ...


@dataclass(frozen=True)
class SessionServices:
    """What the session routes and the authentication of every route use."""

    sessions: BrowserSessions
    bearer: BearerTokens          # API clients' `Authorization: Bearer` (AccountService)
    public_base_url: str          # its origin may use the cookies
    refresh_ttl_seconds: int      # the refresh and CSRF cookies' lifetime
