"""One-minute WebSocket tickets for the dashboard, which cannot read its own token.

The dashboard's access token sits in an httpOnly cookie, and the WebSocket API is
another origin (API Gateway's execute-api domain), so the browser's cookie cannot
authenticate the socket. The page asks the API for a ticket instead: a JWT from the
same key ring with its own audience, so it opens a WebSocket and nothing else (the
REST API refuses it, and `$connect` refuses an access token offered as a ticket), and
it expires 60 s after issue, long enough to connect, too short to be worth stealing
from a log. It opens one socket only: each ticket has an id (`jti`), claimed with a
conditional write at `$connect` (one write per socket opened), so a copied ticket is
worthless once the dashboard has used it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain.errors import AuthenticationError
from chalicelib.services.access_tokens import AccessTokens
from chalicelib.services.ports import Clock

# A token may be dated up to this far ahead of our clock (integrations/jwt_tokens.py), so a
# ticket can be accepted until iat + ttl <= now + ttl + this: its claim is kept that long.
CLOCK_SKEW = timedelta(seconds=60)


class UsedTickets(Protocol):
    def claim(self, ticket_id: str, expires_at: datetime) -> bool:
        """True the first time an id is claimed, False ever after (until it expires)."""
        ...


@dataclass(frozen=True)
class Ticket:
    token: str
    expires_in: int


@dataclass(frozen=True)
class RealtimeTickets:
    tokens: AccessTokens  # audience "penny-realtime", ttl 60 s
    clock: Clock
    used: UsedTickets

    def issue(self, host_id: str, session_id: str | None = None) -> Ticket:
        """`session_id`: the dashboard's login, recorded on the socket so logout closes it."""
        return Ticket(self.tokens.issue(host_id, self.clock.now(), session_id,
                                        token_id=secrets.token_urlsafe(16)),
                      int(self.tokens.ttl.total_seconds()))

    def verify(self, ticket: str) -> str:
        """The host id the ticket was issued to, or AuthenticationError; uses the ticket up.

        The signature and expiry are checked first, so garbage costs no write.
        """
        now = self.clock.now()
        claims = self.tokens.claims(ticket, now)
        if claims.token_id is None:
            raise AuthenticationError("this ticket is not valid; ask for a new one")
        if not self.used.claim(claims.token_id, now + self.tokens.ttl + CLOCK_SKEW):
            raise AuthenticationError("this ticket was already used; ask for a new one")
        return claims.host_id

    def session_of(self, ticket: str) -> str | None:
        """The login a verified ticket was issued for (None when it names none)."""
        return self.tokens.claims(ticket, self.clock.now()).session_id
