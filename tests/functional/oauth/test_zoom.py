"""Zoom through authlib (HTTP Basic client credentials, PKCE), against the sandbox."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.oauth import Feature
from sandbox import ProviderSandbox
from tests.functional.oauth.flows import adapter, connect, consented_code, request_for


def test_connecting_video_answers_the_zoom_user_s_email_and_the_app_s_scopes(
        provider_sandbox: ProviderSandbox) -> None:
    grant = connect(adapter(provider_sandbox, "zoom"), Feature.VIDEO)

    assert grant.account_label == "ada@sandbox.test"
    assert grant.account_id == "KDcuGIm1QgePTO8WbOqwIQ"
    assert grant.scopes == ("meeting:write:meeting", "meeting:update:meeting",
                            "meeting:delete:meeting", "meeting:read:meeting", "user:read:user")
    assert grant.identity is None and grant.tokens.expires_at is not None


def test_zoom_offers_no_calendar(provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ValueError, match="zoom does not offer calendar"):
        adapter(provider_sandbox, "zoom").scopes(frozenset({Feature.CALENDAR, Feature.VIDEO}))


def test_refresh_rotates_and_the_old_refresh_token_then_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "zoom")
    grant = connect(client, Feature.VIDEO)

    fresh = client.refresh(grant.tokens)

    assert fresh.refresh_token and fresh.refresh_token != grant.tokens.refresh_token
    with pytest.raises(ConnectionBrokenError, match="Zoom refused to refresh"):
        client.refresh(grant.tokens)
    assert client.account(fresh.access_token) == "ada@sandbox.test"


def test_a_revoked_grant_breaks_the_connection_at_refresh(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "zoom")
    grant = connect(client, Feature.VIDEO)
    provider_sandbox.revoke("zoom")

    with pytest.raises(ConnectionBrokenError):
        client.refresh(grant.tokens)


@pytest.mark.parametrize("status", [503, 429])
def test_an_outage_or_rate_limit_at_the_token_endpoint_is_unavailable_not_broken(
        provider_sandbox: ProviderSandbox, status: int) -> None:
    client = adapter(provider_sandbox, "zoom")
    grant = connect(client, Feature.VIDEO)
    provider_sandbox.fail_next_token_request("zoom", status=status)

    with pytest.raises(ProviderUnavailableError):
        client.refresh(grant.tokens)
    assert client.refresh(grant.tokens).access_token


def test_a_verifier_that_does_not_match_the_challenge_is_rejected(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "zoom")
    request = request_for(client, Feature.VIDEO)
    code = consented_code(client, request)

    with pytest.raises(ProviderRejectedError, match="invalid_grant"):
        client.exchange(code, replace(request, code_verifier="x" * 64))


def test_disconnecting_revokes_the_grant(provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "zoom")
    grant = connect(client, Feature.VIDEO)

    assert client.revoke(grant.tokens) is True

    assert provider_sandbox.grants("zoom")[0].revoked_at is not None
    with pytest.raises(ConnectionBrokenError):
        client.account(grant.tokens.access_token)
