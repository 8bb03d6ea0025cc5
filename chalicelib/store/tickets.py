"""Realtime tickets already used: one conditional put per ticket makes a ticket single-use."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import PutError

from chalicelib.store.items import UsedTicketItem
from chalicelib.store.transactions import condition_failed


class UsedTicketRepository:
    def claim(self, ticket_id: str, expires_at: datetime) -> bool:
        # TTL deletes the item late, never early, so the claim outlives the ticket.
        item = UsedTicketItem(f"WSTICKET#{ticket_id}", "WSTICKET", expires_at=expires_at)
        try:
            item.save(condition=UsedTicketItem.pk.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True
