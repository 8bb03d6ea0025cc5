"""A host's connection in use: a working access token, and the connection marked broken
when the provider refuses it.

`access_token` hands adapters a working token, refreshed shortly before it expires. Where
the provider rotates refresh tokens and kills the old one at once (Microsoft, Zoom), the
refresh is single-flight across Lambdas (a lease in the store) and the new tokens are
stored; where the refresh token survives its use (Google), a refreshed access token is
kept in the container's memory only, never written. A refusal marks the connection broken
once, which the table stream turns into a live `connection.broken` on the host's
dashboards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from chalicelib.domain.connections import (
    Connection,
    ConnectionStatus,
    TokenDecryptionError,
    Tokens,
    UnknownTokenKeyError,
)
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotConnectedError,
    ProviderUnavailableError,
)
from chalicelib.services.connection_ports import Connections, LeaseBusy, RefreshLease
from chalicelib.services.oauth_clients import OAuthClients
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.connections")

# How many times `access_token` reads again at once (the tokens changed under it, or its
# lease was lost), and the longest it waits for another caller's refresh to finish.
READS = 8
LONGEST_WAIT_SECONDS = 3.0
# Tries at saving tokens a rotating refresh got (botocore's own retries, four attempts
# for throttling and 5xx, are inside each; its retry quota, drained by a throttling storm,
# may leave each to one), and the pause before each try after the first: the provider
# has retired the old refresh token, so tokens not saved cost the host a reconnect.
SAVE_PAUSES_SECONDS = (0.2, 0.5, 1.0)
# No try is begun past this long after the first (botocore's backoff inside a try can be
# seconds): the API Lambda's 10 s must leave time to log the loss, or it goes unsaid.
SAVE_WITHIN = timedelta(seconds=3)
# Access tokens a container keeps (see ConnectionService.refreshed); past this many it
# starts again (a container serves at most a few hundred hosts in an hour).
MOST_HELD = 10_000


class ConnectionTokens:
    """Held by ConnectionService (services/connections.py), which has these fields."""

    connections: Connections
    clients: OAuthClients
    clock: Clock
    sleep: Callable[[float], None]
    refreshed: dict[tuple[str, str, str], Tokens]

    def _connection(self, host_id: str, provider: str) -> Connection | None:
        """The connection as listed: no token decrypted."""
        return next((c for c in self.connections.for_host(host_id) if c.provider == provider),
                    None)

    def access_token(self, host_id: str, provider: str, refused: str | None = None) -> str:
        """A working access token for the host at the provider, refreshed first when it
        expires soon, or when it is `refused` (the provider answered 401 to it: revoked
        early, or the clocks disagree). ConnectionBrokenError when the host must
        reconnect; ProviderUnavailableError when the provider could not be reached."""
        return self.access(host_id, provider, refused)[1]

    def access(self, host_id: str, provider: str,
               refused: str | None = None) -> tuple[Connection, str]:
        """As `access_token`, with the connection (its grant and tokens version) the
        token is of: what a refusal of it must mark broken, and nothing newer."""
        waited, rereads = 0.0, 0
        while rereads <= READS:
            try:
                found = self.connections.get(host_id, provider)
            except UnknownTokenKeyError as exc:
                # Sealed recently under a key this container lacks: during a key
                # rotation, one started before the key was added. Another container can
                # read it, so the call is retried (a job by its queue, a page by its
                # client); a mark would outlive the rotation and make the host reconnect.
                # (Sealed before this container read its ring, the key was retired since:
                # the store raises RetiredTokenKeyError, broken below.)
                log.warning("tokens sealed under a key this container lacks: %s", exc,
                            extra={"provider": provider})
                raise ProviderUnavailableError(
                    provider, f"Penny cannot read its {provider.title()} tokens here yet; "
                    "try again") from None
            except TokenDecryptionError as exc:
                # Altered, copied, or sealed under a key since retired: no container
                # opens them, so the host reconnects (told once, by the mark; why, with
                # the key id, logged by the one use that marks it).
                listed = self._connection(host_id, provider)
                reason = f"Penny cannot read its {provider.title()} tokens; reconnect it"
                if listed is not None and self.mark_broken(listed, reason):
                    log.warning("tokens Penny cannot read: %s", exc,
                                extra={"provider": provider})
                raise ConnectionBrokenError(provider, reason) from None
            if found is None:
                raise NotConnectedError(f"{provider.title()} is not connected")
            connection, tokens = found
            if connection.status is ConnectionStatus.BROKEN:
                raise ConnectionBrokenError(provider, connection.broken_reason
                                            or f"reconnect {provider.title()}")
            now = self.clock.now()
            was_refused = refused is not None and tokens.access_token == refused
            if was_refused and tokens.refresh_token is None:
                raise ConnectionBrokenError(provider, f"{provider.title()} refused Penny's "
                                            "access; reconnect it")
            if not tokens.needs_refresh(now) and not was_refused:
                return connection, tokens.access_token
            if not self.clients.get(provider).rotates_refresh_tokens:
                return connection, self._refresh_unleased(connection, tokens, refused)
            taken = self.connections.take_refresh_lease(connection, now)
            if isinstance(taken, LeaseBusy) and taken.until > now:
                # Another caller is refreshing: wait a little, then read its tokens.
                pause = min((taken.until - now).total_seconds(), 0.1)
                if waited + pause > LONGEST_WAIT_SECONDS:
                    break
                self.sleep(pause)
                waited += pause
                continue
            if isinstance(taken, RefreshLease):
                fresh = self._refresh(taken, refused)
                if fresh is not None:
                    return fresh
            # Refreshed meanwhile, the lease was lost, or this refresh was overtaken by
            # another's (its refusal or its tokens stale): read again now.
            rereads += 1
        raise ProviderUnavailableError(provider, f"{provider.title()} is being refreshed "
                                       "elsewhere; try again")

    def _refresh_unleased(self, connection: Connection, stored: Tokens,
                          refused: str | None) -> str:
        """Refresh where the refresh token survives its use (Google): no lease (callers
        refreshing at once each get a working token), and no write. The new access token
        is held in this container's memory for its hour: a write per refresh would cost a
        unit more each time, 86,000 a month for 1,000 hosts (most of them a calendar's push
        notification finding its hour-old token expired), and an access token not written
        is one fewer secret at rest. Another container refreshes for itself."""
        key = (connection.host_id, connection.provider, connection.grant_id)
        held = self.refreshed.get(key)
        now = self.clock.now()
        if held is not None and not held.needs_refresh(now) and held.access_token != refused:
            return held.access_token
        try:
            fresh = self.clients.get(connection.provider).refresh(stored)
        except ConnectionBrokenError as exc:
            self.refreshed.pop(key, None)
            self.mark_broken(connection, exc.message)
            raise
        if len(self.refreshed) >= MOST_HELD:
            self.refreshed.clear()
        # Google answers no refresh token: the stored one goes on (and dates the next).
        self.refreshed[key] = Tokens(fresh.access_token,
                                     fresh.refresh_token or stored.refresh_token,
                                     fresh.expires_at)
        return fresh.access_token

    def _refresh(self, lease: RefreshLease,
                 refused: str | None = None) -> tuple[Connection, str] | None:
        """The connection as refreshed (its next tokens version) and its new access
        token, or None: read again (another refresh's tokens were saved first)."""
        connection = lease.connection
        if not lease.tokens.needs_refresh(self.clock.now()) \
                and lease.tokens.access_token != refused:
            # Someone refreshed between our read and our lease.
            self.connections.release_refresh(lease)
            return connection, lease.tokens.access_token
        client = self.clients.get(connection.provider)
        try:
            tokens = client.refresh(lease.tokens)
        except ConnectionBrokenError as exc:
            self.connections.release_refresh(lease)
            if self.mark_broken(connection, exc.message, refresh_refused=True):
                raise
            # Not marked: broken already (the next read says so), or this refresh outlived
            # its lease and another saved newer tokens first (the provider refused this
            # one's rotated refresh token): those work, so nothing is broken.
            return None
        except Exception:
            self.connections.release_refresh(lease)
            raise
        # The new refresh token is stored before the new access token is used.
        saved = self._save_refreshed(lease, tokens)
        if not saved:
            return None
        return replace(connection, tokens_version=connection.tokens_version + 1,
                       token_expires_at=tokens.expires_at), tokens.access_token

    def _save_refreshed(self, lease: RefreshLease, tokens: Tokens) -> bool:
        """`finish_refresh`, tried again after a pause when the store fails (the provider
        has already retired the old refresh token), while SAVE_WITHIN allows. A try whose
        write went through though its answer was lost leaves the next one False: the
        caller reads again and finds these tokens. Failing every time, the tokens are
        lost: logged as an error (the host will have to reconnect), the store's error
        raised."""
        c = lease.connection
        where = {"provider": c.provider, "host_id": c.host_id, "grant_id": c.grant_id,
                 "tokens_version": c.tokens_version}
        pauses, attempt, until = iter(SAVE_PAUSES_SECONDS), 1, self.clock.now() + SAVE_WITHIN
        while True:
            try:
                return self.connections.finish_refresh(lease, tokens)
            except Exception as exc:
                pause = next(pauses, None)
                if pause is None or self.clock.now() + timedelta(seconds=pause) > until:
                    # Secrets are never logged: only whose tokens, and why.
                    log.error("refreshed tokens lost: the provider accepted the refresh "
                              "and retired the old refresh token, but saving the new "
                              "ones failed; the host will have to reconnect",
                              extra={**where, "attempts": attempt,
                                     "error": type(exc).__name__}, exc_info=True)
                    raise
                log.warning("saving refreshed tokens failed; trying again",
                            extra={**where, "attempt": attempt,
                                   "error": type(exc).__name__})
            self.sleep(pause)
            attempt += 1

    def test(self, host_id: str, provider: str) -> Connection:
        """Use the connection once, as a feature would: a working access token (refreshed
        when due) and one call to the provider. A refusal marks it broken (and the host's
        dashboards hear `connection.broken`) before ConnectionBrokenError is raised."""
        connection, token = self.access(host_id, provider)
        try:
            self.clients.get(provider).account(token)
        except ConnectionBrokenError as exc:
            self.mark_broken(connection, exc.message)
            raise
        return connection

    def broken(self, host_id: str, provider: str, reason: str,
               grant_id: str | None = None) -> bool:
        """A job found the host's working connection refused at the provider (access
        withdrawn there, a database un-shared): flag it as `mark_broken` does. `grant_id`:
        the grant the job used, never a newer one (the host reconnected meanwhile);
        None: the current grant (the job used no token)."""
        connection = self._connection(host_id, provider)
        if connection is None or connection.status is not ConnectionStatus.CONNECTED:
            return False
        if grant_id is not None and grant_id != connection.grant_id:
            return False  # what was refused is gone: the grant that replaced it is new
        return self.mark_broken(connection, reason, of_tokens=False)

    def mark_broken(self, connection: Connection, reason: str, of_tokens: bool = True,
                    refresh_refused: bool = False) -> bool:
        """Flag it for the host (once: the stream turns the first flag into a live
        `connection.broken`); True for the call that broke it. `of_tokens`: a refusal of
        the tokens `connection` carries, so only while they are the stored ones (a
        refresh saved since has tokens that were never refused). `refresh_refused`: the
        refusal was of a leased refresh, so a refresh of the same tokens the provider
        accepted (it outlived its lease, its answer late) saves over the mark."""
        broke = self.connections.mark_broken(
            connection.host_id, connection.provider, connection.grant_id, reason,
            self.clock.now(), connection.tokens_version if of_tokens else None,
            refresh_refused and of_tokens)
        if broke:
            log.warning("connection broken", extra={"provider": connection.provider,
                                                    "host_id": connection.host_id})
        return broke
