"""A host's connection item and the Connection it holds: its key (one item per host and
provider), the host and provider read back from that key, and the place on GSI1 under
the account that Stripe's connections have.

ConnectionRepository (connections.py) reads and writes these items; sealed_connections.py
opens and seals their tokens, connection_refresh_leases.py holds their refresh leases.
"""

from __future__ import annotations

from contextlib import suppress

from pynamodb.exceptions import UpdateError

from chalicelib.domain.connections import Connection, ConnectionStatus
from chalicelib.store.items import ConnectionItem


def connection_key(host_id: str, provider: str) -> tuple[str, str]:
    return f"CONNECTIONS#{host_id}", f"PROVIDER#{provider}"


# Providers whose events name the host's account, not the host: their connection is on
# GSI1 under the account, so such an event finds whose it is. Stripe's only (its item
# changes when it is connected, checked or broken; a token refresh never rewrites it).
BY_ACCOUNT = frozenset({"stripe"})


def account_key(provider: str, account_id: str) -> str:
    return f"PROVIDERACCOUNT#{provider}#{account_id}"


def indexed(item: ConnectionItem) -> ConnectionItem:
    """A Stripe connection saved before it went on GSI1 is put there when first read (the
    host's Connections page, a paid booking): once, by one conditional UpdateItem."""
    provider = owner(item)[1]
    if provider not in BY_ACCOUNT or not item.account_id or \
            item.gsi1pk == account_key(provider, item.account_id):
        return item
    with suppress(UpdateError):
        item.update(actions=[ConnectionItem.gsi1pk.set(account_key(provider, item.account_id)),
                             ConnectionItem.gsi1sk.set("CONNECTION")],
                    condition=ConnectionItem.grant_id == item.grant_id)
    return item


def owner(item: ConnectionItem) -> tuple[str, str]:
    """The host and provider the item is stored under: its key, never its own attributes,
    which a whole item copied into another row would carry along (the tokens' associated
    data must name the row they are read from)."""
    return item.pk.removeprefix("CONNECTIONS#"), item.sk.removeprefix("PROVIDER#")


def to_connection(item: ConnectionItem) -> Connection:
    host_id, provider = owner(item)
    return Connection(
        host_id=host_id, provider=provider, grant_id=item.grant_id,
        account_id=item.account_id, account_label=item.account_label,
        scopes=tuple(item.scopes), connected_at=item.connected_at,
        token_expires_at=item.token_expires_at, status=ConnectionStatus(item.status),
        broken_reason=item.broken_reason, broken_at=item.broken_at,
        tokens_version=int(item.tokens_version))
