"""Short-lived access tokens: what one carries, and the port that issues and checks them.

A token has a key id, so the signing key can rotate (integrations/jwt_tokens.py signs
with pyjwt). The audience scopes a token to one use: an API access token ("penny-api")
is no WebSocket ticket ("penny-realtime"), and the other way round, though both share
the key ring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class AccessClaims:
    host_id: str
    session_id: str | None  # the login (refresh-token family) the token is bound to
    token_id: str | None = None  # `jti`: only single-use tokens (realtime tickets) carry one
    # `lid`: the login an unbound token came from (an API client's). No request checks
    # it, but a socket the token opens is recorded under it, so the logout closes it.
    login_id: str | None = None

    @property
    def login(self) -> str | None:
        """The login the token came from, bound to it or not."""
        return self.session_id or self.login_id


class AccessTokens(Protocol):
    """Issues tokens for one audience and checks them against the injected clock."""

    @property
    def ttl(self) -> timedelta: ...

    def issue(self, host_id: str, now: datetime, session_id: str | None = None,
              token_id: str | None = None, login_id: str | None = None) -> str:
        """`session_id`: the login the token is bound to (checked on each request);
        `login_id`: the login it came from, unbound (a bound token names its own)."""
        ...

    def verify(self, token: str, now: datetime) -> str:
        """The host id the token was issued to, or AuthenticationError."""
        ...

    def claims(self, token: str, now: datetime) -> AccessClaims:
        """Who the token was issued to and for which login, or AuthenticationError."""
        ...
