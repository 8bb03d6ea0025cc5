"""Notion through authlib, in Notion's dialect (Basic auth, JSON bodies, its own error
shape), against the sandbox."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.oauth import Feature
from sandbox import ProviderSandbox
from sandbox.notion import WORKSPACE_ID
from tests.functional.oauth.flows import adapter, connect, consented_code, request_for


def test_connecting_notes_answers_the_workspace_and_tokens_that_do_not_expire(
        provider_sandbox: ProviderSandbox) -> None:
    grant = connect(adapter(provider_sandbox, "notion"), Feature.NOTES)

    assert grant.account_label == "Sandbox workspace" and grant.account_id == WORKSPACE_ID
    assert grant.scopes == () and grant.identity is None
    assert grant.tokens.expires_at is None and grant.tokens.refresh_token


def test_the_consent_url_asks_the_user_to_pick_pages_without_pkce(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "notion")

    query = parse_qs(urlsplit(client.authorization_url(request_for(client, Feature.NOTES))).query)

    assert client.uses_pkce is False and "code_challenge" not in query
    assert query["owner"] == ["user"] and query["response_type"] == ["code"]


def test_a_code_notion_does_not_know_is_rejected_in_notion_s_words(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "notion")
    request = request_for(client, Feature.NOTES)
    consented_code(client, request)

    with pytest.raises(ProviderRejectedError, match="invalid_grant"):
        client.exchange("never-issued", request)


def test_refresh_rotates_and_the_old_refresh_token_then_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "notion")
    grant = connect(client, Feature.NOTES)

    fresh = client.refresh(grant.tokens)

    assert fresh.refresh_token != grant.tokens.refresh_token
    with pytest.raises(ConnectionBrokenError, match="Notion refused to refresh"):
        client.refresh(grant.tokens)


def test_an_outage_at_the_token_endpoint_is_unavailable_not_broken(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "notion")
    grant = connect(client, Feature.NOTES)
    provider_sandbox.fail_next_token_request("notion", status=503)

    with pytest.raises(ProviderUnavailableError):
        client.refresh(grant.tokens)
    assert client.refresh(grant.tokens).access_token


def test_disconnecting_revokes_the_grant(provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "notion")
    grant = connect(client, Feature.NOTES)
    assert client.account(grant.tokens.access_token) == "Sandbox workspace"

    assert client.revoke(grant.tokens) is True

    with pytest.raises(ConnectionBrokenError):
        client.account(grant.tokens.access_token)
    with pytest.raises(ConnectionBrokenError):
        client.refresh(grant.tokens)
