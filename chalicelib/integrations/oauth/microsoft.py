"""Microsoft: Entra ID v2.0 with msal, driven statelessly, and the ID token verified here.

msal's `initiate_auth_code_flow` makes its own state, PKCE verifier and nonce and keeps
them in a dict the caller must hold until the callback; a Lambda answering the callback
has only what Penny stored (OAuthState). So Penny builds the authorization URL itself
from its stored state, verifier (S256) and nonce (sent hashed, as msal does), and at the
callback rebuilds msal's flow dict from the same values and hands it to
`acquire_token_by_auth_code_flow`, which posts the code with the verifier, checks the
state and the nonce's echo, and answers tokens. msal 1.39 does not verify the ID token:
`verified_identity` does (pyjwt: signature by Microsoft's keys, `iss` of the token's
tenant, `aud`, `exp`, the nonce).

One msal application per adapter (per Lambda container), built on first use (it reads
the tenant's OpenID configuration once). Its in-memory caches would otherwise keep every
host's tokens and replay a refused or failed token request for up to 60 s without
sending it: both are given stores that keep nothing. msal keeps the real https
authority; with a base_url, the routing HTTP client sends it to the sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jwt
import msal  # type: ignore[import-untyped]
import requests

from chalicelib.domain.connections import Tokens
from chalicelib.domain.errors import ConnectionBrokenError, ProviderError
from chalicelib.domain.providers.oauth import AuthorizationRequest, Feature, Grant, Identity
from chalicelib.integrations.http_routing import RoutingHttpClient
from chalicelib.integrations.oauth.id_tokens import (
    decode_with_jwks,
    failed_check,
    nonce_hash,
    nonce_matches,
)
from chalicelib.integrations.oauth.msal_stores import KeepNothing, NoTokenCache
from chalicelib.integrations.oauth.scopes import scopes_for
from chalicelib.integrations.oauth.token_answers import tokens_from, utc_now
from chalicelib.integrations.oauth.vendor_errors import Step, refused, unreachable, untrusted
from chalicelib.provider_settings import MicrosoftApp

LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com"
# msal adds these to every request and refuses them from the caller.
RESERVED = frozenset({"openid", "profile", "offline_access"})
# A refresh asks for every Graph permission the user consented to: the refresh token
# holds them, and Penny's port does not carry the connection's scopes to refresh().
REFRESH_SCOPES = [f"{GRAPH}/.default"]
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TITLE = "Microsoft"


class MicrosoftOAuth:
    name = "microsoft"
    uses_pkce = True
    rotates_refresh_tokens = True  # store the new refresh token before using the access token

    def __init__(self, app: MicrosoftApp, timeout: float,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.settings = app
        self.now = now
        self.authority = f"{LOGIN}/{app.tenant}"
        routes = {LOGIN: app.base_url, GRAPH: app.base_url} if app.base_url else {}
        self.http = RoutingHttpClient(routes, timeout)
        self._msal: Any = None

    def scopes(self, features: frozenset[Feature]) -> tuple[str, ...]:
        return scopes_for(self.name, features)

    def authorization_url(self, request: AuthorizationRequest) -> str:
        verifier, nonce = _needed(request)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
        query = urlencode({
            "client_id": self.settings.client_id, "response_type": "code",
            "redirect_uri": request.redirect_uri, "response_mode": "query",
            "scope": " ".join(_decorated(request.scopes)), "state": request.state,
            "nonce": nonce_hash(nonce), "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256", "prompt": "select_account"})
        # The documented v2.0 endpoint (no msal, no request); routed to a sandbox if set.
        return self.http.route(f"{self.authority}/oauth2/v2.0/authorize?{query}")

    def exchange(self, code: str, request: AuthorizationRequest) -> Grant:
        verifier, nonce = _needed(request)
        # msal's flow dict, rebuilt from what Penny stored: msal sends the verifier, checks
        # the state (Penny already did) and that the ID token echoes the nonce's hash.
        flow = {"state": request.state, "redirect_uri": request.redirect_uri,
                "scope": _decorated(request.scopes), "code_verifier": verifier,
                "nonce": nonce, "claims_challenge": None}
        with self.translated("exchange"):
            answer = self.msal().acquire_token_by_auth_code_flow(
                flow, {"code": code, "state": request.state})
        self.check(answer, "exchange")
        tokens = tokens_from(answer, self.now(), self.name, TITLE)
        identity, claims = self.verified_identity(str(answer.get("id_token") or ""), nonce)
        label = claims.get("preferred_username") or self.graph_me(tokens.access_token,
                                                                   "exchange")
        return Grant(tokens=tokens, account_id=identity.subject,
                     account_label=str(label or identity.email or identity.subject),
                     scopes=_granted(answer.get("scope"), request.scopes), identity=identity)

    def refresh(self, tokens: Tokens) -> Tokens:
        if not tokens.refresh_token:
            raise ConnectionBrokenError(self.name, "Microsoft gave Penny no refresh token; "
                                        "reconnect it")
        with self.translated("refresh"):
            answer = self.msal().acquire_token_by_refresh_token(tokens.refresh_token,
                                                                REFRESH_SCOPES)
        self.check(answer, "refresh")
        # Microsoft answers a new refresh token: the old one may be dead (the sandbox
        # kills it at once, as Zoom does), so the caller stores this one first.
        return tokens_from(answer, self.now(), self.name, TITLE, tokens.refresh_token)

    def revoke(self, tokens: Tokens) -> bool:
        # Entra ID has no token revocation endpoint (revokeSignInSessions signs the user
        # out of everything): deleting the tokens is all Penny can do.
        return False

    # -- msal, errors, the ID token ---------------------------------------------------

    def msal(self) -> Any:
        if self._msal is None:
            try:
                self._msal = msal.ConfidentialClientApplication(
                    self.settings.client_id, client_credential=self.settings.client_secret,
                    authority=self.authority, http_client=self.http,
                    instance_discovery=False, http_cache=KeepNothing(),
                    token_cache=NoTokenCache())
            except ValueError as exc:  # the tenant's OpenID configuration did not load
                raise refused(self.name, TITLE, "exchange", "temporarily_unavailable") from exc
        return self._msal

    @contextmanager
    def translated(self, step: Step) -> Iterator[None]:
        try:
            yield
        except ProviderError:
            raise
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise unreachable(self.name, TITLE, step) from exc
        except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
            # msal raises this for an HTTP error it could not read as OAuth (a 5xx page).
            raise refused(self.name, TITLE, step, "temporarily_unavailable") from exc
        except RuntimeError as exc:  # msal: the ID token does not echo the nonce
            raise untrusted(self.name, TITLE, "nonce") from exc

    def check(self, answer: dict[str, Any], step: Step) -> None:
        if "error" in answer:
            raise refused(self.name, TITLE, step, str(answer["error"]))

    def verified_identity(self, raw: str, nonce: str) -> tuple[Identity, dict[str, Any]]:
        if not raw:
            raise untrusted(self.name, TITLE, "no ID token")
        try:
            with self.translated("exchange"):
                keys = self.http.get(f"{self.authority}/discovery/v2.0/keys")
                if keys.status_code != 200:
                    raise refused(self.name, TITLE, "exchange", None, keys.status_code)
                claims = decode_with_jwks(raw, keys.json(), self.settings.client_id)
        except (jwt.PyJWTError, ValueError) as exc:
            raise untrusted(self.name, TITLE, failed_check(exc)) from exc
        tenant, oid = str(claims.get("tid") or ""), str(claims.get("oid") or "")
        if not tenant or not oid:
            raise untrusted(self.name, TITLE, "claims")
        # Multi-tenant metadata says `{tenantid}`: the issuer must be the token's own tenant.
        if claims["iss"] != f"{LOGIN}/{tenant}/v2.0":
            raise untrusted(self.name, TITLE, "issuer")
        if _GUID.fullmatch(self.settings.tenant) and tenant != self.settings.tenant:
            raise untrusted(self.name, TITLE, "tenant")
        if not nonce_matches(nonce_hash(nonce), claims.get("nonce")):
            raise untrusted(self.name, TITLE, "nonce")
        identity = Identity(provider=self.name, subject=f"{tenant}:{oid}",
                            email=claims.get("email"),
                            # The email claim is verified only where xms_edov says so.
                            email_verified=claims.get("xms_edov") is True,
                            name=claims.get("name"))
        return identity, claims

    def account(self, access_token: str) -> str:
        return self.graph_me(access_token, "account")

    def graph_me(self, access_token: str, step: Step) -> str:
        """The user's mail or UPN from Graph's /me."""
        with self.translated(step):
            me = self.http.get(f"{GRAPH}/v1.0/me",
                               headers={"Authorization": f"Bearer {access_token}"})
            body = me.json() if me.status_code == 200 else None
        if not isinstance(body, dict):
            raise refused(self.name, TITLE, step, None, me.status_code)
        return str(body.get("mail") or body.get("userPrincipalName") or body.get("id") or "")


def _needed(request: AuthorizationRequest) -> tuple[str, str]:
    """Every Microsoft round trip is OpenID (msal always asks `openid`): it needs both."""
    if not request.code_verifier or not request.nonce:
        raise ValueError("a Microsoft authorization needs a PKCE verifier and a nonce")
    return request.code_verifier, request.nonce


def _decorated(scopes: tuple[str, ...]) -> list[str]:
    """The scopes as msal sends them: Penny's (minus the reserved ones, which a stored
    grant may list) plus msal's `openid profile offline_access`."""
    return sorted({s for s in scopes if s not in RESERVED} | RESERVED)


def _granted(answer: object, asked: tuple[str, ...]) -> tuple[str, ...]:
    """The granted scopes in Penny's spelling (`Calendars.ReadWrite`, not Graph's URI)."""
    names = str(answer).split() if isinstance(answer, str) else list(asked)
    return tuple(dict.fromkeys(s.removeprefix(f"{GRAPH}/") for s in names))
