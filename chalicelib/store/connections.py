"""Hosts' connections to providers (domain/connections.py), tokens sealed by the cipher.

One item per host and provider (items.ConnectionItem). Each operation is one request:

  save            PutItem (a new grant replaces the old item; `sealed_at` is now)
  get             GetItem, consistent (a refresh in another container must be seen)
  for_host        Query on the host's CONNECTIONS# partition, consistent; no decryption
  host_of_account Query on GSI1, PROVIDERACCOUNT#{provider}#{account} (Stripe's only;
                  one saved before that is put there by the first for_host/with_tokens)
  delete          DeleteItem returning the old item (its tokens, to revoke)
  mark_broken     UpdateItem if still this grant (and tokens version, when the refusal
                  was of those tokens) and connected or pending: true once, for one caller
  take lease      UpdateItem if this grant and tokens version, connected, and no live
                  lease; returns the item as it now stands (the tokens to refresh).
                  Refused: one consistent GetItem says why (a lease until when, tokens
                  refreshed since, or no such working grant)
  finish refresh  UpdateItem if still the grant and tokens version the lease was taken
                  for, and connected (or broken by a refused refresh of that version):
                  the new tokens (and when sealed), the next version, connected, and
                  the lease removed
  release         UpdateItem if still the holder: the lease removed

The last four, and why the lease, are connection_refresh_leases.py's; the tokens opened
and sealed, sealed_connections.py's; an item's key and the Connection it holds,
connection_items.py's (to_connection is named here too).
"""

from __future__ import annotations

from pynamodb.constants import ALL_OLD

from chalicelib.domain.connections import Connection, TokenDecryptionError, Tokens
from chalicelib.store.connection_items import (
    BY_ACCOUNT,
    account_key,
    connection_key,
    indexed,
    owner,
    to_connection,
)
from chalicelib.store.connection_refresh_leases import ConnectionRefreshLeases
from chalicelib.store.items import ConnectionItem
from chalicelib.store.tables import PennyItem

__all__ = ["ConnectionRepository", "to_connection"]


class ConnectionRepository(ConnectionRefreshLeases):
    def save(self, connection: Connection, tokens: Tokens) -> None:
        """A new grant (the access token's expiry stored is the tokens')."""
        c, seal = connection, self._seal
        item = ConnectionItem(
            *connection_key(c.host_id, c.provider), host_id=c.host_id, provider=c.provider,
            grant_id=c.grant_id, account_id=c.account_id, account_label=c.account_label,
            scopes=list(c.scopes), connected_at=c.connected_at, status=c.status.value,
            broken_reason=c.broken_reason, broken_at=c.broken_at,
            access_token=seal(c.host_id, c.provider, tokens.access_token),
            refresh_token=None if tokens.refresh_token is None
            else seal(c.host_id, c.provider, tokens.refresh_token),
            token_expires_at=tokens.expires_at, sealed_at=self._clock.now(),
            tokens_version=c.tokens_version)
        if c.provider in BY_ACCOUNT and c.account_id:
            item.gsi1pk, item.gsi1sk = account_key(c.provider, c.account_id), "CONNECTION"
        item.save()

    def get(self, host_id: str, provider: str) -> tuple[Connection, Tokens] | None:
        item = self._item(host_id, provider)
        return None if item is None else (to_connection(item), self._tokens(item))

    def host_of_account(self, provider: str, account_id: str) -> str | None:
        """Whose connection to `provider` is this account (a Stripe connected account):
        one Query of GSI1 (eventually consistent: a webhook comes well after the save)."""
        for item in PennyItem.by_slug.query(account_key(provider, account_id)):
            if isinstance(item, ConnectionItem) and item.account_id == account_id:
                return owner(item)[0]
        return None

    def for_host(self, host_id: str) -> list[Connection]:
        pk, _ = connection_key(host_id, "")
        return [to_connection(indexed(item)) for item in
                ConnectionItem.query(pk, consistent_read=True) if isinstance(item, ConnectionItem)]

    def with_tokens(self, host_id: str, providers: frozenset[str]
                    ) -> dict[str, tuple[Connection, Tokens]]:
        """The host's connections to `providers`, with their tokens: one Query (the
        others' tokens are never decrypted)."""
        pk, _ = connection_key(host_id, "")
        return {owner(item)[1]: (to_connection(indexed(item)), self._tokens(item))
                for item in ConnectionItem.query(pk, consistent_read=True)
                if isinstance(item, ConnectionItem) and owner(item)[1] in providers}

    def delete(self, host_id: str, provider: str) -> tuple[Connection, Tokens | None] | None:
        """What was removed, with its tokens to revoke (None if they cannot be read)."""
        gone = ConnectionItem._get_connection().delete_item(
            *connection_key(host_id, provider), return_values=ALL_OLD).get("Attributes")
        if not gone:
            return None
        item = PennyItem.from_raw_data(gone)
        assert isinstance(item, ConnectionItem)
        try:
            tokens: Tokens | None = self._tokens(item, reseal=False)  # gone: not kept
        except TokenDecryptionError:
            tokens = None
        return to_connection(item), tokens
