"""Fake Google: OAuth 2.0 and OpenID Connect as accounts.google.com, oauth2.googleapis.com,
openidconnect.googleapis.com and www.googleapis.com answer them, all under one prefix.

Google keeps its refresh token (a refresh answers without one), and issues a refresh
token only when the authorize request said `access_type=offline`.
"""

from __future__ import annotations

import time
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.google_calendar import GoogleCalendarApi
from sandbox.google_docs import GoogleDocsApi
from sandbox.grants import AuthorizationServer
from sandbox.keys import SigningKey
from sandbox.model import AuthRequest, Grant, Issued, Policy, Reason, Refusal
from sandbox.provider import CLIENT_REFUSALS, FakeProvider
from sandbox.wire import bearer_token, form_params, json_response

ISSUER = "https://accounts.google.com"

_TOKEN_ERRORS = {
    Reason.REDIRECT_MISMATCH: (400, "redirect_uri_mismatch", "Bad Request"),
    Reason.PKCE_MISSING: (400, "invalid_grant", "Missing code verifier."),
    Reason.PKCE_MISMATCH: (400, "invalid_grant", "Invalid code verifier."),
    Reason.REFRESH_UNKNOWN: (400, "invalid_grant", "Bad Request"),
    Reason.REFRESH_ROTATED: (400, "invalid_grant", "Bad Request"),
    Reason.GRANT_REVOKED: (400, "invalid_grant", "Token has been expired or revoked."),
    Reason.SCOPE_WIDENED: (400, "invalid_scope", "Bad Request"),
}


# Google answers the scopes asked as `email` and `profile` by their full names.
_FULL_NAMES = {"email": "https://www.googleapis.com/auth/userinfo.email",
               "profile": "https://www.googleapis.com/auth/userinfo.profile"}


def granted(scopes: tuple[str, ...]) -> str:
    """The granted scopes as Google words them on the redirect and the token answer."""
    return " ".join(_FULL_NAMES.get(scope, scope) for scope in scopes)


class GoogleProvider(FakeProvider):
    name = "google"
    title = "Google"
    question = "Allow Penny to see your calendar?"
    asks = (("/auth/calendar", "see your calendar"),
            ("/auth/documents", "make notes documents in your Google Drive"))
    signing_in = "Sign in to Penny with Google?"
    # Granular consent: each scope but the sign-in ones is a tickbox, ticked at first.
    untickable = frozenset({"openid", "email", "profile"})
    policy = Policy(access_ttl=3599, rotates_refresh_tokens=False, pkce=True,
                    refresh_only_offline=True, access_prefix="ya29.", refresh_prefix="1//",
                    code_prefix="4/0A")

    def __init__(self, server: AuthorizationServer, key: SigningKey, base_url: str) -> None:
        super().__init__(server, key, base_url)
        self.calendar = GoogleCalendarApi(server, self.gate, self.notifier, granted)
        self.calendar_store = self.calendar.store
        self.docs = GoogleDocsApi(server, self.gate, granted, base_url)

    def rules(self) -> list[Rule]:
        return [
            *self.calendar.rules(),
            *self.docs.rules(),
            Rule("/.well-known/openid-configuration", endpoint=self.discovery),
            Rule("/o/oauth2/v2/auth", endpoint=self.auth, methods=["GET"]),
            Rule("/token", endpoint=self.token, methods=["POST"]),
            Rule("/revoke", endpoint=self.revoke, methods=["POST"]),
            Rule("/v1/userinfo", endpoint=self.userinfo, methods=["GET", "POST"]),
            Rule("/oauth2/v3/certs", endpoint=self.certs, methods=["GET"]),
        ]

    def extra_section(self) -> str:
        return super().extra_section() + self.docs.section()

    def discovery(self, request: Request) -> Response:
        return json_response({
            "issuer": ISSUER,
            "authorization_endpoint": f"{self.base_url}/o/oauth2/v2/auth",
            "token_endpoint": f"{self.base_url}/token",
            "userinfo_endpoint": f"{self.base_url}/v1/userinfo",
            "revocation_endpoint": f"{self.base_url}/revoke",
            "jwks_uri": f"{self.base_url}/oauth2/v3/certs",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "email", "email_verified", "exp", "family_name",
                                 "given_name", "iat", "iss", "name", "nonce", "sub"],
            "code_challenge_methods_supported": ["S256"],  # the sandbox refuses plain
            "grant_types_supported": ["authorization_code", "refresh_token"],
        })

    def auth(self, request: Request) -> Response:
        params = dict(request.args.items())
        if params.get("response_type") != "code":
            return self.page_error("response_type must be code")
        wanted = ("access_type", "prompt", "login_hint")
        extras: dict[str, str] = {key: params[key] for key in wanted if key in params}
        return self.authorize(params, tuple(params.get("scope", "").split()), extras)

    def approved(self, request: AuthRequest, code: str) -> dict[str, str]:
        # Google reports the granted scopes on the redirect too.
        return {**super().approved(request, code), "scope": granted(request.scopes),
                "authuser": "0", "prompt": "consent"}

    def token_body(self, issued: Issued, params: dict[str, str]) -> dict[str, Any]:
        body: dict[str, Any] = {"access_token": issued.access_token,
                                "expires_in": issued.expires_in,
                                "scope": granted(issued.grant.scopes), "token_type": "Bearer"}
        if issued.refresh_token:
            body["refresh_token"] = issued.refresh_token
        if "openid" in issued.grant.scopes:
            body["id_token"] = self.id_token(issued.grant, issued.nonce)
        return body

    def id_token(self, grant: Grant, nonce: str | None) -> str:
        now = int(time.time())
        account = grant.account
        claims: dict[str, Any] = {"iss": ISSUER, "azp": grant.client_id, "aud": grant.client_id,
                                  "sub": account.id, "iat": now, "exp": now + 3600}
        if "email" in grant.scopes:
            claims.update(email=account.email, email_verified=account.email_verified)
        if "profile" in grant.scopes:
            given, _, family = account.name.partition(" ")
            claims.update(name=account.name, given_name=given, family_name=family)
        if nonce is not None:
            claims["nonce"] = nonce
        return self.sign_id_token(claims)

    def token_error(self, refusal: Refusal) -> Response:
        if refusal.reason in CLIENT_REFUSALS:
            return _error(401, "invalid_client", "Unauthorized")
        return _error(*_TOKEN_ERRORS.get(refusal.reason, (400, "invalid_grant", "Bad Request")))

    def bad_request(self, message: str) -> Response:
        return _error(400, "invalid_request", message)

    def unavailable(self, status: int) -> Response:
        return _error(status, "internal_failure", "Backend Error")

    def revoke(self, request: Request) -> Response:
        # Revoking either token ends the grant: Google drops the refresh token with it.
        try:
            self.server.revoke_token(form_params(request).get("token", ""))
        except Refusal:
            return _error(400, "invalid_token", "Token expired or revoked")
        return json_response({})

    def userinfo(self, request: Request) -> Response:
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal:
            return json_response(
                {"error": "invalid_request", "error_description": "Invalid Credentials"}, 401,
                {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                                     'error="invalid_token"'})
        account = grant.account
        given, _, family = account.name.partition(" ")
        return json_response({"sub": account.id, "name": account.name, "given_name": given,
                              "family_name": family, "email": account.email,
                              "email_verified": account.email_verified})

    def certs(self, request: Request) -> Response:
        return json_response({"keys": [self.key.jwk()]})


def _error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)
