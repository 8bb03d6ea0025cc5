"""The WebSocket sender the harness gives Penny: no API Gateway runs locally, so it
counts what postToConnection would carry, plays a socket its client closed, and notes the
management API's other calls (GetConnection, DeleteConnection) for their time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.costing.prices import message_units
from bench.costing.units import chunks
from chalicelib.domain.errors import SocketGoneError

WS_UNIT = message_units()["apigw.ws_messages"]  # bytes billed as one WebSocket message
WS_FRAME_BYTES = 4  # a server's WebSocket frame header for a message under 64 KB


@dataclass
class CountingSender:
    """Stands in for postToConnection (no API Gateway runs locally): counts the messages
    (WS_UNIT chunks) per socket, and the request, on the meter."""

    note: Any = None                          # the meter's `note`
    invocation: int = 0                       # which stream invocation is running
    units: int = 0
    bytes: int = 0                            # what the messages carried out
    posts: list[tuple[int, str]] = field(default_factory=list)
    enabled: bool = False
    gone: set[str] = field(default_factory=set)  # sockets their clients closed

    def send(self, socket_id: str, message: str) -> None:
        if socket_id in self.gone:
            if self.enabled:
                self.note("execute-api.PostToConnection")  # answered 410
            raise SocketGoneError(socket_id)
        if self.enabled:
            self.units += chunks(len(message.encode()), WS_UNIT)
            self.bytes += len(message.encode()) + WS_FRAME_BYTES
            self.posts.append((self.invocation, socket_id))
            self.note("execute-api.PostToConnection")

    def is_open(self, socket_id: str) -> bool:
        """GetConnection (the host's bound asks it of old records): no message billed."""
        if self.enabled:
            self.note("execute-api.GetConnection")
        return socket_id not in self.gone

    def close(self, socket_id: str) -> None:
        """DeleteConnection (the host's bound closes its oldest live socket): none billed."""
        if self.enabled:
            self.note("execute-api.DeleteConnection")
        if socket_id in self.gone:
            raise SocketGoneError(socket_id)
        self.gone.add(socket_id)

    def bursts_to(self, socket_id: str) -> int:
        """How many stream invocations pushed something to this socket."""
        return len({n for n, c in self.posts if c == socket_id and n > 0})
