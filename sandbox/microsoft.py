"""Fake Microsoft: the Entra ID v2.0 endpoints (login.microsoftonline.com) and Graph's
`/v1.0/me` (graph.microsoft.com), both under one prefix.

msal refuses a token endpoint that is not https, so the discovery document advertises the
real hosts, as the real one does; Penny's msal then reaches this fake through an
`http_client` that routes those hosts here (chalicelib/integrations/http_routing.py), and
sends the browser to the routed authorize URL.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.grants import AuthorizationServer
from sandbox.graph_calendar import GraphCalendarApi
from sandbox.graph_subscriptions import GraphSubscriptions
from sandbox.keys import SigningKey
from sandbox.model import AuthRequest, Grant, Issued, Policy, Reason, Refusal
from sandbox.provider import FakeProvider
from sandbox.wire import bearer_token, json_response

LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com"
# The sandbox directory (tenant) every seeded account belongs to.
TENANT_ID = "5a1e7c0d-9b3f-4e2a-8c6d-0f1e2d3c4b5a"
MULTI_TENANT = ("common", "organizations", "consumers")

_TOKEN_ERRORS = {
    Reason.UNKNOWN_CLIENT: (400, "unauthorized_client", 700016,
                            "Application was not found in the directory."),
    Reason.BAD_CLIENT_SECRET: (401, "invalid_client", 7000215, "Invalid client secret provided."),
    Reason.REDIRECT_MISMATCH: (400, "invalid_grant", 50011, "The redirect URI does not match "
                               "the one the authorization code was issued to."),
    Reason.CODE_USED: (400, "invalid_grant", 54005,
                       "OAuth2 Authorization code was already redeemed."),
    Reason.CODE_EXPIRED: (400, "invalid_grant", 70008, "The provided authorization code or "
                          "refresh token has expired due to inactivity."),
    Reason.PKCE_MISSING: (400, "invalid_request", 50148, "The code_verifier is missing."),
    Reason.PKCE_MISMATCH: (400, "invalid_grant", 501481, "The Code_Verifier does not match "
                           "the code_challenge supplied in the authorization request."),
    Reason.REFRESH_ROTATED: (400, "invalid_grant", 70000, "Provided grant is invalid or "
                             "malformed (a rotated refresh token was reused)."),
    Reason.GRANT_REVOKED: (400, "invalid_grant", 50173, "The provided grant has expired due "
                           "to it being revoked, a fresh auth token is needed."),
    Reason.SCOPE_WIDENED: (400, "invalid_grant", 65001, "The user has not consented to use "
                           "the application for these scopes."),
}


class MicrosoftProvider(FakeProvider):
    name = "microsoft"
    title = "Microsoft"
    question = "Allow Penny to see your calendar?"
    asks = (("Calendars.", "see your calendar"),)
    signing_in = "Sign in to Penny with Microsoft?"
    # Really, Entra ID leaves the old refresh token valid after a refresh; the sandbox kills
    # it (as Zoom does) so a Penny that keeps using the old one fails here, not in 90 days.
    policy = Policy(access_ttl=3599, rotates_refresh_tokens=True, pkce=True,
                    refresh_prefix="1.AQ", code_prefix="1.AQ")

    def __init__(self, server: AuthorizationServer, key: SigningKey, base_url: str) -> None:
        super().__init__(server, key, base_url)
        self.calendar = GraphCalendarApi(server, self.gate, TENANT_ID)
        self.subscriptions = GraphSubscriptions(self.calendar, self.notifier)
        self.calendar_store = self.calendar.store

    def rules(self) -> list[Rule]:
        return [
            *self.calendar.rules(), *self.subscriptions.rules(),
            Rule("/<tenant>/v2.0/.well-known/openid-configuration", endpoint=self.discovery),
            Rule("/<tenant>/oauth2/v2.0/authorize", endpoint=self.auth, methods=["GET"]),
            Rule("/<tenant>/oauth2/v2.0/token", endpoint=self.tenant_token, methods=["POST"]),
            Rule("/<tenant>/discovery/v2.0/keys", endpoint=self.keys, methods=["GET"]),
            Rule("/v1.0/me", endpoint=self.me, methods=["GET"]),
        ]

    def discovery(self, request: Request, tenant: str) -> Response:
        if tenant not in (*MULTI_TENANT, TENANT_ID):
            return _error(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
        issuer_tenant = "{tenantid}" if tenant in MULTI_TENANT else TENANT_ID
        root = f"{LOGIN}/{tenant}"
        return json_response({
            "issuer": f"{LOGIN}/{issuer_tenant}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "userinfo_endpoint": f"{GRAPH}/oidc/userinfo",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "request_uri_parameter_supported": False,
            "tenant_region_scope": None,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "preferred_username",
                                 "name", "tid", "ver", "oid", "email"],
        })

    def auth(self, request: Request, tenant: str) -> Response:
        params = dict(request.args.items())
        if params.get("response_type") != "code":
            return self.page_error("response_type must be code")
        extras = {"response_mode": params["response_mode"]} if "response_mode" in params else {}
        return self.authorize(params, tuple(params.get("scope", "").split()), extras)

    def approved(self, request: AuthRequest, code: str) -> dict[str, str]:
        return {**super().approved(request, code), "session_state": str(uuid.uuid4())}

    def denied(self, request: AuthRequest) -> dict[str, str]:
        return {**super().denied(request), "error_subcode": "cancel",
                "error_description": "AADSTS65004: User declined to consent to access the app."}

    def tenant_token(self, request: Request, tenant: str) -> Response:
        return self.token(request)

    def token_params(self, request: Request) -> dict[str, str] | None:
        params = dict(request.form.items())
        if "scope" in params:
            # `{resource}/.default` asks for every permission the user consented to for
            # that resource: here, whatever the grant holds.
            params["scope"] = " ".join(scope for scope in params["scope"].split()
                                       if not scope.endswith("/.default"))
        return params

    def token_body(self, issued: Issued, params: dict[str, str]) -> dict[str, Any]:
        grant = issued.grant
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(s for s in grant.scopes if s != "offline_access"),
            "expires_in": issued.expires_in, "ext_expires_in": issued.expires_in,
            "access_token": issued.access_token}
        if issued.refresh_token and "offline_access" in grant.scopes:
            body["refresh_token"] = issued.refresh_token
        if "openid" in grant.scopes:
            body["id_token"] = self.id_token(grant, issued.nonce)
        if params.get("client_info") == "1":
            info = json.dumps({"uid": grant.account.id, "utid": TENANT_ID}).encode()
            body["client_info"] = base64.urlsafe_b64encode(info).rstrip(b"=").decode()
        return body

    def id_token(self, grant: Grant, nonce: str | None) -> str:
        now = int(time.time())
        account = grant.account
        claims: dict[str, Any] = {
            "ver": "2.0", "iss": f"{LOGIN}/{TENANT_ID}/v2.0", "aud": grant.client_id,
            "iat": now, "nbf": now, "exp": now + 3600, "tid": TENANT_ID, "oid": account.id,
            # `sub` is pairwise: the same user has another `sub` in another app.
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{grant.client_id}/{account.id}")),
            "name": account.name, "preferred_username": account.email}
        if "email" in grant.scopes:
            # xms_edov: whether the email's domain owner verified it. Often it is not: never
            # link an existing Penny account by this email alone.
            claims.update(email=account.email, xms_edov=account.email_verified)
        if nonce is not None:
            claims["nonce"] = nonce
        return self.sign_id_token(claims)

    def token_error(self, refusal: Refusal) -> Response:
        return _error(*_TOKEN_ERRORS.get(
            refusal.reason, (400, "invalid_grant", 9002313, "Invalid request. Request is "
                             "malformed or invalid.")))

    def bad_request(self, message: str) -> Response:
        return _error(400, "invalid_request", 900144, message)

    def unavailable(self, status: int) -> Response:
        return _error(status, "temporarily_unavailable", 90033,
                      "A transient error has occurred. Please try again.")

    def keys(self, request: Request, tenant: str) -> Response:
        issuer = f"{LOGIN}/{'{tenantid}' if tenant in MULTI_TENANT else TENANT_ID}/v2.0"
        return json_response({"keys": [{**self.key.jwk(), "x5t": self.key.kid,
                                         "issuer": issuer}]})

    def me(self, request: Request) -> Response:
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal as refusal:
            message = ("Access token has expired or is not yet valid."
                       if refusal.reason is Reason.TOKEN_EXPIRED
                       else "IDX14100: JWT is not well formed.")
            return json_response({"error": {
                "code": "InvalidAuthenticationToken", "message": message,
                "innerError": {"date": _now_iso(), "request-id": str(uuid.uuid4()),
                               "client-request-id": str(uuid.uuid4())}}}, 401,
                {"WWW-Authenticate": 'Bearer realm="", authorization_uri='
                                     '"https://login.microsoftonline.com/common/oauth2/authorize"'})
        account = grant.account
        given, _, family = account.name.partition(" ")
        return json_response({
            "@odata.context": f"{GRAPH}/v1.0/$metadata#users/$entity", "businessPhones": [],
            "displayName": account.name, "givenName": given, "surname": family,
            "jobTitle": None, "mail": account.email, "mobilePhone": None,
            "officeLocation": None, "preferredLanguage": None,
            "userPrincipalName": account.email, "id": account.id})


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _error(status: int, error: str, code: int, text: str) -> Response:
    """Entra ID's error body: the AADSTS code in `error_codes` and in the description."""
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return json_response({
        "error": error,
        "error_description": f"AADSTS{code}: {text} Trace ID: {trace} Correlation ID: "
                             f"{correlation} Timestamp: {stamp}",
        "error_codes": [code], "timestamp": stamp, "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"{LOGIN}/error?code={code}"}, status)

