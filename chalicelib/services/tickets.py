"""One-minute WebSocket tickets for the dashboard, which cannot read its own token.

The dashboard's access token sits in an httpOnly cookie, and the WebSocket API is
another origin (API Gateway's execute-api domain), so the browser's cookie cannot
authenticate the socket. The page asks the API for a ticket instead: a JWT from the
same key ring with its own audience, so it opens a WebSocket and nothing else (the
REST API refuses it, and `$connect` refuses an access token offered as a ticket), and
it expires 60 s after issue, long enough to connect, too short to be worth stealing
from a log.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.services.access_tokens import AccessTokens
from chalicelib.services.ports import Clock


@dataclass(frozen=True)
class Ticket:
    token: str
    expires_in: int


@dataclass(frozen=True)
class RealtimeTickets:
    tokens: AccessTokens  # audience "penny-realtime", ttl 60 s
    clock: Clock

    def issue(self, host_id: str) -> Ticket:
        return Ticket(self.tokens.issue(host_id, self.clock.now()),
                      int(self.tokens.ttl.total_seconds()))

    def verify(self, ticket: str) -> str:
        """The host id the ticket was issued to, or AuthenticationError."""
        return self.tokens.verify(ticket, self.clock.now())
