"""Open sockets (API Gateway's WebSocket connections) per host, with a TTL (API Gateway
closes them after 2 h).

A socket is two items (the host's list, and the lookup `$disconnect` needs), written
and deleted in one BatchWriteItem rather than a transaction: a transaction bills every
item twice, and a half-done pair is harmless (a lookup alone points nowhere; a listed
socket that is gone is deleted on the first send that fails, and TTL ends both).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.store.items import SocketItem, SocketLookupItem
from chalicelib.store.tables import PennyItem

SOCKET_TTL = timedelta(hours=2)
# The key prefixes say CONN: they are stored in deployed tables (see SocketItem).


class SocketRepository:
    def add(self, host_id: str, socket_id: str, now: datetime,
            session_id: str | None = None) -> None:
        expires = now + SOCKET_TTL
        with PennyItem.batch_write() as batch:
            batch.save(SocketItem(f"HOSTCONNS#{host_id}", f"CONN#{socket_id}",
                                      socket_id=socket_id, session_id=session_id,
                                      expires_at=expires))
            batch.save(SocketLookupItem(f"WSCONN#{socket_id}", "WSCONN",
                                            host_id=host_id, expires_at=expires))

    def remove(self, socket_id: str) -> None:
        try:
            lookup = SocketLookupItem.get(f"WSCONN#{socket_id}", "WSCONN")
        except DoesNotExist:
            return
        with PennyItem.batch_write() as batch:
            batch.delete(SocketItem(f"HOSTCONNS#{lookup.host_id}", f"CONN#{socket_id}"))
            batch.delete(lookup)

    def for_login(self, host_id: str, session_id: str) -> list[str]:
        """The host's sockets opened by one login (one Query of the host's list)."""
        return [item.socket_id for item in SocketItem.query(
            f"HOSTCONNS#{host_id}", filter_condition=SocketItem.session_id == session_id)]

    def remove_all(self, host_id: str, socket_ids: list[str]) -> None:
        with PennyItem.batch_write() as batch:
            for socket_id in socket_ids:
                batch.delete(SocketItem(f"HOSTCONNS#{host_id}", f"CONN#{socket_id}"))
                batch.delete(SocketLookupItem(f"WSCONN#{socket_id}", "WSCONN"))

    def for_host(self, host_id: str, now: datetime) -> list[str]:
        # TTL deletes late: an expired item is skipped, not trusted.
        return [item.socket_id for item in SocketItem.query(f"HOSTCONNS#{host_id}")
                if item.expires_at is None or item.expires_at > now]
