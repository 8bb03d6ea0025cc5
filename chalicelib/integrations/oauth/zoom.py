"""Zoom: user-level OAuth with authlib (HTTP Basic client credentials, PKCE S256).

Zoom rotates the refresh token on every refresh and kills the old one at once, so a
refresh's result must be stored before its access token is used (the connection
store's lease makes refresh single-flight). The scopes are the app's own, set in the
Zoom Marketplace; the account is the e-mail `/v2/users/me` answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.providers.oauth import AuthorizationRequest, Grant
from chalicelib.integrations.oauth.authlib_client import AuthlibProvider, Endpoints


class ZoomOAuth(AuthlibProvider):
    name = "zoom"
    title = "Zoom"

    def endpoints_under(self, base_url: str | None) -> Endpoints:
        root = base_url or "https://zoom.us"
        return Endpoints(f"{root}/oauth/authorize", f"{root}/oauth/token",
                         f"{root}/oauth/revoke")

    @property
    def me_url(self) -> str:
        return f"{self.app.base_url or 'https://api.zoom.us'}/v2/users/me"

    def grant(self, token: Mapping[str, Any], request: AuthorizationRequest) -> Grant:
        tokens = self.tokens(token)
        me = self.account_json(self.me_url, tokens.access_token, "exchange")
        account_id = str(me.get("id") or "")
        return Grant(tokens=tokens, account_id=account_id,
                     account_label=str(me.get("email") or account_id),
                     scopes=tuple(str(token.get("scope") or "").split()))

    def account(self, access_token: str) -> str:
        me = self.account_json(self.me_url, access_token)
        return str(me.get("email") or me.get("id") or "")
