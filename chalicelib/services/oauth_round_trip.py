"""Connecting a host to a provider, or signing in with one: the OAuth round trip.

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
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.connections import Connection
from chalicelib.domain.errors import (
    ConsentDeclinedError,
    NoRefreshTokenError,
    NotFoundError,
    OAuthStateError,
    ProviderRejectedError,
    ScopesDeclinedError,
    ValidationError,
)
from chalicelib.domain.providers.oauth import AuthorizationRequest, Feature, Identity, OAuthProvider
from chalicelib.services.connection_ports import OAuthState, OAuthStates
from chalicelib.services.connection_tokens import ConnectionTokens
from chalicelib.services.oauth_state_signing import StateSigner, binding_hash

if TYPE_CHECKING:
    from chalicelib.services.connections import OpenLogins

log = logging.getLogger("penny.connections")


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


class OAuthRoundTrip(ConnectionTokens):
    """Held by ConnectionService (services/connections.py), which has these fields; the
    connection a round trip widens is read as listed (`ConnectionTokens._connection`)."""

    states: OAuthStates
    signer: StateSigner
    callback_url: Callable[[str], str]
    logins: OpenLogins
    providers: tuple[str, ...]

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
            # The caller's login, an API client's too; a token naming none (""): the
            # binding alone holds.
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
        if grant.declined:
            # A connection without a permission it was asked for cannot do its job (no
            # busy times, no events): refused, and the one the host has, if any, kept.
            raise ScopesDeclinedError(
                f"you did not give Penny every permission at {provider.title()}; nothing "
                "was connected", self._features_of(provider, state.scopes, grant.declined))
        if grant.tokens.expires_at is not None and grant.tokens.refresh_token is None:
            # Its access token dies within the hour and nothing could renew it: saved, it
            # would show connected, then break at the first use after that.
            raise NoRefreshTokenError(f"{provider.title()} gave Penny access for an hour only "
                                      "(no refresh token); nothing was connected")
        connection = Connection(
            host_id=state.host_id, provider=provider, grant_id=secrets.token_hex(8),
            account_id=grant.account_id, account_label=grant.account_label,
            scopes=grant.scopes, connected_at=self.clock.now(),
            token_expires_at=grant.tokens.expires_at)
        self.connections.save(connection, grant.tokens)
        log.info("connected", extra={"provider": provider, "host_id": state.host_id})
        return Finished(state, connection=connection)

    def _features_of(self, provider: str, asked: tuple[str, ...],
                     declined: tuple[str, ...]) -> tuple[str, ...]:
        """The features asked for that a declined scope leaves without what they need."""
        client = self.clients.get(provider)
        always = set(client.scopes(frozenset()))
        features = []
        for feature in Feature:
            try:
                own = set(client.scopes(frozenset({feature}))) - always
            except ValueError:
                continue  # a feature the provider does not offer
            if own and own <= set(asked) and own & set(declined):
                features.append(feature.value)
        return tuple(features)

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
