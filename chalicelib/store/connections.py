"""Open WebSocket connections per host, with a TTL (API Gateway closes them after 2 h)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.store.items import ConnectionItem, ConnectionLookupItem
from chalicelib.store.transactions import connection

CONNECTION_TTL = timedelta(hours=2)


class ConnectionRepository:
    def add(self, host_id: str, connection_id: str, now: datetime) -> None:
        expires = now + CONNECTION_TTL
        with TransactWrite(connection=connection()) as tx:
            tx.save(ConnectionItem(f"HOSTCONNS#{host_id}", f"CONN#{connection_id}",
                                   connection_id=connection_id, expires_at=expires))
            tx.save(ConnectionLookupItem(f"WSCONN#{connection_id}", "WSCONN", host_id=host_id,
                                         expires_at=expires))

    def remove(self, connection_id: str) -> None:
        try:
            lookup = ConnectionLookupItem.get(f"WSCONN#{connection_id}", "WSCONN")
        except DoesNotExist:
            return
        with TransactWrite(connection=connection()) as tx:
            tx.delete(ConnectionItem(f"HOSTCONNS#{lookup.host_id}", f"CONN#{connection_id}"))
            tx.delete(lookup)

    def for_host(self, host_id: str, now: datetime) -> list[str]:
        # TTL deletes late: an expired item is skipped, not trusted.
        return [item.connection_id for item in ConnectionItem.query(f"HOSTCONNS#{host_id}")
                if item.expires_at is None or item.expires_at > now]
