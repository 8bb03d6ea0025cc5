"""Zoom's user-level OAuth wire, driven by authlib (client_secret_basic, PKCE S256)."""

from __future__ import annotations

import secrets

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from sandbox import ProviderSandbox
from sandbox.testing import consent

REDIRECT = "http://127.0.0.1:8000/oauth/zoom/callback"


def _connect(sandbox: ProviderSandbox,
             verifier: str | None = None) -> tuple[OAuth2Session, dict[str, object]]:
    client = sandbox.client("zoom")
    session = OAuth2Session(client.client_id, client.client_secret, redirect_uri=REDIRECT,
                            code_challenge_method="S256")
    sent = secrets.token_urlsafe(48)
    url, _ = session.create_authorization_url(f"{sandbox.base_url('zoom')}/oauth/authorize",
                                              code_verifier=sent)
    token = session.fetch_token(f"{sandbox.base_url('zoom')}/oauth/token",
                                authorization_response=consent(url),
                                code_verifier=verifier or sent)
    return session, dict(token)


def test_code_exchange_answers_zoom_token_fields(provider_sandbox: ProviderSandbox) -> None:
    _, token = _connect(provider_sandbox)

    assert token["token_type"] == "bearer" and token["expires_in"] == 3599
    assert token["api_url"] == "https://api.zoom.us"
    assert token["scope"] == ("meeting:write:meeting meeting:update:meeting "
                              "meeting:delete:meeting meeting:read:meeting user:read:user")


def test_refresh_rotates_and_reusing_the_old_refresh_token_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    session, token = _connect(provider_sandbox)
    token_url = f"{provider_sandbox.base_url('zoom')}/oauth/token"

    rotated = dict(session.refresh_token(token_url))
    with pytest.raises(OAuthError) as refused:
        session.refresh_token(token_url, refresh_token=str(token["refresh_token"]))

    assert rotated["refresh_token"] != token["refresh_token"]
    assert refused.value.error == "invalid_grant"
    assert provider_sandbox.grants("zoom")[0].refused_refreshes == 1


def test_verifier_that_does_not_match_the_challenge_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(OAuthError) as refused:
        _connect(provider_sandbox, verifier=secrets.token_urlsafe(48))

    assert refused.value.error == "invalid_grant"


def test_client_credentials_in_the_body_are_refused(provider_sandbox: ProviderSandbox) -> None:
    client = provider_sandbox.client("zoom")
    answer = requests.post(f"{provider_sandbox.base_url('zoom')}/oauth/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": "x",
        "client_id": client.client_id, "client_secret": client.client_secret})

    assert answer.status_code == 400
    assert answer.json() == {"reason": "Invalid client_id or client_secret",
                             "error": "invalid_client"}


def test_revoke_ends_the_grant(provider_sandbox: ProviderSandbox) -> None:
    session, token = _connect(provider_sandbox)
    base = provider_sandbox.base_url("zoom")

    answer = session.revoke_token(f"{base}/oauth/revoke", token=str(token["access_token"]))

    assert answer.json() == {"status": "success"}
    me = session.get(f"{base}/v2/users/me", timeout=10)
    assert me.status_code == 401 and me.json() == {"code": 124,
                                                   "message": "Invalid access token."}
    with pytest.raises(OAuthError):
        session.refresh_token(f"{base}/oauth/token")


def test_users_me_says_when_the_access_token_expired(provider_sandbox: ProviderSandbox) -> None:
    session, _ = _connect(provider_sandbox)
    me_url = f"{provider_sandbox.base_url('zoom')}/v2/users/me"
    assert session.get(me_url, timeout=10).json()["email"] == "ada@sandbox.test"

    provider_sandbox.expire_access_tokens("zoom")

    expired = session.get(me_url, timeout=10)
    assert expired.status_code == 401
    assert expired.json() == {"code": 124, "message": "Access token is expired."}
