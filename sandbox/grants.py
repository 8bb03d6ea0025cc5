"""One vendor's authorization server: consent, codes, PKCE, tokens, rotation, revocation.

Every state change happens under one lock, so concurrent token requests are served in
one order (the lead's test: 20 concurrent refreshes of a rotating token, one succeeds).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from sandbox.model import (
    AccessToken,
    Account,
    AuthRequest,
    Client,
    Code,
    Event,
    Grant,
    Issued,
    Policy,
    Reason,
    Refusal,
)


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class AuthorizationServer:
    def __init__(self, policy: Policy, clients: Iterable[Client], accounts: Iterable[Account],
                 clock: Callable[[], float] = time.time) -> None:
        self.policy = policy
        self.clients = {client.client_id: client for client in clients}
        self.accounts = {account.id: account for account in accounts}
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, AuthRequest] = {}
        self._grants: dict[str, Grant] = {}
        self._codes: dict[str, Code] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, str] = {}  # live refresh token -> grant id
        self._rotated: dict[str, str] = {}  # refresh tokens that died by rotation -> grant id
        self._failures: list[int] = []
        self._events: list[Event] = []
        self.token_requests = 0

    # -- the browser leg ---------------------------------------------------------------

    def begin(self, client_id: str, redirect_uri: str, scopes: tuple[str, ...],
              state: str | None, nonce: str | None, code_challenge: str | None,
              challenge_method: str | None, extras: dict[str, str]) -> AuthRequest:
        """Validate an authorize request and keep it for the consent page. Raises Refusal
        before anything redirects: an unknown client or redirect URI gets an error page."""
        client = self.clients.get(client_id)
        if client is None:
            raise Refusal(Reason.UNKNOWN_CLIENT)
        if redirect_uri not in client.redirect_uris:
            raise Refusal(Reason.REDIRECT_MISMATCH)
        if code_challenge and self.policy.pkce and (challenge_method or "plain") != "S256":
            raise Refusal(Reason.UNSUPPORTED_CHALLENGE)
        request = AuthRequest(
            id=secrets.token_urlsafe(16), client_id=client_id, redirect_uri=redirect_uri,
            scopes=scopes or client.default_scopes, state=state, nonce=nonce,
            code_challenge=code_challenge if self.policy.pkce else None, extras=extras)
        with self._lock:
            self._pending[request.id] = request
        return request

    def pending(self, request_id: str) -> AuthRequest | None:
        with self._lock:
            return self._pending.get(request_id)

    def decide(self, request_id: str, allow: bool, account_id: str,
               kept: frozenset[str] | None = None) -> tuple[AuthRequest, str | None]:
        """The user's answer on the consent page: Allow makes a grant and a code, for the
        scopes asked, or those of them `kept` (the rest unticked); the request answered
        names the scopes granted."""
        with self._lock:
            request = self._pending.pop(request_id, None)
            if request is None or account_id not in self.accounts:
                raise Refusal(Reason.CODE_UNKNOWN)
            if kept is not None:
                request = replace(request, scopes=tuple(s for s in request.scopes if s in kept))
            if not allow:
                self._log(None, f"consent denied by {self.accounts[account_id].email}")
                return request, None
            grant = Grant(id=secrets.token_hex(6), client_id=request.client_id,
                          account=self.accounts[account_id], scopes=request.scopes,
                          created_at=self._clock(), extras=dict(request.extras))
            self._grants[grant.id] = grant
            code = Code(value=self.policy.code_prefix + secrets.token_urlsafe(32),
                        grant_id=grant.id, redirect_uri=request.redirect_uri,
                        nonce=request.nonce, code_challenge=request.code_challenge,
                        expires_at=self._clock() + self.policy.code_ttl)
            self._codes[code.value] = code
            self._log(grant.id, f"consent given: {' '.join(grant.scopes) or '(no scopes)'}")
            return request, code.value

    # -- the token endpoint ------------------------------------------------------------

    def authenticate(self, client_id: str | None, client_secret: str | None) -> Client:
        client = self.clients.get(client_id or "")
        if client is None:
            raise Refusal(Reason.UNKNOWN_CLIENT)
        if not secrets.compare_digest(client.client_secret, client_secret or ""):
            raise Refusal(Reason.BAD_CLIENT_SECRET)
        return client

    def take_failure(self) -> int | None:
        """Count a token request; the status of an injected failure, if one is queued."""
        with self._lock:
            self.token_requests += 1
            return self._failures.pop(0) if self._failures else None

    def exchange_code(self, client_id: str, code_value: str, redirect_uri: str | None,
                      code_verifier: str | None) -> Issued:
        with self._lock:
            code = self._codes.get(code_value)
            if code is None:
                raise Refusal(Reason.CODE_UNKNOWN)
            grant = self._grants[code.grant_id]
            if grant.client_id != client_id:
                raise Refusal(Reason.CLIENT_MISMATCH)
            if code.used:
                raise Refusal(Reason.CODE_USED)
            if self._clock() >= code.expires_at:
                raise Refusal(Reason.CODE_EXPIRED)
            if grant.revoked_at is not None:
                raise Refusal(Reason.GRANT_REVOKED)
            if redirect_uri != code.redirect_uri:
                raise Refusal(Reason.REDIRECT_MISMATCH)
            if code.code_challenge is not None:
                if not code_verifier:
                    raise Refusal(Reason.PKCE_MISSING)
                if not secrets.compare_digest(s256(code_verifier), code.code_challenge):
                    raise Refusal(Reason.PKCE_MISMATCH)
            code.used = True
            grant.code_exchanges += 1
            offline = grant.extras.get("access_type") == "offline"
            refresh = None if self.policy.refresh_only_offline and not offline else \
                self._new_refresh(grant)
            self._log(grant.id, "code exchanged for tokens")
            return self._issue(grant, refresh, code.nonce)

    def refresh(self, client_id: str, refresh_token: str, scopes: tuple[str, ...]) -> Issued:
        with self._lock:
            grant_id = self._refresh.get(refresh_token)
            if grant_id is None:
                rotated = self._rotated.get(refresh_token)
                if rotated is not None:
                    self._grants[rotated].refused_refreshes += 1
                    self._log(rotated, "refresh refused: a rotated refresh token was reused")
                    raise Refusal(Reason.REFRESH_ROTATED)
                raise Refusal(Reason.REFRESH_UNKNOWN)
            grant = self._grants[grant_id]
            if grant.client_id != client_id:
                raise Refusal(Reason.CLIENT_MISMATCH)
            if grant.revoked_at is not None:
                grant.refused_refreshes += 1
                self._log(grant.id, "refresh refused: access was revoked")
                raise Refusal(Reason.GRANT_REVOKED)
            if not set(scopes) <= set(grant.scopes):
                raise Refusal(Reason.SCOPE_WIDENED)
            new_refresh = None
            if self.policy.rotates_refresh_tokens:
                del self._refresh[refresh_token]
                self._rotated[refresh_token] = grant.id
                new_refresh = self._new_refresh(grant)
            grant.refreshes += 1
            self._log(grant.id, "access token refreshed")
            return self._issue(grant, new_refresh, None)

    # -- resource servers and revocation -------------------------------------------------

    def resolve(self, access_token: str) -> Grant:
        """The grant behind a bearer token, or Refusal (unknown, expired, revoked)."""
        with self._lock:
            token = self._access.get(access_token)
            if token is None:
                raise Refusal(Reason.TOKEN_UNKNOWN)
            grant = self._grants[token.grant_id]
            if grant.revoked_at is not None:
                raise Refusal(Reason.GRANT_REVOKED)
            if token.expires_at is not None and self._clock() >= token.expires_at:
                raise Refusal(Reason.TOKEN_EXPIRED)
            return replace(grant)

    def revoke_token(self, token: str) -> Grant:
        """Revoke the whole grant behind an access or refresh token (as Google and Zoom do)."""
        with self._lock:
            access = self._access.get(token)
            grant_id = access.grant_id if access else self._refresh.get(token)
            if grant_id is None:
                raise Refusal(Reason.TOKEN_UNKNOWN)
            return self._revoke(grant_id, "revoked by the app")

    def revoke_grant(self, grant_id: str, why: str = "revoked by the user") -> Grant:
        with self._lock:
            return self._revoke(grant_id, why)

    def expire_access_tokens(self, grant_id: str | None = None) -> None:
        with self._lock:
            for token in self._access.values():
                if grant_id in (None, token.grant_id):
                    token.expires_at = self._clock() - 1
            self._log(grant_id, "access tokens expired early (sandbox control)")

    def fail_next_token_requests(self, status: int, times: int) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def grants(self) -> list[Grant]:
        with self._lock:
            return [replace(grant) for grant in self._grants.values()]

    def events(self) -> list[Event]:
        """What happened here, oldest first (the control page's log)."""
        with self._lock:
            return list(self._events)

    # -- under the lock ----------------------------------------------------------------

    def _revoke(self, grant_id: str, why: str) -> Grant:
        grant = self._grants[grant_id]
        if grant.revoked_at is None:
            grant.revoked_at = self._clock()
            self._log(grant.id, why)
        return replace(grant)

    def _new_refresh(self, grant: Grant) -> str:
        value = self.policy.refresh_prefix + secrets.token_urlsafe(32)
        self._refresh[value] = grant.id
        return value

    def _issue(self, grant: Grant, refresh: str | None, nonce: str | None) -> Issued:
        ttl = self.policy.access_ttl
        value = self.policy.access_prefix + secrets.token_urlsafe(32)
        self._access[value] = AccessToken(value, grant.id,
                                          None if ttl is None else self._clock() + ttl)
        return Issued(grant=replace(grant), access_token=value, expires_in=ttl,
                      refresh_token=refresh, nonce=nonce)

    def _log(self, grant_id: str | None, text: str) -> None:
        self._events.append(Event(self._clock(), grant_id, text))
