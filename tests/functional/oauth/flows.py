"""The round trip a host makes, as the connection service drives an adapter: a stored
request (state, PKCE verifier, nonce), the consent page, the code back at the callback."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from typing import Any

from chalicelib.domain.providers.oauth import AuthorizationRequest, Feature, Grant, OAuthProvider
from chalicelib.integrations.oauth import oauth_provider
from chalicelib.provider_settings import Providers
from sandbox import ProviderSandbox
from sandbox.testing import callback_params, consent

CALLBACK = "http://127.0.0.1:8000/oauth/{provider}/callback"


def adapter(sandbox: ProviderSandbox, name: str) -> OAuthProvider:
    """The adapter as Penny builds it: from the PENNY_PROVIDERS entry for this sandbox."""
    providers = Providers.from_json(json.dumps(sandbox.penny_providers()), "PENNY_PROVIDERS",
                                    deployed=False)
    return oauth_provider(name, getattr(providers, name))


def request_for(client: OAuthProvider, *features: Feature, **changes: Any) -> AuthorizationRequest:
    request = AuthorizationRequest(
        state=secrets.token_urlsafe(24), redirect_uri=CALLBACK.format(provider=client.name),
        scopes=client.scopes(frozenset(features)),
        code_verifier=secrets.token_urlsafe(64) if client.uses_pkce else None,
        nonce=secrets.token_urlsafe(24))
    return replace(request, **changes)


def consented_code(client: OAuthProvider, request: AuthorizationRequest,
                   account: str | None = None) -> str:
    """Open the authorization URL, press Allow, and take the code from the callback."""
    params = callback_params(consent(client.authorization_url(request), account=account))
    assert params["state"] == request.state
    return params["code"]


def connect(client: OAuthProvider, *features: Feature, account: str | None = None) -> Grant:
    request = request_for(client, *features)
    return client.exchange(consented_code(client, request, account), request)
