"""Fake Notion: public-integration OAuth (api.notion.com/v1/oauth/...) and `/v1/users/me`;
the databases, data sources, pages and blocks of notes are sandbox/notion_api.py's.

Notion's token, revoke and introspect endpoints take client credentials only as HTTP
Basic and a JSON body, never a form; errors are Notion's own
`{"object": "error", "status", "code", "message", "request_id"}`, not RFC 6749's shape
(so an OAuth client that looks for `error` in the body does not see a refusal). There are
no scopes and no PKCE. The token response carries a refresh token and no `expires_in`;
the sandbox rotates it on refresh (Notion's docs: "generating a new access token and new
refresh token").
"""

from __future__ import annotations

import uuid
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.grants import AuthorizationServer
from sandbox.keys import SigningKey
from sandbox.model import Issued, Policy, Refusal
from sandbox.notion_api import NotionApi
from sandbox.notion_store import NotionStore
from sandbox.provider import CLIENT_REFUSALS, FakeProvider
from sandbox.wire import basic_credentials, bearer_token, json_params, json_response

WORKSPACE_ID = "7c3b0a52-3f0e-4d43-9a8e-5e1c2b9d4f60"
WORKSPACE_NAME = "Sandbox workspace"


class NotionProvider(FakeProvider):
    name = "notion"
    title = "Notion"
    question = "Allow Penny to access pages in your workspace?"
    basic_auth_only = True
    policy = Policy(access_ttl=None, rotates_refresh_tokens=True, pkce=False,
                    access_prefix="ntn_", refresh_prefix="nrt_")

    def __init__(self, server: AuthorizationServer, key: SigningKey, base_url: str) -> None:
        super().__init__(server, key, base_url)
        # The API Penny's notes use (databases, data sources, pages, blocks).
        self.store = NotionStore()
        self.api = NotionApi(server, self.gate, self.store, base_url, self._bot_id)

    def extra_section(self) -> str:
        return self.api.section()

    def rules(self) -> list[Rule]:
        return [
            *self.api.rules(),
            Rule("/v1/oauth/authorize", endpoint=self.auth, methods=["GET"]),
            Rule("/v1/oauth/token", endpoint=self.token, methods=["POST"]),
            Rule("/v1/oauth/revoke", endpoint=self.revoke, methods=["POST"]),
            Rule("/v1/oauth/introspect", endpoint=self.introspect, methods=["POST"]),
            Rule("/v1/users/me", endpoint=self.me, methods=["GET"]),
        ]

    def auth(self, request: Request) -> Response:
        params = dict(request.args.items())
        if params.get("response_type") != "code":
            return self.page_error("response_type must be code")
        return self.authorize(params, (), {"owner": params.get("owner", "user")})

    def token_params(self, request: Request) -> dict[str, str] | None:
        return json_params(request)

    def token_body(self, issued: Issued, params: dict[str, str]) -> dict[str, Any]:
        account = issued.grant.account
        return {
            "access_token": issued.access_token, "token_type": "bearer",
            "refresh_token": issued.refresh_token, "bot_id": self._bot_id(issued.grant.id),
            "workspace_name": WORKSPACE_NAME, "workspace_icon": None,
            "workspace_id": WORKSPACE_ID,
            "owner": {"type": "user", "user": {
                "object": "user", "id": account.id, "name": account.name, "avatar_url": None,
                "type": "person", "person": {"email": account.email}}},
            "duplicated_template_id": None, "request_id": str(uuid.uuid4())}

    def token_error(self, refusal: Refusal) -> Response:
        if refusal.reason in CLIENT_REFUSALS:
            return _error(401, "unauthorized", "Invalid client credentials.")
        return _error(400, "invalid_grant", f"Invalid grant: {refusal.reason.value}.")

    def bad_request(self, message: str) -> Response:
        return _error(400, "validation_error", f"body failed validation: {message}.")

    def unavailable(self, status: int) -> Response:
        return _error(status, "service_unavailable", "Notion is unavailable, try again later.")

    def revoke(self, request: Request) -> Response:
        return self._with_token(request, revoke=True)

    def introspect(self, request: Request) -> Response:
        return self._with_token(request, revoke=False)

    def _with_token(self, request: Request, revoke: bool) -> Response:
        params = json_params(request)
        if params is None or "token" not in params:
            return self.bad_request("body.token should be defined")
        try:
            self.server.authenticate(*(basic_credentials(request) or (None, None)))
        except Refusal as refusal:
            return self.token_error(refusal)
        if not revoke:
            try:
                self.server.resolve(params["token"])
            except Refusal:
                return json_response({"active": False, "request_id": str(uuid.uuid4())})
            return json_response({"active": True, "request_id": str(uuid.uuid4())})
        try:
            self.server.revoke_token(params["token"])
        except Refusal:
            return _error(400, "invalid_grant", "Invalid token.")
        return json_response({"request_id": str(uuid.uuid4())})

    def me(self, request: Request) -> Response:
        if "Notion-Version" not in request.headers:
            return _error(400, "missing_version", "Notion-Version header failed validation: "
                          "Notion-Version header should be defined, instead was `undefined`.")
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal:
            return _error(401, "unauthorized", "API token is invalid.")
        account = grant.account
        return json_response({
            "object": "user", "id": self._bot_id(grant.id), "name": "Penny", "avatar_url": None,
            "type": "bot", "bot": {
                "owner": {"type": "user", "user": {"object": "user", "id": account.id}},
                "workspace_name": WORKSPACE_NAME},
            "request_id": str(uuid.uuid4())})

    @staticmethod
    def _bot_id(grant_id: str) -> str:
        # One bot per authorization, stable for the grant, as Notion's `bot_id` is.
        return str(uuid.uuid5(uuid.NAMESPACE_OID, grant_id))


def _error(status: int, code: str, message: str) -> Response:
    return json_response({"object": "error", "status": status, "code": code,
                          "message": message, "request_id": str(uuid.uuid4())}, status)
