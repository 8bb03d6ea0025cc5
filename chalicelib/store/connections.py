"""Open WebSocket connections per host, with a TTL (API Gateway closes them after 2 h).

A connection is two items (the host's list, and the lookup `$disconnect` needs), written
and deleted in one BatchWriteItem rather than a transaction: a transaction bills every
item twice, and a half-done pair is harmless (a lookup alone points nowhere; a listed
connection that is gone is deleted on the first send that fails, and TTL ends both).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.store.items import ConnectionItem, ConnectionLookupItem
from chalicelib.store.tables import PennyItem

CONNECTION_TTL = timedelta(hours=2)


class ConnectionRepository:
    def add(self, host_id: str, connection_id: str, now: datetime,
            session_id: str | None = None) -> None:
        expires = now + CONNECTION_TTL
        with PennyItem.batch_write() as batch:
            batch.save(ConnectionItem(f"HOSTCONNS#{host_id}", f"CONN#{connection_id}",
                                      connection_id=connection_id, session_id=session_id,
                                      expires_at=expires))
            batch.save(ConnectionLookupItem(f"WSCONN#{connection_id}", "WSCONN",
                                            host_id=host_id, expires_at=expires))

    def remove(self, connection_id: str) -> None:
        try:
            lookup = ConnectionLookupItem.get(f"WSCONN#{connection_id}", "WSCONN")
        except DoesNotExist:
            return
        with PennyItem.batch_write() as batch:
            batch.delete(ConnectionItem(f"HOSTCONNS#{lookup.host_id}", f"CONN#{connection_id}"))
            batch.delete(lookup)

    def for_login(self, host_id: str, session_id: str) -> list[str]:
        """The host's connections opened by one login (one Query of the host's list)."""
        return [item.connection_id for item in ConnectionItem.query(
            f"HOSTCONNS#{host_id}", filter_condition=ConnectionItem.session_id == session_id)]

    def remove_all(self, host_id: str, connection_ids: list[str]) -> None:
        with PennyItem.batch_write() as batch:
            for connection_id in connection_ids:
                batch.delete(ConnectionItem(f"HOSTCONNS#{host_id}", f"CONN#{connection_id}"))
                batch.delete(ConnectionLookupItem(f"WSCONN#{connection_id}", "WSCONN"))

    def for_host(self, host_id: str, now: datetime) -> list[str]:
        # TTL deletes late: an expired item is skipped, not trusted.
        return [item.connection_id for item in ConnectionItem.query(f"HOSTCONNS#{host_id}")
                if item.expires_at is None or item.expires_at > now]
