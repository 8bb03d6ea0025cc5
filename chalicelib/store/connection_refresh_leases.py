"""A connection's refresh lease, and the mark that it is broken.

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

ConnectionRepository (connections.py) is made of these and its reads and writes;
sealed_connections.py holds the item's reads, updates and tokens these use.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from chalicelib.domain.connections import REFRESH_LEASE, Connection, ConnectionStatus, Tokens
from chalicelib.services.connection_ports import LeaseBusy, RefreshLease
from chalicelib.store.connection_items import to_connection
from chalicelib.store.items import ConnectionItem
from chalicelib.store.sealed_connections import SealedConnections

_CONNECTED = ConnectionStatus.CONNECTED.value
# What a mark may break: a working connection, or one made and not ready yet (a Stripe
# account mid-onboarding, whose stored id Penny may no longer read: the host reconnects).
_MARKABLE = (_CONNECTED, ConnectionStatus.PENDING.value)


class ConnectionRefreshLeases(SealedConnections):
    def mark_broken(self, host_id: str, provider: str, grant_id: str, reason: str,
                    now: datetime, tokens_version: int | None = None,
                    refresh_refused: bool = False) -> bool:
        condition = (ConnectionItem.grant_id == grant_id) & \
            ConnectionItem.status.is_in(*_MARKABLE)
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
            ConnectionItem.tokens_version.add(1), self._sealed_now(),
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
