"""Open sockets (API Gateway's WebSocket connections) per host: one item each, with a TTL
(API Gateway closes a socket after 2 h).

pk = HOSTCONNS#{host}, sk = CONN#{key}: the key is the id of the ticket that opened the
socket (an access token's socket: the socket's own id). One conditional PutItem records
the socket and, as the key must be new, uses its ticket up: a replayed ticket fails the
condition and writes nothing. The ticket id is in the sort key, not its own item, so
that one write does both; it stays under the host's pk so that the host's one Query
still finds every socket. Nothing is written when a socket closes: the item goes when
its TTL does, when a push or the host's bound finds the socket gone, or at its login's
logout, each time deleted by the key the Query returned. A ticket's socket refused at
the bound is written again as `refused`, with the ticket's own end as its TTL: its key
still refuses the ticket, and nothing lists it as a socket.

Items from before (sk = CONN#{socket id}, with a WSCONN#{socket id} lookup and a
WSTICKET#{ticket id} claim beside them) are the same items under the same pk: they are
read and deleted the same way, and the lookups and claims, read by nothing now, expire
by their TTL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.services.realtime import OpenSocket
from chalicelib.store.items import SocketItem
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import saved_if_new

SOCKET_TTL = timedelta(hours=2)
# The key prefixes say CONN: they are stored in deployed tables (see SocketItem).
_SK = "CONN#"


class SocketRepository:
    def open(self, host_id: str, key: str, socket_id: str, now: datetime,
             session_id: str | None = None) -> bool:
        item = SocketItem(f"HOSTCONNS#{host_id}", f"{_SK}{key}", socket_id=socket_id,
                          session_id=session_id, expires_at=now + SOCKET_TTL)
        return saved_if_new(item)

    def for_host(self, host_id: str, now: datetime) -> list[OpenSocket]:
        # TTL deletes late: an expired item is skipped, not trusted.
        return [_socket(item) for item in SocketItem.query(f"HOSTCONNS#{host_id}")
                if not item.refused and (item.expires_at is None or item.expires_at > now)]

    def for_login(self, host_id: str, session_id: str) -> list[OpenSocket]:
        """The host's sockets opened by one login (one Query of the host's list).

        Consistent: a `$connect` that found the login still going just before it ended
        has written its record, and the logout must find it (services/realtime.py).
        """
        return [_socket(item) for item in SocketItem.query(
            f"HOSTCONNS#{host_id}", filter_condition=SocketItem.session_id == session_id,
            consistent_read=True) if not item.refused]

    def mark_refused(self, host_id: str, socket: OpenSocket, until: datetime) -> None:
        """One PutItem over the socket's item: its key stays taken until `until`."""
        SocketItem(f"HOSTCONNS#{host_id}", f"{_SK}{socket.key}", socket_id=socket.socket_id,
                   refused=True, expires_at=until).save()

    def remove(self, host_id: str, sockets: list[OpenSocket]) -> None:
        with PennyItem.batch_write() as batch:
            for socket in sockets:
                batch.delete(SocketItem(f"HOSTCONNS#{host_id}", f"{_SK}{socket.key}"))


def _socket(item: SocketItem) -> OpenSocket:
    opened = item.expires_at - SOCKET_TTL if item.expires_at is not None else None
    return OpenSocket(item.socket_id, item.sk.removeprefix(_SK), opened)
