"""Connecting a host to a provider: the Connections page, the OAuth round trip, the
credentials, disconnecting.

`ConnectionService` holds the fields and does the page and disconnecting; it inherits
the OAuth round trip (services/oauth_round_trip.py: `start`, `finish`) and the
connection in use (services/connection_tokens.py: `access_token`, single-flight
refresh, `mark_broken`). A callback can never attach tokens to another host: the host
comes from the stored state, never from the request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.connections import Connection, TokenDecryptionError, Tokens
from chalicelib.domain.errors import NotConnectedError, NotFoundError, ProviderError
from chalicelib.domain.providers.oauth import Feature
from chalicelib.services.connection_ports import Connections, OAuthStates
from chalicelib.services.oauth_clients import OAuthClients
from chalicelib.services.oauth_round_trip import OAuthRoundTrip
from chalicelib.services.oauth_state_signing import StateSigner
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.connections")


@dataclass(frozen=True)
class ProviderView:
    """One platform on the Connections page."""

    provider: str
    available: bool
    connection: Connection | None

    @property
    def status(self) -> str:
        if self.connection is not None:
            return self.connection.status.value
        return "not_connected" if self.available else "not_available"


class OpenLogins(Protocol):
    """Whether a login is still open (AccountService.session_active)."""

    def session_active(self, session_id: str) -> bool: ...


@dataclass(frozen=True)
class ConnectionService(OAuthRoundTrip):
    connections: Connections
    states: OAuthStates
    clients: OAuthClients
    clock: Clock
    signer: StateSigner
    callback_url: Callable[[str], str]        # provider -> its registered redirect URI
    logins: OpenLogins
    providers: tuple[str, ...]                # the platforms the page lists, in order
    sleep: Callable[[float], None] = field(default=time.sleep)
    # This container's access tokens refreshed where the refresh token survives its use
    # (Google), by host, provider and grant: held here for their hour, never written.
    refreshed: dict[tuple[str, str, str], Tokens] = field(default_factory=dict)

    # ---- the page ------------------------------------------------------------------

    def overview(self, host_id: str) -> list[ProviderView]:
        return self.views(self.held(host_id))

    def held(self, host_id: str) -> list[Connection]:
        """The host's connections, to every provider (payments too): one Query."""
        return self.connections.for_host(host_id)

    def views(self, held: list[Connection]) -> list[ProviderView]:
        """The platforms the page lists, from the host's connections as `held` found them."""
        connected = {c.provider: c for c in held}
        return [ProviderView(p, p in self.clients.available, connected.get(p))
                for p in self.providers]

    def lacks_feature(self, host_id: str, provider: str, feature: Feature) -> bool:
        """Whether the host's connection to `provider` misses scopes `feature` needs (a
        Google connection made for the calendar alone, asked for Docs). A feature that
        needs no scopes (Notion's pages are picked at consent) reads nothing."""
        client = self.clients.get(provider)
        try:
            # The feature's own scopes: not those asked every time (`openid email`).
            needed = set(client.scopes(frozenset({feature}))) - set(client.scopes(frozenset()))
        except ValueError:
            return True
        if not needed:
            return False
        connection = self._connection(host_id, provider)
        return connection is None or not needed <= set(connection.scopes)

    # ---- disconnecting ---------------------------------------------------------------

    def disconnect(self, host_id: str, provider: str) -> None:
        """Revoke the grant at the provider (where it can be), then forget it. A provider
        that cannot be reached does not keep the host connected: the tokens are deleted
        either way, and the failed revocation is logged."""
        if provider not in self.providers:
            raise NotFoundError(f"no platform called {provider}")
        try:
            found = self.connections.get(host_id, provider)
        except TokenDecryptionError:
            # Its tokens cannot be read (a key retired too soon, an altered item): nothing
            # to revoke with, and nothing to keep.
            log.warning("tokens unreadable; deleting them", extra={"provider": provider})
            self.connections.delete(host_id, provider)
            return
        if found is None:
            raise NotConnectedError(f"{provider.title()} is not connected")
        connection, tokens = found
        if provider in self.clients.available:
            try:
                if not connection.is_broken and tokens.needs_refresh(self.clock.now()):
                    # Zoom and Notion revoke by the access token: an expired one would not
                    # end the grant. A fresh one does (Google's revokes the refresh token).
                    self.access_token(host_id, provider)
                    tokens = (self.connections.get(host_id, provider) or found)[1]
                self.clients.get(provider).revoke(tokens)
            except ProviderError as exc:
                log.warning("revocation failed; deleting the tokens anyway",
                            extra={"provider": provider, "error_code": exc.code})
        self.connections.delete(host_id, provider)
