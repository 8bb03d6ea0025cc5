"""Google's OAuth 2.0 / OpenID Connect wire, driven by authlib and verified by google-auth."""

from __future__ import annotations

import secrets

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import id_token

from sandbox import ProviderSandbox
from sandbox.testing import callback_params, consent

REDIRECT = "http://127.0.0.1:8000/oauth/google/callback"
SCOPES = "openid email profile https://www.googleapis.com/auth/calendar.events"
# How Google words the same scopes when it answers which were granted.
GRANTED = ("openid https://www.googleapis.com/auth/userinfo.email "
           "https://www.googleapis.com/auth/userinfo.profile "
           "https://www.googleapis.com/auth/calendar.events")


def _session(sandbox: ProviderSandbox) -> OAuth2Session:
    client = sandbox.client("google")
    return OAuth2Session(client.client_id, client.client_secret, scope=SCOPES,
                         redirect_uri=REDIRECT, code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_post")


def _connect(sandbox: ProviderSandbox, verifier: str | None = None,
             **params: str) -> tuple[OAuth2Session, dict[str, object], str]:
    """Authorize as the seeded user and exchange the code; (session, token, nonce)."""
    session, nonce = _session(sandbox), secrets.token_urlsafe(16)
    verifier = verifier or secrets.token_urlsafe(48)
    url, _ = session.create_authorization_url(
        f"{sandbox.base_url('google')}/o/oauth2/v2/auth", code_verifier=verifier,
        nonce=nonce, **{"access_type": "offline", **params})
    callback = consent(url)
    token = session.fetch_token(f"{sandbox.base_url('google')}/token",
                                authorization_response=callback, code_verifier=verifier)
    return session, dict(token), nonce


def test_code_exchange_returns_tokens_scope_and_a_verifiable_id_token(
        provider_sandbox: ProviderSandbox) -> None:
    _, token, nonce = _connect(provider_sandbox)

    assert token["token_type"] == "Bearer" and token["expires_in"] == 3599
    assert str(token["access_token"]).startswith("ya29.")
    assert token["scope"] == GRANTED
    client_id = provider_sandbox.client("google").client_id
    claims = id_token.verify_token(
        str(token["id_token"]), GoogleRequest(), audience=client_id,
        certs_url=f"{provider_sandbox.base_url('google')}/oauth2/v3/certs")
    assert claims["iss"] == "https://accounts.google.com"
    assert claims["nonce"] == nonce and claims["email"] == "ada@sandbox.test"
    assert claims["email_verified"] is True and claims["name"] == "Ada Lovelace"


def test_redirect_carries_code_state_and_granted_scope(provider_sandbox: ProviderSandbox) -> None:
    session = _session(provider_sandbox)
    url, state = session.create_authorization_url(
        f"{provider_sandbox.base_url('google')}/o/oauth2/v2/auth",
        code_verifier=secrets.token_urlsafe(48))

    params = callback_params(consent(url))

    assert params["state"] == state and params["code"].startswith("4/0A")
    assert params["scope"] == GRANTED


def test_a_scope_unticked_on_the_consent_page_is_not_granted(
        provider_sandbox: ProviderSandbox) -> None:
    session = _session(provider_sandbox)
    url, _ = session.create_authorization_url(
        f"{provider_sandbox.base_url('google')}/o/oauth2/v2/auth",
        code_verifier=secrets.token_urlsafe(48))

    params = callback_params(consent(
        url, untick=["https://www.googleapis.com/auth/calendar.events"]))

    # Granular consent: the sign-in scopes have no tickbox, the others one each
    assert params["scope"] == GRANTED.removesuffix(" https://www.googleapis.com/auth/calendar.events")
    with pytest.raises(AssertionError, match="no tickbox"):
        consent(session.create_authorization_url(
            f"{provider_sandbox.base_url('google')}/o/oauth2/v2/auth",
            code_verifier=secrets.token_urlsafe(48))[0], untick=["openid"])


def test_refresh_keeps_the_same_refresh_token(provider_sandbox: ProviderSandbox) -> None:
    session, token, _ = _connect(provider_sandbox)

    first = dict(session.refresh_token(f"{provider_sandbox.base_url('google')}/token"))
    second = dict(session.refresh_token(f"{provider_sandbox.base_url('google')}/token",
                                        refresh_token=str(token["refresh_token"])))

    assert first["access_token"] != token["access_token"] != second["access_token"]
    assert "refresh_token" not in first or first["refresh_token"] == token["refresh_token"]
    assert provider_sandbox.exchanges("google") == 3


def test_no_refresh_token_without_offline_access(provider_sandbox: ProviderSandbox) -> None:
    _, token, _ = _connect(provider_sandbox, access_type="online")

    assert "refresh_token" not in token


def test_verifier_that_does_not_match_the_challenge_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    session = _session(provider_sandbox)
    url, _ = session.create_authorization_url(
        f"{provider_sandbox.base_url('google')}/o/oauth2/v2/auth",
        code_verifier=secrets.token_urlsafe(48))
    callback = consent(url)

    with pytest.raises(OAuthError) as refused:
        session.fetch_token(f"{provider_sandbox.base_url('google')}/token",
                            authorization_response=callback,
                            code_verifier=secrets.token_urlsafe(48))
    assert refused.value.error == "invalid_grant"
    assert refused.value.description == "Invalid code verifier."


def test_a_code_is_single_use(provider_sandbox: ProviderSandbox) -> None:
    session = _session(provider_sandbox)
    verifier = secrets.token_urlsafe(48)
    url, _ = session.create_authorization_url(
        f"{provider_sandbox.base_url('google')}/o/oauth2/v2/auth", code_verifier=verifier)
    callback = consent(url)
    token_url = f"{provider_sandbox.base_url('google')}/token"
    session.fetch_token(token_url, authorization_response=callback, code_verifier=verifier)

    with pytest.raises(OAuthError) as refused:
        session.fetch_token(token_url, authorization_response=callback, code_verifier=verifier)
    assert refused.value.error == "invalid_grant"


def test_revoking_a_token_ends_the_grant(provider_sandbox: ProviderSandbox) -> None:
    session, token, _ = _connect(provider_sandbox)
    base = provider_sandbox.base_url("google")

    revoked = session.revoke_token(f"{base}/revoke", token=str(token["access_token"]))

    assert revoked.status_code == 200
    with pytest.raises(OAuthError) as refused:
        session.refresh_token(f"{base}/token", refresh_token=str(token["refresh_token"]))
    assert refused.value.error == "invalid_grant"
    userinfo = requests.get(f"{base}/v1/userinfo", timeout=10,
                            headers={"Authorization": f"Bearer {token['access_token']}"})
    assert userinfo.status_code == 401
    assert userinfo.json()["error_description"] == "Invalid Credentials"


def test_userinfo_answers_the_account_behind_the_token(provider_sandbox: ProviderSandbox) -> None:
    session, _, _ = _connect(provider_sandbox)

    info = session.get(f"{provider_sandbox.base_url('google')}/v1/userinfo", timeout=10).json()

    assert info["sub"] == "108234567890123456789" and info["email"] == "ada@sandbox.test"


def test_deny_redirects_with_access_denied_and_state(provider_sandbox: ProviderSandbox) -> None:
    session = _session(provider_sandbox)
    url, state = session.create_authorization_url(
        f"{provider_sandbox.base_url('google')}/o/oauth2/v2/auth")

    params = callback_params(consent(url, decision="deny"))

    assert params == {"error": "access_denied", "state": state}


def test_unregistered_redirect_uri_shows_an_error_page_instead_of_redirecting(
        provider_sandbox: ProviderSandbox) -> None:
    client = provider_sandbox.client("google")
    answer = requests.get(
        f"{provider_sandbox.base_url('google')}/o/oauth2/v2/auth", timeout=10,
        allow_redirects=False,
        params={"client_id": client.client_id, "response_type": "code", "scope": "openid",
                "redirect_uri": "https://attacker.example/callback"})

    assert answer.status_code == 400 and "Location" not in answer.headers


def test_wrong_client_secret_is_invalid_client(provider_sandbox: ProviderSandbox) -> None:
    client = provider_sandbox.client("google")
    answer = requests.post(f"{provider_sandbox.base_url('google')}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": "1//unknown",
        "client_id": client.client_id, "client_secret": "wrong"})

    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_discovery_names_the_real_issuer_and_this_sandbox_endpoints(
        provider_sandbox: ProviderSandbox) -> None:
    base = provider_sandbox.base_url("google")
    metadata = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()

    assert metadata["issuer"] == "https://accounts.google.com"
    assert metadata["token_endpoint"] == f"{base}/token"
    assert metadata["jwks_uri"] == f"{base}/oauth2/v3/certs"
