"""Live updates for hosts' open dashboards over API Gateway WebSockets.

A connection is accepted only with a valid access token (API clients) or a realtime
ticket (the dashboard, see tickets.py), and is stored under its host;
an event goes to every connection of its host and to nobody else's. A connection
that is gone is deleted; one bad connection never stops delivery to the others.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.errors import AuthenticationError, ConnectionGoneError
from chalicelib.domain.events import Event
from chalicelib.services.access_tokens import AccessTokens
from chalicelib.services.ports import Clock
from chalicelib.services.tickets import RealtimeTickets

log = logging.getLogger("penny.realtime")


class Connections(Protocol):
    def add(self, host_id: str, connection_id: str, now: datetime) -> None: ...
    def remove(self, connection_id: str) -> None: ...
    def for_host(self, host_id: str, now: datetime) -> list[str]: ...


class Sender(Protocol):
    def send(self, connection_id: str, message: str) -> None: ...


@dataclass(frozen=True)
class Realtime:
    connections: Connections
    sender: Sender
    access: AccessTokens
    clock: Clock
    tickets: RealtimeTickets

    def connect(self, connection_id: str, token: str | None, ticket: bool = False) -> str:
        """The host id, or AuthenticationError: the gateway then refuses the handshake.

        `ticket` says the credential was offered as a realtime ticket: only a ticket is
        accepted then, and only an access token otherwise (their audiences differ).
        """
        if not token:
            raise AuthenticationError("connect with ?ticket=<ticket> or ?token=<access token>")
        now = self.clock.now()
        host_id = self.tickets.verify(token) if ticket else self.access.verify(token, now)
        self.connections.add(host_id, connection_id, now)
        return host_id

    def disconnect(self, connection_id: str) -> None:
        self.connections.remove(connection_id)

    def pong(self, connection_id: str) -> None:
        self._send(connection_id, json.dumps({"type": "pong"}))

    def push(self, event: Event) -> int:
        """Send to each of the host's connections; returns how many received it."""
        message = json.dumps(event.to_json())
        delivered = 0
        for connection_id in self.connections.for_host(event.host_id, self.clock.now()):
            delivered += self._send(connection_id, message)
        return delivered

    def _send(self, connection_id: str, message: str) -> int:
        try:
            self.sender.send(connection_id, message)
        except ConnectionGoneError:
            self.connections.remove(connection_id)
            return 0
        except Exception:  # one broken connection must not stop the rest
            log.exception("push to %s failed", connection_id)
            return 0
        return 1
