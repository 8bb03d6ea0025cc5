"""Connecting a host to a provider: the OAuth round trip, the credentials, disconnecting.

A round trip has two requests. `start` (the host, logged in, clicks Connect) stores a
single-use state and answers the provider's consent URL and a *binding*: a secret the
browser keeps in a cookie for the callback. `finish` (the provider sends the browser
back to /oauth/<provider>/callback) accepts the callback only if:

- the `state` parameter carries Penny's signature (tampered: refused before any read);
- the state is in the store, unexpired, and taken now (a replay finds nothing);
- it was started for this provider, by this browser (the binding cookie's hash matches)
  and from a login that is still open;

and only then trades the code, with the PKCE verifier only the state held, for tokens,
stored encrypted for the host who started it. So a callback can never attach tokens to
another host: the host comes from the stored state, never from the request.

`access_token` hands adapters a working token, refreshed shortly before it expires. Where
the provider rotates refresh tokens and kills the old one at once (Microsoft, Zoom), the
refresh is single-flight across Lambdas (a lease in the store) and the new tokens are
stored; where the refresh token survives its use (Google), a refreshed access token is
kept in the container's memory only, never written. A refusal marks the connection broken
once, which the table stream turns into a live `connection.broken` on the host's
dashboards.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.connections import (
    Connection,
    ConnectionStatus,
    TokenDecryptionError,
    Tokens,
)
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ConsentDeclinedError,
    NotConnectedError,
    NotFoundError,
    OAuthStateError,
    ProviderError,
    ProviderNotAvailableError,
    ProviderRejectedError,
    ProviderUnavailableError,
    ValidationError,
)
from chalicelib.domain.providers import AuthorizationRequest, Feature, Identity, OAuthProvider
from chalicelib.services.connection_ports import (
    Connections,
    LeaseBusy,
    OAuthState,
    OAuthStates,
    RefreshLease,
)
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.connections")

# How many times `access_token` reads again at once (the tokens changed under it, or its
# lease was lost), and the longest it waits for another caller's refresh to finish.
READS = 8
LONGEST_WAIT_SECONDS = 3.0
# Access tokens a container keeps (see ConnectionService.refreshed); past this many it
# starts again (a container serves at most a few hundred hosts in an hour).
MOST_HELD = 10_000


class OAuthClients:
    """The OAuth clients of the providers set up on this Penny, made on first use."""

    def __init__(self, available: frozenset[str], make: Callable[[str], OAuthProvider]) -> None:
        self.available = available
        self._make = make
        self._made: dict[str, OAuthProvider] = {}

    def get(self, provider: str) -> OAuthProvider:
        if provider not in self.available:
            raise ProviderNotAvailableError(f"{provider} is not available on this Penny")
        if provider not in self._made:
            self._made[provider] = self._make(provider)
        return self._made[provider]


@dataclass(frozen=True)
class StateSigner:
    """The `state` parameter: the stored state's id and an HMAC of it, so a forged or
    altered state is refused before anything is read."""

    secret: str

    def _mac(self, state_id: str) -> str:
        return hmac.new(self.secret.encode(), f"oauth-state:{state_id}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    def sign(self, state_id: str) -> str:
        return f"{state_id}.{self._mac(state_id)}"

    def verify(self, state: str) -> str:
        state_id, _, mac = state.partition(".")
        # As bytes: compare_digest refuses a str with non-ASCII characters (a 500).
        given = mac.encode("utf-8", "surrogatepass")
        if not state_id or not hmac.compare_digest(given, self._mac(state_id).encode()):
            raise OAuthStateError("this sign-in link was altered; start again from Penny")
        return state_id


def binding_hash(binding: str) -> str:
    return hashlib.sha256(f"oauth-binding:{binding}".encode()).hexdigest()


@dataclass(frozen=True)
class Started:
    url: str          # the provider's consent page
    binding: str      # kept by the browser (a cookie) until the callback
    state_id: str     # names the cookie, so round trips in two tabs do not collide


@dataclass(frozen=True)
class Finished:
    """A round trip that came back well: for "connect", the saved connection; for
    "sign_in" and "link", the identity the ID token proved (the caller signs in or links)."""

    state: OAuthState
    connection: Connection | None = None
    identity: Identity | None = None

    @property
    def return_to(self) -> str:
        return self.state.redirect_to


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
class ConnectionService:
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
        connected = {c.provider: c for c in self.connections.for_host(host_id)}
        return [ProviderView(p, p in self.clients.available, connected.get(p))
                for p in self.providers]

    # ---- connecting ------------------------------------------------------------------

    def start(self, host_id: str, session_id: str | None, provider: str,
              features: frozenset[Feature], return_to: str) -> Started:
        """Connect (or reconnect, or widen) a platform for the host."""
        client = self._client(provider)
        scopes = self._scopes(client, features)
        current = self._connection(host_id, provider)
        if current is not None and not current.is_broken:
            # Incremental consent keeps what was granted: ask for both.
            scopes = tuple(dict.fromkeys((*current.scopes, *scopes)))
        return self._begin(client, scopes, host_id, session_id, "connect", return_to)

    def start_sign_in(self, provider: str, timezone: str, return_to: str) -> Started:
        """Sign in (or up) with a provider's identity: no host, no login yet."""
        client = self._client(provider)
        scopes = self._scopes(client, frozenset({Feature.SIGN_IN}))
        return self._begin(client, scopes, None, None, "sign_in", return_to, timezone)

    def start_link(self, host_id: str, session_id: str | None, provider: str,
                   return_to: str) -> Started:
        """Let the logged-in host sign in with this provider's identity from now on."""
        client = self._client(provider)
        scopes = self._scopes(client, frozenset({Feature.SIGN_IN}))
        return self._begin(client, scopes, host_id, session_id, "link", return_to)

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

    def _connection(self, host_id: str, provider: str) -> Connection | None:
        """The connection as listed: no token decrypted."""
        return next((c for c in self.connections.for_host(host_id) if c.provider == provider),
                    None)

    def _client(self, provider: str) -> OAuthProvider:
        if provider not in self.providers:
            raise NotFoundError(f"no platform called {provider}")
        return self.clients.get(provider)

    @staticmethod
    def _scopes(client: OAuthProvider, features: frozenset[Feature]) -> tuple[str, ...]:
        try:
            return client.scopes(features)
        except ValueError as exc:
            raise ValidationError(str(exc), "features") from None

    def _begin(self, client: OAuthProvider, scopes: tuple[str, ...], host_id: str | None,
               session_id: str | None, purpose: str, return_to: str,
               timezone: str = "") -> Started:
        state_id, binding = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        state = OAuthState(
            state_id=state_id, provider=client.name, host_id=host_id,
            # An API client's bearer token names no login (""): the binding alone holds.
            session_id=session_id or "",
            code_verifier=secrets.token_urlsafe(64) if client.uses_pkce else "",
            nonce=secrets.token_urlsafe(24), redirect_to=return_to, scopes=scopes,
            created_at=self.clock.now(), binding=binding_hash(binding), purpose=purpose,
            timezone=timezone)
        if not self.states.put(state):
            raise RuntimeError("an OAuth state id was drawn twice")  # 192 random bits
        return Started(client.authorization_url(self._request(state)), binding, state_id)

    def _request(self, state: OAuthState) -> AuthorizationRequest:
        return AuthorizationRequest(
            state=self.signer.sign(state.state_id), redirect_uri=self.callback_url(state.provider),
            scopes=state.scopes, code_verifier=state.code_verifier or None, nonce=state.nonce)

    def finish(self, provider: str, query: Mapping[str, str],
               binding: str | None) -> Finished:
        return self.complete(self.take(provider, query, binding), query)

    def take(self, provider: str, query: Mapping[str, str], binding: str | None) -> OAuthState:
        """The callback's state, checked and spent (OAuthStateError otherwise)."""
        return self._take_state(provider, query.get("state"), binding)

    def complete(self, state: OAuthState, query: Mapping[str, str]) -> Finished:
        """The rest of the callback, for a state `take` accepted."""
        provider = state.provider
        if query.get("error"):
            if query["error"] == "access_denied":
                raise ConsentDeclinedError(f"you did not allow Penny at {provider.title()}; "
                                           "nothing was connected")
            raise ProviderRejectedError(provider, f"{provider.title()} answered "
                                        f"{query['error']}; nothing was connected")
        code = query.get("code")
        if not code:
            raise ValidationError("the provider sent no authorization code", "code")
        grant = self.clients.get(provider).exchange(code, self._request(state))
        if state.purpose != "connect":
            if grant.identity is None:
                raise ProviderRejectedError(provider, f"{provider.title()} proved no identity")
            return Finished(state, identity=grant.identity)
        if state.host_id is None:
            raise OAuthStateError("this round trip was a sign-in, not a connection")
        connection = Connection(
            host_id=state.host_id, provider=provider, grant_id=secrets.token_hex(8),
            account_id=grant.account_id, account_label=grant.account_label,
            scopes=grant.scopes, connected_at=self.clock.now(),
            token_expires_at=grant.tokens.expires_at)
        self.connections.save(connection, grant.tokens)
        log.info("connected", extra={"provider": provider, "host_id": state.host_id})
        return Finished(state, connection=connection)

    def _take_state(self, provider: str, signed: str | None,
                    binding: str | None) -> OAuthState:
        if not signed:
            raise OAuthStateError("this link has no state; start again from Penny")
        state_id = self.signer.verify(signed)
        state = self.states.take(state_id, self.clock.now())
        if state is None:
            raise OAuthStateError("this link was already used or has expired (10 minutes); "
                                  "start again from Penny")
        if state.provider != provider:
            raise OAuthStateError("this link was started for another platform")
        if binding is None or not hmac.compare_digest(binding_hash(binding), state.binding):
            raise OAuthStateError("this link was started in another browser; start again "
                                  "from Penny in this one")
        if state.session_id and not self.logins.session_active(state.session_id):
            raise OAuthStateError("the login that started this has ended; log in again")
        return state

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

    # ---- using a connection ----------------------------------------------------------

    def access_token(self, host_id: str, provider: str, refused: str | None = None) -> str:
        """A working access token for the host at the provider, refreshed first when it
        expires soon, or when it is `refused` (the provider answered 401 to it: revoked
        early, or the clocks disagree). ConnectionBrokenError when the host must
        reconnect; ProviderUnavailableError when the provider could not be reached."""
        return self._working(host_id, provider, refused)[1]

    def _working(self, host_id: str, provider: str,
                 refused: str | None = None) -> tuple[Connection, str]:
        waited, rereads = 0.0, 0
        while rereads <= READS:
            try:
                found = self.connections.get(host_id, provider)
            except TokenDecryptionError:
                listed = self._connection(host_id, provider)
                reason = f"Penny cannot read its {provider.title()} tokens; reconnect it"
                if listed is not None:
                    self.mark_broken(listed, reason)
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
                    return connection, fresh
            rereads += 1  # refreshed meanwhile, or the lease was lost: read again now
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

    def _refresh(self, lease: RefreshLease, refused: str | None = None) -> str | None:
        connection = lease.connection
        if not lease.tokens.needs_refresh(self.clock.now()) \
                and lease.tokens.access_token != refused:
            # Someone refreshed between our read and our lease.
            self.connections.release_refresh(lease)
            return lease.tokens.access_token
        client = self.clients.get(connection.provider)
        try:
            tokens = client.refresh(lease.tokens)
        except ConnectionBrokenError as exc:
            self.connections.release_refresh(lease)
            self.mark_broken(connection, exc.message)
            raise
        except Exception:
            self.connections.release_refresh(lease)
            raise
        # The new refresh token is stored before the new access token is used; the provider
        # has already retired the old one, so a failed write is tried once more.
        try:
            saved = self.connections.finish_refresh(lease, tokens)
        except Exception:
            log.warning("saving refreshed tokens failed; trying once more",
                        extra={"provider": connection.provider})
            saved = self.connections.finish_refresh(lease, tokens)
        return tokens.access_token if saved else None

    def test(self, host_id: str, provider: str) -> Connection:
        """Use the connection once, as a feature would: a working access token (refreshed
        when due) and one call to the provider. A refusal marks it broken (and the host's
        dashboards hear `connection.broken`) before ConnectionBrokenError is raised."""
        connection, token = self._working(host_id, provider)
        try:
            self.clients.get(provider).account(token)
        except ConnectionBrokenError as exc:
            self.mark_broken(connection, exc.message)
            raise
        return connection

    def broken(self, host_id: str, provider: str, reason: str) -> bool:
        """A job found the host's working connection refused at the provider (access
        withdrawn there, a database un-shared): flag it as `mark_broken` does."""
        connection = self._connection(host_id, provider)
        return connection is not None and connection.status is ConnectionStatus.CONNECTED \
            and self.mark_broken(connection, reason)

    def mark_broken(self, connection: Connection, reason: str) -> bool:
        """Flag it for the host (once: the stream turns the first flag into a live
        `connection.broken`); True for the call that broke it."""
        broke = self.connections.mark_broken(connection.host_id, connection.provider,
                                             connection.grant_id, reason, self.clock.now())
        if broke:
            log.warning("connection broken", extra={"provider": connection.provider,
                                                    "host_id": connection.host_id})
        return broke
