"""Live updates for hosts' open dashboards over API Gateway WebSockets.

A socket is accepted only with a valid access token (API clients) or a realtime
ticket (the dashboard, see tickets.py), and is stored under its host and the login
that opened it (when the credential names one), so that ending the login closes it;
an event goes to every socket of its host and to nobody else's. A socket
that is gone is deleted; one bad socket never stops delivery to the others.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.errors import AuthenticationError, SocketGoneError
from chalicelib.domain.events import Event
from chalicelib.services.access_tokens import AccessClaims
from chalicelib.services.ports import Clock
from chalicelib.services.tickets import RealtimeTickets

log = logging.getLogger("penny.realtime")


class Sockets(Protocol):
    """The hosts' open sockets (store/sockets.py), each by API Gateway's connection id."""

    def add(self, host_id: str, socket_id: str, now: datetime,
            session_id: str | None = None) -> None: ...
    def remove(self, socket_id: str) -> None: ...
    def for_host(self, host_id: str, now: datetime) -> list[str]: ...
    def for_login(self, host_id: str, session_id: str) -> list[str]: ...
    def remove_all(self, host_id: str, socket_ids: list[str]) -> None: ...


class Sender(Protocol):
    def send(self, socket_id: str, message: str) -> None: ...
    def close(self, socket_id: str) -> None: ...


class Logins(Protocol):
    """Checks that a token's login (its `sid`) has not ended (AccountService)."""

    def claims(self, access_token: str) -> AccessClaims: ...
    def session_active(self, session_id: str) -> bool: ...


@dataclass(frozen=True)
class Realtime:
    sockets: Sockets
    sender: Sender
    logins: Logins
    clock: Clock
    tickets: RealtimeTickets

    def connect(self, socket_id: str, token: str | None, ticket: bool = False) -> str:
        """The host id, or AuthenticationError: the gateway then refuses the handshake.

        `ticket` says the credential was offered as a realtime ticket: only a ticket is
        accepted then, and only an access token otherwise (their audiences differ).
        """
        if not token:
            raise AuthenticationError("connect with ?ticket=<ticket> or ?token=<access token>")
        now = self.clock.now()
        if ticket:
            host_id, session_id = self.tickets.verify(token), self.tickets.session_of(token)
            # A ticket outlives its login by up to a minute: one read refuses it after logout.
            if session_id is not None and not self.logins.session_active(session_id):
                raise AuthenticationError("this session has ended; log in again")
        else:
            claims = self.logins.claims(token)  # refused if it names a login that ended
            host_id, session_id = claims.host_id, claims.session_id
        self.sockets.add(host_id, socket_id, now, session_id)
        return host_id

    def close_login(self, host_id: str, session_id: str) -> int:
        """Close the sockets a login opened (on logout); returns how many there were.

        Best effort, as the logout itself is already done: the records are deleted even
        if a close fails, so nothing more is pushed to that socket.
        """
        found = self.sockets.for_login(host_id, session_id)
        for socket_id in found:
            try:
                self.sender.close(socket_id)
            except SocketGoneError:
                pass
            except Exception:
                log.exception("closing %s failed", socket_id)
        if found:
            self.sockets.remove_all(host_id, found)
        return len(found)

    def disconnect(self, socket_id: str) -> None:
        self.sockets.remove(socket_id)

    def pong(self, socket_id: str) -> None:
        self._send(socket_id, json.dumps({"type": "pong"}))

    def refuse(self, socket_id: str, code: str, message: str) -> None:
        """Tell the client its message was not understood (the HTTP API's error shape)."""
        self._send(socket_id, json.dumps(
            {"type": "error", "error": {"code": code, "message": message, "field": None}}))

    def push(self, event: Event) -> int:
        """Send to each of the host's sockets; returns how many received it."""
        message = json.dumps(event.to_json())
        delivered = 0
        for socket_id in self.sockets.for_host(event.host_id, self.clock.now()):
            delivered += self._send(socket_id, message)
        return delivered

    def _send(self, socket_id: str, message: str) -> int:
        try:
            self.sender.send(socket_id, message)
        except SocketGoneError:
            self.sockets.remove(socket_id)
            return 0
        except Exception:  # one broken socket must not stop the rest
            log.exception("push to %s failed", socket_id)
            return 0
        return 1
