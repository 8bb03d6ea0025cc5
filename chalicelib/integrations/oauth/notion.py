"""Notion: public-integration OAuth with authlib, in Notion's own dialect.

Notion's token and revocation endpoints take the client credentials as HTTP Basic and
the parameters as a JSON body (never a form), and refuse in Notion's shape
(`{"object": "error", "status", "code", "message"}`, no `error` key, so authlib would
read a refusal as a token). `NotionClientAuth` re-encodes authlib's form body as JSON;
the compliance hook turns Notion's shape into authlib's OAuthError. No PKCE, no scopes
(the user picks pages at consent), access tokens without an expiry.

The account is the workspace: `workspace_id` is stable across reconnects (`bot_id` is
new with every authorization), `workspace_name` is what the host recognises.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import requests
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.requests_client import OAuth2Session  # type: ignore[import-untyped]
from requests.auth import AuthBase, HTTPBasicAuth

from chalicelib.domain.providers.oauth import AuthorizationRequest, Grant
from chalicelib.integrations.oauth.authlib_client import AuthlibProvider, Endpoints

NOTION_VERSION = "2025-09-03"


class NotionClientAuth(AuthBase):
    """Client credentials as HTTP Basic, and authlib's form parameters sent as JSON."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self._basic = HTTPBasicAuth(client_id, client_secret)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        raw = request.body
        body = raw.decode() if isinstance(raw, bytes) else raw if isinstance(raw, str) else ""
        request.headers["Content-Type"] = "application/json"
        request.headers["Notion-Version"] = NOTION_VERSION
        request.prepare_body(data=None, files=None, json=dict(parse_qsl(body)))
        return self._basic(request)


def raise_notion_error(response: requests.Response) -> requests.Response:
    """A Notion refusal as authlib's OAuthError (a 5xx or 429 stays an HTTPError)."""
    if response.status_code >= 500 or response.status_code == 429:
        return response  # raise_when_unavailable's
    try:
        body = response.json()
    except ValueError:
        return response
    if isinstance(body, dict) and body.get("object") == "error":
        raise OAuthError(error=str(body.get("code", "")), description=None)
    return response


class NotionOAuth(AuthlibProvider):
    name = "notion"
    title = "Notion"
    uses_pkce = False

    def endpoints_under(self, base_url: str | None) -> Endpoints:
        root = base_url or "https://api.notion.com"
        return Endpoints(f"{root}/v1/oauth/authorize", f"{root}/v1/oauth/token",
                         f"{root}/v1/oauth/revoke")

    def authorize_params(self, request: AuthorizationRequest) -> dict[str, str]:
        return {"owner": "user"}

    def prepare(self, session: OAuth2Session) -> None:
        session.register_compliance_hook("access_token_response", raise_notion_error)
        session.register_compliance_hook("refresh_token_response", raise_notion_error)

    def client_auth(self) -> Any:
        return NotionClientAuth(self.app.client_id, self.app.client_secret)

    def grant(self, token: Mapping[str, Any], request: AuthorizationRequest) -> Grant:
        tokens = self.tokens(token)
        workspace = str(token.get("workspace_id") or token.get("bot_id") or "")
        return Grant(tokens=tokens, account_id=workspace,
                     account_label=str(token.get("workspace_name") or "Notion workspace"),
                     scopes=())

    def account(self, access_token: str) -> str:
        root = self.app.base_url or "https://api.notion.com"
        me = self.account_json(f"{root}/v1/users/me", access_token,
                               headers={"Notion-Version": NOTION_VERSION})
        bot = me.get("bot")
        workspace = bot.get("workspace_name") if isinstance(bot, dict) else None
        return str(workspace or me.get("name") or "")
