"""Notion's public-integration OAuth wire, driven by authlib.

Notion takes HTTP Basic client credentials and a JSON body, and refuses in its own error
shape. authlib sends a form body and only recognises RFC 6749 errors, so the adapter
(chalicelib/integrations/oauth/notion.py) adds a requests auth object that re-encodes the
body as JSON, and a compliance hook that turns a Notion error into OAuthError; these
tests drive authlib with those two pieces against the sandbox.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from chalicelib.integrations.oauth.notion import NotionClientAuth, raise_notion_error
from sandbox import ProviderSandbox
from sandbox.testing import callback_params, consent

REDIRECT = "http://127.0.0.1:8000/oauth/notion/callback"


def _session(sandbox: ProviderSandbox, hooks: bool = True) -> OAuth2Session:
    client = sandbox.client("notion")
    session = OAuth2Session(client.client_id, client.client_secret, redirect_uri=REDIRECT)
    if hooks:
        session.register_compliance_hook("access_token_response", raise_notion_error)
        session.register_compliance_hook("refresh_token_response", raise_notion_error)
    return session


def _connect(sandbox: ProviderSandbox) -> tuple[OAuth2Session, dict[str, Any], NotionClientAuth]:
    session = _session(sandbox)
    client = sandbox.client("notion")
    auth = NotionClientAuth(client.client_id, client.client_secret)
    url, _ = session.create_authorization_url(
        f"{sandbox.base_url('notion')}/v1/oauth/authorize", owner="user")
    token = session.fetch_token(f"{sandbox.base_url('notion')}/v1/oauth/token",
                                authorization_response=consent(url), auth=auth)
    return session, dict(token), auth


def test_code_exchange_answers_notion_token_fields(provider_sandbox: ProviderSandbox) -> None:
    _, token, _ = _connect(provider_sandbox)

    assert token["token_type"] == "bearer" and token["access_token"].startswith("ntn_")
    assert token["refresh_token"] and "expires_in" not in token
    assert token["workspace_name"] == "Sandbox workspace" and token["bot_id"]
    assert token["owner"]["user"]["person"]["email"] == "ada@sandbox.test"


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    session, token, auth = _connect(provider_sandbox)
    token_url = f"{provider_sandbox.base_url('notion')}/v1/oauth/token"

    rotated = dict(session.refresh_token(token_url, auth=auth))
    with pytest.raises(OAuthError) as refused:
        session.refresh_token(token_url, refresh_token=token["refresh_token"], auth=auth)

    assert rotated["refresh_token"] != token["refresh_token"]
    assert refused.value.error == "invalid_grant"


def test_revoke_ends_the_grant(provider_sandbox: ProviderSandbox) -> None:
    session, token, auth = _connect(provider_sandbox)
    base = provider_sandbox.base_url("notion")

    revoked = session.revoke_token(f"{base}/v1/oauth/revoke", token=token["access_token"],
                                   auth=auth)

    assert revoked.status_code == 200 and "request_id" in revoked.json()
    me = requests.get(f"{base}/v1/users/me", timeout=10, headers={
        "Authorization": f"Bearer {token['access_token']}", "Notion-Version": "2025-09-03"})
    assert me.status_code == 401 and me.json()["code"] == "unauthorized"
    with pytest.raises(OAuthError):
        session.refresh_token(f"{base}/v1/oauth/token", auth=auth)


def test_without_the_hook_authlib_takes_a_notion_refusal_for_a_token(
        provider_sandbox: ProviderSandbox) -> None:
    session, client = _session(provider_sandbox, hooks=False), provider_sandbox.client("notion")

    token = session.fetch_token(
        f"{provider_sandbox.base_url('notion')}/v1/oauth/token", code="never-issued",
        auth=NotionClientAuth(client.client_id, client.client_secret))

    assert token["object"] == "error" and token["code"] == "invalid_grant"
    assert "access_token" not in token


def test_a_form_body_is_refused(provider_sandbox: ProviderSandbox) -> None:
    client = provider_sandbox.client("notion")
    answer = requests.post(f"{provider_sandbox.base_url('notion')}/v1/oauth/token", timeout=10,
                           auth=(client.client_id, client.client_secret),
                           data={"grant_type": "authorization_code", "code": "x"})

    assert answer.status_code == 400 and answer.json()["code"] == "validation_error"


def test_deny_redirects_with_access_denied(provider_sandbox: ProviderSandbox) -> None:
    url, state = _session(provider_sandbox).create_authorization_url(
        f"{provider_sandbox.base_url('notion')}/v1/oauth/authorize", owner="user")

    assert callback_params(consent(url, decision="deny")) == {"error": "access_denied",
                                                              "state": state}


def test_users_me_needs_the_notion_version_header(provider_sandbox: ProviderSandbox) -> None:
    _, token, _ = _connect(provider_sandbox)
    url = f"{provider_sandbox.base_url('notion')}/v1/users/me"
    bearer = {"Authorization": f"Bearer {token['access_token']}"}

    missing = requests.get(url, timeout=10, headers=bearer)
    me = requests.get(url, timeout=10, headers={**bearer, "Notion-Version": "2025-09-03"})

    assert missing.status_code == 400 and missing.json()["code"] == "missing_version"
    assert me.json()["type"] == "bot" and me.json()["id"] == token["bot_id"]


def test_error_bodies_are_notion_shaped(provider_sandbox: ProviderSandbox) -> None:
    answer = requests.post(f"{provider_sandbox.base_url('notion')}/v1/oauth/token", timeout=10,
                           auth=("unknown", "nope"), json={"grant_type": "refresh_token",
                                                           "refresh_token": "x"})

    body = answer.json()
    assert answer.status_code == 401 and body["object"] == "error" and body["status"] == 401
    assert json.loads(answer.text).keys() >= {"code", "message", "request_id"}
