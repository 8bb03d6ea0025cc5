"""One-minute WebSocket tickets for the dashboard, which cannot read its own token.

The dashboard's access token sits in an httpOnly cookie, and the WebSocket API is
another origin (API Gateway's execute-api domain), so the browser's cookie cannot
authenticate the socket. The page asks the API for a ticket instead: a JWT from the
same key ring with its own audience, so it opens a WebSocket and nothing else (the
REST API refuses it, and `$connect` refuses an access token offered as a ticket), and
it expires 60 s after issue, long enough to connect, too short to be worth stealing
from a log. It opens one socket only: each ticket has an id (`jti`), and `$connect`
records the socket under that id with one conditional write (services/realtime.py), so
a copied ticket is worthless once the dashboard has used it. Checking a ticket here
writes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import AuthenticationError
from chalicelib.services.access_tokens import AccessTokens
from chalicelib.services.ports import Clock

# A token may be dated up to this far ahead of our clock (integrations/jwt_tokens.py), so a
# ticket can be accepted until iat + ttl <= now + ttl + this.
CLOCK_SKEW = timedelta(seconds=60)


@dataclass(frozen=True)
class Ticket:
    token: str
    expires_in: int


@dataclass(frozen=True)
class TicketClaims:
    """What a valid ticket says: the host (signed, so a ticket never opens another host's
    socket), the login it was issued for, and its id, which the socket's record takes."""

    host_id: str
    session_id: str | None
    ticket_id: str


@dataclass(frozen=True)
class RealtimeTickets:
    tokens: AccessTokens  # audience "penny-realtime", ttl 60 s
    clock: Clock

    def issue(self, host_id: str, session_id: str | None = None) -> Ticket:
        """`session_id`: the dashboard's login, recorded on the socket so logout closes it."""
        return Ticket(self.tokens.issue(host_id, self.clock.now(), session_id,
                                        token_id=secrets.token_urlsafe(16)),
                      int(self.tokens.ttl.total_seconds()))

    def verify(self, ticket: str) -> TicketClaims:
        """The ticket's claims, or AuthenticationError: signature, audience and expiry.

        Whether it was used before is the socket's record's to say (Realtime.connect).
        """
        claims = self.tokens.claims(ticket, self.clock.now())
        if claims.token_id is None:
            raise AuthenticationError("this ticket is not valid; ask for a new one")
        return TicketClaims(claims.host_id, claims.session_id, claims.token_id)

    def usable_until(self, used_at: datetime) -> datetime:
        """The latest a ticket that was used at `used_at` could be accepted again: until
        then, the record it made is all that refuses it."""
        return used_at + self.tokens.ttl + CLOCK_SKEW
