"""Google: OAuth 2.0 with authlib (PKCE S256, offline access, incremental consent) and the
OpenID Connect ID token verified with google-auth against Google's keys.

`access_type=offline` with `prompt=consent` makes Google send a refresh token every
time (without `prompt`, only on the first consent); `include_granted_scopes=true` makes
a new consent add to what was granted before, so turning on notes keeps the calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
from google.auth import exceptions as google_errors
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import id_token as google_id_token

from chalicelib.domain.providers.oauth import AuthorizationRequest, Grant, Identity
from chalicelib.integrations.oauth.authlib_client import AuthlibProvider, Endpoints
from chalicelib.integrations.oauth.id_tokens import (
    CLOCK_SKEW_SECONDS,
    failed_check,
    nonce_matches,
)
from chalicelib.integrations.oauth.vendor_errors import unreachable, untrusted

ISSUERS = ("https://accounts.google.com", "accounts.google.com")
# Google answers the granted scopes with these names for what Penny asked as `email`
# and `profile`: kept in Penny's spelling so a later consent asks for the same ones.
SCOPE_NAMES = {"https://www.googleapis.com/auth/userinfo.email": "email",
               "https://www.googleapis.com/auth/userinfo.profile": "profile"}


# The scopes of a sign-in round trip (OpenID only): no refresh token is asked for.
SIGN_IN_ONLY = frozenset({"openid", "email", "profile"})


class _TimedRequest(GoogleRequest):
    """google-auth's transport, with Penny's timeout instead of its 120 s default."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: Any = None, **kwargs: Any) -> Any:
        return super().__call__(  # type: ignore[no-untyped-call]
            url, method, body, headers, timeout or self._timeout, **kwargs)


class GoogleOAuth(AuthlibProvider):
    name = "google"
    title = "Google"
    token_auth = "client_secret_post"
    revoke_auth = "none"  # Google's revocation endpoint takes the token alone
    revokes_refresh_token = True
    rotates_refresh_tokens = False  # a refresh answers no new refresh token

    def endpoints_under(self, base_url: str | None) -> Endpoints:
        if base_url is None:
            return Endpoints("https://accounts.google.com/o/oauth2/v2/auth",
                             "https://oauth2.googleapis.com/token",
                             "https://oauth2.googleapis.com/revoke")
        return Endpoints(f"{base_url}/o/oauth2/v2/auth", f"{base_url}/token",
                         f"{base_url}/revoke")

    @property
    def certs_url(self) -> str:
        base = self.app.base_url
        return f"{base}/oauth2/v3/certs" if base else "https://www.googleapis.com/oauth2/v3/certs"

    @property
    def userinfo_url(self) -> str:
        base = self.app.base_url
        return (f"{base}/v1/userinfo" if base
                else "https://openidconnect.googleapis.com/v1/userinfo")

    def authorize_params(self, request: AuthorizationRequest) -> dict[str, str]:
        params = {"scope": " ".join(request.scopes)}
        if set(request.scopes) - SIGN_IN_ONLY:
            # A connection: a refresh token every time, and earlier grants kept. A sign-in
            # needs neither (no consent screen each time, no refresh token thrown away).
            params.update(access_type="offline", prompt="consent",
                          include_granted_scopes="true")
        if request.nonce:
            params["nonce"] = request.nonce
        return params

    def grant(self, token: Mapping[str, Any], request: AuthorizationRequest) -> Grant:
        tokens = self.tokens(token)
        identity = None
        if token.get("id_token"):
            identity = self.verified_identity(str(token["id_token"]), request.nonce)
        email = identity.email if identity else None
        subject = identity.subject if identity else None
        if email is None or subject is None:
            info = self.account_json(self.userinfo_url, tokens.access_token, "exchange")
            email, subject = info.get("email"), str(info.get("sub", ""))
        granted = tuple(dict.fromkeys(
            SCOPE_NAMES.get(s, s)
            for s in str(token.get("scope") or " ".join(request.scopes)).split()))
        # Granular consent: the user may untick any scope but the sign-in ones, and the
        # answer's `scope` then lacks it (with `include_granted_scopes`, what was granted
        # before is in it too).
        declined = tuple(s for s in request.scopes if s not in granted)
        return Grant(tokens=tokens, account_id=subject, account_label=email or subject,
                     scopes=granted, identity=identity, declined=declined)

    def account(self, access_token: str) -> str:
        info = self.account_json(self.userinfo_url, access_token)
        return str(info.get("email") or info.get("sub") or "")

    def verified_identity(self, raw: str, nonce: str | None) -> Identity:
        """Signature (Google's keys), audience and expiry by google-auth; the issuer and
        the nonce here. A token that fails any of them raises ProviderRejectedError."""
        try:
            claims = google_id_token.verify_token(
                raw, _TimedRequest(self.timeout), audience=self.app.client_id,
                certs_url=self.certs_url, clock_skew_in_seconds=CLOCK_SKEW_SECONDS)
        except google_errors.TransportError as exc:
            raise unreachable(self.name, self.title, "exchange") from exc
        except (jwt.PyJWTError, ValueError, google_errors.GoogleAuthError) as exc:
            raise untrusted(self.name, self.title, failed_check(exc)) from exc
        if claims.get("iss") not in ISSUERS:
            raise untrusted(self.name, self.title, "issuer")
        if "exp" not in claims or not claims.get("sub"):
            raise untrusted(self.name, self.title, "claims")
        if not nonce_matches(nonce, claims.get("nonce")):
            raise untrusted(self.name, self.title, "nonce")
        return Identity(provider=self.name, subject=str(claims["sub"]),
                        email=claims.get("email"),
                        email_verified=claims.get("email_verified") is True,
                        name=claims.get("name"))
