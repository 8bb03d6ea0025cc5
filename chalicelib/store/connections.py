"""Hosts' connections to providers (domain/connections.py), tokens sealed by the cipher.

One item per host and provider (items.ConnectionItem). Each operation is one request:

  save            PutItem (a new grant replaces the old item)
  get             GetItem, consistent (a refresh in another container must be seen)
  for_host        Query on the host's CONNECTIONS# partition, consistent; no decryption
  host_of_account Query on GSI1, PROVIDERACCOUNT#{provider}#{account} (Stripe's only;
                  one saved before that is put there by the first for_host/with_tokens)
  delete          DeleteItem returning the old item (its tokens, to revoke)
  mark_broken     UpdateItem if still this grant (and tokens version, when the refusal
                  was of those tokens) and connected: true once, for one caller
  take lease      UpdateItem if this grant and tokens version, connected, and no live
                  lease; returns the item as it now stands (the tokens to refresh).
                  Refused: one consistent GetItem says why (a lease until when, tokens
                  refreshed since, or no such working grant)
  finish refresh  UpdateItem if still the grant and tokens version the lease was taken
                  for, and connected (or broken by a refused refresh of that version):
                  the new tokens, the next version, connected, and the lease removed
  release         UpdateItem if still the holder: the lease removed

The lease is single-flight refresh across containers: Microsoft and Zoom rotate the
refresh token and kill the old one at once, so two refreshes of one connection at once
would break it. A lease past `refresh_lease_until` (its holder crashed) may be taken
again. Finishing needs only that nobody saved newer tokens, even past its time: a refresh
that outlived its lease and whose exchange the provider accepted is the one that counts
(the other's exchange of the same rotating refresh token is refused), and one whose
tokens are stale saves nothing and breaks nothing. When the other's refusal came first
and marked the connection broken (at the same version, as a refused refresh), the
accepted refresh's save clears that mark: Penny holds a working grant. A host's
disconnect (the item gone) or reconnect (a new grant) is never saved over, nor a mark
made otherwise (a call refused, tokens unreadable).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime, timedelta

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.connections import (
    REFRESH_LEASE,
    Connection,
    ConnectionStatus,
    TokenDecryptionError,
    Tokens,
)
from chalicelib.services.connection_ports import LeaseBusy, RefreshLease, TokenCipher
from chalicelib.store.items import ConnectionItem
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import condition_failed

_CONNECTED = ConnectionStatus.CONNECTED.value


def _key(host_id: str, provider: str) -> tuple[str, str]:
    return f"CONNECTIONS#{host_id}", f"PROVIDER#{provider}"


# Providers whose events name the host's account, not the host: their connection is on
# GSI1 under the account, so such an event finds whose it is. Stripe's only (its item
# changes when it is connected, checked or broken; a token refresh never rewrites it).
_BY_ACCOUNT = frozenset({"stripe"})


def _account_key(provider: str, account_id: str) -> str:
    return f"PROVIDERACCOUNT#{provider}#{account_id}"


def _indexed(item: ConnectionItem) -> ConnectionItem:
    """A Stripe connection saved before it went on GSI1 is put there when first read (the
    host's Connections page, a paid booking): once, by one conditional UpdateItem."""
    provider = _owner(item)[1]
    if provider not in _BY_ACCOUNT or not item.account_id or \
            item.gsi1pk == _account_key(provider, item.account_id):
        return item
    with suppress(UpdateError):
        item.update(actions=[ConnectionItem.gsi1pk.set(_account_key(provider, item.account_id)),
                             ConnectionItem.gsi1sk.set("CONNECTION")],
                    condition=ConnectionItem.grant_id == item.grant_id)
    return item


def _owner(item: ConnectionItem) -> tuple[str, str]:
    """The host and provider the item is stored under: its key, never its own attributes,
    which a whole item copied into another row would carry along (the tokens' associated
    data must name the row they are read from)."""
    return item.pk.removeprefix("CONNECTIONS#"), item.sk.removeprefix("PROVIDER#")


def to_connection(item: ConnectionItem) -> Connection:
    host_id, provider = _owner(item)
    return Connection(
        host_id=host_id, provider=provider, grant_id=item.grant_id,
        account_id=item.account_id, account_label=item.account_label,
        scopes=tuple(item.scopes), connected_at=item.connected_at,
        token_expires_at=item.token_expires_at, status=ConnectionStatus(item.status),
        broken_reason=item.broken_reason, broken_at=item.broken_at,
        tokens_version=int(item.tokens_version))


class ConnectionRepository:
    def __init__(self, cipher: TokenCipher) -> None:
        self._cipher = cipher

    def _tokens(self, item: ConnectionItem, reseal: bool = True) -> Tokens:
        host_id, provider = _owner(item)

        def open_(text: str) -> str:
            return self._cipher.decrypt(text, host_id, provider)

        tokens = Tokens(open_(item.access_token),
                        None if item.refresh_token is None else open_(item.refresh_token),
                        item.token_expires_at)
        if reseal and not all(self._cipher.sealed_with_active(text) for text in
                              (item.access_token, item.refresh_token) if text is not None):
            self._reseal(item, tokens)
        return tokens

    def _reseal(self, item: ConnectionItem, tokens: Tokens) -> None:
        """Tokens sealed with a key kept only to open them (a rotation): sealed again with
        the key that seals now, as read, so the old key can go. Google's and Notion's are
        never rewritten by a refresh (their refresh token survives its use, Notion's never
        expires): without this, retiring the old key would break them. Best effort: a
        write in between (a refresh) has sealed them anew already."""
        seal, (host_id, provider) = self._seal, _owner(item)
        actions: list[Action] = [ConnectionItem.access_token.set(
            seal(host_id, provider, tokens.access_token))]
        condition = ConnectionItem.access_token == item.access_token
        if tokens.refresh_token is not None:
            actions.append(ConnectionItem.refresh_token.set(
                seal(host_id, provider, tokens.refresh_token)))
            condition &= ConnectionItem.refresh_token == item.refresh_token
        self._update(host_id, provider, actions, condition)

    def _seal(self, host_id: str, provider: str, secret: str) -> str:
        return self._cipher.encrypt(secret, host_id, provider)

    def save(self, connection: Connection, tokens: Tokens) -> None:
        """A new grant (the access token's expiry stored is the tokens')."""
        c, seal = connection, self._seal
        item = ConnectionItem(
            *_key(c.host_id, c.provider), host_id=c.host_id, provider=c.provider,
            grant_id=c.grant_id, account_id=c.account_id, account_label=c.account_label,
            scopes=list(c.scopes), connected_at=c.connected_at, status=c.status.value,
            broken_reason=c.broken_reason, broken_at=c.broken_at,
            access_token=seal(c.host_id, c.provider, tokens.access_token),
            refresh_token=None if tokens.refresh_token is None
            else seal(c.host_id, c.provider, tokens.refresh_token),
            token_expires_at=tokens.expires_at, tokens_version=c.tokens_version)
        if c.provider in _BY_ACCOUNT and c.account_id:
            item.gsi1pk, item.gsi1sk = _account_key(c.provider, c.account_id), "CONNECTION"
        item.save()

    def _item(self, host_id: str, provider: str) -> ConnectionItem | None:
        try:
            return ConnectionItem.get(*_key(host_id, provider), consistent_read=True)
        except DoesNotExist:
            return None

    def get(self, host_id: str, provider: str) -> tuple[Connection, Tokens] | None:
        item = self._item(host_id, provider)
        return None if item is None else (to_connection(item), self._tokens(item))

    def host_of_account(self, provider: str, account_id: str) -> str | None:
        """Whose connection to `provider` is this account (a Stripe connected account):
        one Query of GSI1 (eventually consistent: a webhook comes well after the save)."""
        for item in PennyItem.by_slug.query(_account_key(provider, account_id)):
            if isinstance(item, ConnectionItem) and item.account_id == account_id:
                return _owner(item)[0]
        return None

    def for_host(self, host_id: str) -> list[Connection]:
        pk, _ = _key(host_id, "")
        return [to_connection(_indexed(item)) for item in
                ConnectionItem.query(pk, consistent_read=True) if isinstance(item, ConnectionItem)]

    def with_tokens(self, host_id: str, providers: frozenset[str]
                    ) -> dict[str, tuple[Connection, Tokens]]:
        """The host's connections to `providers`, with their tokens: one Query (the
        others' tokens are never decrypted)."""
        pk, _ = _key(host_id, "")
        return {_owner(item)[1]: (to_connection(_indexed(item)), self._tokens(item))
                for item in ConnectionItem.query(pk, consistent_read=True)
                if isinstance(item, ConnectionItem) and _owner(item)[1] in providers}

    def delete(self, host_id: str, provider: str) -> tuple[Connection, Tokens | None] | None:
        """What was removed, with its tokens to revoke (None if they cannot be read)."""
        gone = ConnectionItem._get_connection().delete_item(
            *_key(host_id, provider), return_values=ALL_OLD).get("Attributes")
        if not gone:
            return None
        item = PennyItem.from_raw_data(gone)
        assert isinstance(item, ConnectionItem)
        try:
            tokens: Tokens | None = self._tokens(item, reseal=False)  # gone: not kept
        except TokenDecryptionError:
            tokens = None
        return to_connection(item), tokens

    def mark_broken(self, host_id: str, provider: str, grant_id: str, reason: str,
                    now: datetime, tokens_version: int | None = None,
                    refresh_refused: bool = False) -> bool:
        condition = (ConnectionItem.grant_id == grant_id) & (ConnectionItem.status == _CONNECTED)
        if tokens_version is not None:
            condition &= ConnectionItem.tokens_version == tokens_version
        return self._update(host_id, provider, [
            ConnectionItem.status.set(ConnectionStatus.BROKEN.value),
            ConnectionItem.broken_reason.set(reason[:500]), ConnectionItem.broken_at.set(now),
            ConnectionItem.broken_by_refresh.set(True) if refresh_refused
            else ConnectionItem.broken_by_refresh.remove(),
            ConnectionItem.refresh_lease.remove(), ConnectionItem.refresh_lease_until.remove(),
        ], condition) is not None

    def take_refresh_lease(self, seen: Connection, now: datetime,
                           lease: timedelta = REFRESH_LEASE) -> RefreshLease | LeaseBusy | None:
        holder, until = secrets.token_urlsafe(16), now + lease
        free = (ConnectionItem.refresh_lease_until.does_not_exist()
                | (ConnectionItem.refresh_lease_until < now))
        taken = self._update(seen.host_id, seen.provider, [
            ConnectionItem.refresh_lease.set(holder),
            ConnectionItem.refresh_lease_until.set(until),
        ], (ConnectionItem.grant_id == seen.grant_id) & (ConnectionItem.status == _CONNECTED)
            & (ConnectionItem.tokens_version == seen.tokens_version) & free)
        if taken is not None:
            return RefreshLease(holder, until, to_connection(taken), self._tokens(taken))
        # Refused: read why (only the losers pay this read; they would read again anyway).
        item = self._item(seen.host_id, seen.provider)
        if item is None or item.grant_id != seen.grant_id or item.status != _CONNECTED:
            return None
        if item.tokens_version != seen.tokens_version or item.refresh_lease_until is None:
            return LeaseBusy(now)  # refreshed since `seen` was read: read the new tokens
        return LeaseBusy(item.refresh_lease_until)

    def finish_refresh(self, lease: RefreshLease, tokens: Tokens) -> bool:
        c = lease.connection
        actions = [
            ConnectionItem.access_token.set(self._seal(c.host_id, c.provider,
                                                       tokens.access_token)),
            ConnectionItem.refresh_lease.remove(), ConnectionItem.refresh_lease_until.remove(),
            ConnectionItem.tokens_version.add(1),
            # Working again if a refused refresh of this version marked it broken (below).
            ConnectionItem.status.set(_CONNECTED), ConnectionItem.broken_reason.remove(),
            ConnectionItem.broken_at.remove(), ConnectionItem.broken_by_refresh.remove(),
            ConnectionItem.token_expires_at.set(tokens.expires_at) if tokens.expires_at
            else ConnectionItem.token_expires_at.remove()]
        # A refresh answer without a refresh token (Google's) keeps the one stored.
        if tokens.refresh_token is not None:
            actions.append(ConnectionItem.refresh_token.set(
                self._seal(c.host_id, c.provider, tokens.refresh_token)))
        # Broken by a refresh the provider refused at this same version: the other
        # exchange of the refresh token this one spent (this refresh outlived its lease).
        refused_refresh = (ConnectionItem.status == ConnectionStatus.BROKEN.value) \
            & (ConnectionItem.broken_by_refresh == True)  # noqa: E712  (a condition)
        return self._update(c.host_id, c.provider, actions,
                            (ConnectionItem.grant_id == c.grant_id)
                            & (ConnectionItem.tokens_version == c.tokens_version)
                            & ((ConnectionItem.status == _CONNECTED) | refused_refresh)
                            ) is not None

    def release_refresh(self, lease: RefreshLease) -> None:
        c = lease.connection
        self._update(c.host_id, c.provider, [
            ConnectionItem.refresh_lease.remove(), ConnectionItem.refresh_lease_until.remove(),
        ], ConnectionItem.refresh_lease == lease.holder)

    def _update(self, host_id: str, provider: str, actions: Sequence[Action],
                condition: Condition) -> ConnectionItem | None:
        """The item as the update left it, or None when its condition refused it."""
        item = ConnectionItem(*_key(host_id, provider))
        try:
            item.update(actions=list(actions), condition=condition)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return None
        return item
