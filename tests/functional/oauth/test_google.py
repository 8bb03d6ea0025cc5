"""Google through authlib and google-auth, against the sandbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.scopes import (
    GOOGLE_CALENDAR_EVENTS,
    GOOGLE_CALENDAR_LIST,
    GOOGLE_FREEBUSY,
)
from sandbox import ProviderSandbox
from tests.functional.oauth.flows import adapter, connect, consented_code, request_for


def test_connecting_the_calendar_answers_the_account_scopes_and_a_verified_identity(
        provider_sandbox: ProviderSandbox) -> None:
    started = datetime.now(UTC)
    grant = connect(adapter(provider_sandbox, "google"), Feature.CALENDAR)

    assert grant.account_label == "ada@sandbox.test"
    assert grant.account_id == "108234567890123456789"
    assert grant.scopes == ("openid", "email", GOOGLE_FREEBUSY, GOOGLE_CALENDAR_EVENTS,
                            GOOGLE_CALENDAR_LIST)
    assert grant.identity is not None and grant.identity.subject == "108234567890123456789"
    assert grant.identity.email_verified is True
    assert grant.tokens.refresh_token and grant.tokens.expires_at is not None
    assert started + timedelta(seconds=3500) < grant.tokens.expires_at


def test_a_connections_consent_url_asks_for_offline_access_incremental_consent_and_pkce(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "google")
    request = request_for(client, Feature.CALENDAR)

    query = parse_qs(urlsplit(client.authorization_url(request)).query)

    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["include_granted_scopes"] == ["true"]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] == [request.nonce]


def test_a_sign_in_asks_for_no_refresh_token_and_no_consent_screen_each_time(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "google")
    request = request_for(client, Feature.SIGN_IN)

    query = parse_qs(urlsplit(client.authorization_url(request)).query)

    assert query["scope"] == ["openid email profile"] and query["nonce"] == [request.nonce]
    assert not {"access_type", "prompt", "include_granted_scopes"} & set(query)
    assert query["code_challenge_method"] == ["S256"]


def test_sign_in_names_the_user(provider_sandbox: ProviderSandbox) -> None:
    grant = connect(adapter(provider_sandbox, "google"), Feature.SIGN_IN)

    assert grant.identity is not None and grant.identity.name == "Ada Lovelace"


def test_refresh_answers_a_new_access_token_and_keeps_the_refresh_token(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "google")
    grant = connect(client, Feature.CALENDAR)

    fresh = client.refresh(grant.tokens)

    assert fresh.access_token != grant.tokens.access_token
    assert fresh.refresh_token == grant.tokens.refresh_token
    assert client.account(fresh.access_token) == "ada@sandbox.test"


def test_a_revoked_grant_breaks_the_connection_at_refresh(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "google")
    grant = connect(client, Feature.CALENDAR)
    provider_sandbox.revoke("google")

    with pytest.raises(ConnectionBrokenError) as broken:
        client.refresh(grant.tokens)

    assert broken.value.message == "Google refused to refresh the connection; reconnect it"
    with pytest.raises(ConnectionBrokenError):
        client.account(grant.tokens.access_token)


def test_an_outage_at_the_token_endpoint_is_unavailable_not_broken(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "google")
    grant = connect(client, Feature.CALENDAR)
    provider_sandbox.fail_next_token_request("google", status=503)

    with pytest.raises(ProviderUnavailableError):
        client.refresh(grant.tokens)
    assert client.refresh(grant.tokens).access_token


def test_a_verifier_that_does_not_match_the_challenge_is_rejected(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "google")
    request = request_for(client, Feature.CALENDAR)
    code = consented_code(client, request)

    with pytest.raises(ProviderRejectedError, match="invalid_grant"):
        client.exchange(code, replace(request, code_verifier="x" * 64))


def test_an_id_token_that_does_not_echo_the_nonce_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "google")
    request = request_for(client, Feature.SIGN_IN)
    code = consented_code(client, request)

    with pytest.raises(ProviderRejectedError, match="nonce"):
        client.exchange(code, replace(request, nonce="another-nonce"))


@pytest.mark.parametrize(("claims", "check"), [
    ({"aud": "someone-else.apps.googleusercontent.com"}, "audience"),
    ({"iss": "https://accounts.example.com"}, "issuer"),
    ({"exp": 1_600_000_000}, "expired"),
])
def test_an_id_token_google_did_not_issue_for_penny_is_refused(
        provider_sandbox: ProviderSandbox, claims: dict[str, object], check: str) -> None:
    client = adapter(provider_sandbox, "google")
    request = request_for(client, Feature.SIGN_IN)
    code = consented_code(client, request)
    provider_sandbox.override_next_id_token("google", **claims)

    with pytest.raises(ProviderRejectedError, match=check):
        client.exchange(code, request)


def test_disconnecting_revokes_the_grant(provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "google")
    grant = connect(client, Feature.CALENDAR)

    assert client.revoke(grant.tokens) is True

    assert provider_sandbox.grants("google")[0].revoked_at is not None
    assert client.revoke(grant.tokens) is True  # nothing left: still done
    with pytest.raises(ConnectionBrokenError):
        client.refresh(grant.tokens)
