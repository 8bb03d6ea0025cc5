"""Fake Zoom: user-level OAuth (zoom.us/oauth/...) and `/v2/users/me` (api.zoom.us).

Zoom takes client credentials only as HTTP Basic, rotates the refresh token on every
refresh (the old one dies at once), and words its errors as `{"reason", "error"}` on the
token endpoint and `{"code": 124, "message"}` on the API.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import calendar_pages
from sandbox.grants import AuthorizationServer
from sandbox.keys import SigningKey
from sandbox.model import Issued, Policy, Reason, Refusal
from sandbox.provider import FakeProvider
from sandbox.wire import basic_credentials, bearer_token, form_params, json_response
from sandbox.zoom_meetings import ZoomMeetings

ACCOUNT_ID = "sandboxZoomAccount01"

_REASONS = {
    Reason.UNKNOWN_CLIENT: ("invalid_client", "Invalid client_id or client_secret"),
    Reason.BAD_CLIENT_SECRET: ("invalid_client", "Invalid client_id or client_secret"),
    Reason.REDIRECT_MISMATCH: ("invalid_request", "Redirect URI mismatch."),
    Reason.CODE_UNKNOWN: ("invalid_grant", "Invalid authorization code"),
    Reason.CODE_USED: ("invalid_grant", "Invalid authorization code"),
    Reason.CODE_EXPIRED: ("invalid_grant", "Invalid authorization code"),
    Reason.PKCE_MISSING: ("invalid_request", "Missing code verifier"),
    Reason.PKCE_MISMATCH: ("invalid_grant", "Invalid code verifier"),
}


class ZoomProvider(FakeProvider):
    name = "zoom"
    title = "Zoom"
    question = "Allow Penny to create Zoom meetings for you?"
    basic_auth_only = True
    policy = Policy(access_ttl=3599, rotates_refresh_tokens=True, pkce=True,
                    access_prefix="eyJzdiI6IjAwMDAwMSJ9.", refresh_prefix="eyJzdiI6IjAwMDAwMiJ9.")

    def __init__(self, server: AuthorizationServer, key: SigningKey, base_url: str) -> None:
        super().__init__(server, key, base_url)
        self.meetings = ZoomMeetings(server, self.gate)

    def extra_section(self) -> str:
        return calendar_pages.meetings(self.meetings.meetings())

    def rules(self) -> list[Rule]:
        return [
            *self.meetings.rules(),
            Rule("/oauth/authorize", endpoint=self.auth, methods=["GET"]),
            Rule("/oauth/token", endpoint=self.token, methods=["POST"]),
            Rule("/oauth/revoke", endpoint=self.revoke, methods=["POST"]),
            Rule("/v2/users/me", endpoint=self.me, methods=["GET"]),
        ]

    def auth(self, request: Request) -> Response:
        params = dict(request.args.items())
        if params.get("response_type") != "code":
            return self.page_error("response_type must be code")
        return self.authorize(params, tuple(params.get("scope", "").split()), {})

    def token_params(self, request: Request) -> dict[str, str] | None:
        return form_params(request)

    def token_body(self, issued: Issued, params: dict[str, str]) -> dict[str, Any]:
        return {"access_token": issued.access_token, "token_type": "bearer",
                "refresh_token": issued.refresh_token, "expires_in": issued.expires_in,
                "scope": " ".join(issued.grant.scopes), "api_url": "https://api.zoom.us"}

    def token_error(self, refusal: Refusal) -> Response:
        error, reason = _REASONS.get(refusal.reason, ("invalid_grant", "Invalid Token!"))
        return json_response({"reason": reason, "error": error}, 400)

    def bad_request(self, message: str) -> Response:
        return json_response({"reason": message, "error": "invalid_request"}, 400)

    def unavailable(self, status: int) -> Response:
        return json_response({"reason": "Internal Error", "error": "server_error"}, status)

    def revoke(self, request: Request) -> Response:
        credentials = basic_credentials(request)
        try:
            self.server.authenticate(*(credentials or (None, None)))
            self.server.revoke_token(form_params(request).get("token", ""))
        except Refusal as refusal:
            return self.token_error(refusal)
        return json_response({"status": "success"})

    def me(self, request: Request) -> Response:
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal as refusal:
            message = ("Access token is expired." if refusal.reason is Reason.TOKEN_EXPIRED
                       else "Invalid access token.")
            return json_response({"code": 124, "message": message}, 401)
        account = grant.account
        first, _, last = account.name.partition(" ")
        return json_response({
            "id": account.id, "first_name": first, "last_name": last,
            "display_name": account.name, "email": account.email, "type": 2,
            "pmi": 4155550100, "timezone": "UTC", "verified": 1 if account.email_verified else 0,
            "status": "active", "account_id": ACCOUNT_ID, "language": "en-US"})
