"""Microsoft through msal (stateless: Penny's own state, verifier and nonce), with the ID
token verified against the sandbox's keys, and msal routed to the sandbox."""

from __future__ import annotations

from dataclasses import replace
from typing import cast
from urllib.parse import parse_qs, urlsplit

import msal  # type: ignore[import-untyped]
import pytest

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.id_tokens import nonce_hash
from chalicelib.integrations.oauth.microsoft import MicrosoftOAuth
from sandbox import ProviderSandbox
from sandbox.microsoft import TENANT_ID
from tests.functional.oauth.flows import adapter, connect, consented_code, request_for

ADA = "8e2f4c1a-6b3d-4f5e-a7c9-1d2e3f4a5b6c"
GRACE = "c4d5e6f7-0a1b-4c2d-8e3f-9a0b1c2d3e4f"  # her e-mail is not verified


def test_signing_in_with_the_calendar_answers_tenant_and_object_id_and_the_account(
        provider_sandbox: ProviderSandbox) -> None:
    grant = connect(adapter(provider_sandbox, "microsoft"), Feature.CALENDAR, Feature.SIGN_IN)

    assert grant.identity is not None
    assert grant.identity.subject == grant.account_id == f"{TENANT_ID}:{ADA}"
    assert grant.identity.email == "ada@penny-sandbox.onmicrosoft.com"
    assert grant.identity.email_verified is True
    assert grant.account_label == "ada@penny-sandbox.onmicrosoft.com"
    assert "Calendars.ReadWrite" in grant.scopes and "email" in grant.scopes
    assert grant.tokens.refresh_token and grant.tokens.expires_at is not None


def test_an_email_microsoft_does_not_vouch_for_is_not_verified(
        provider_sandbox: ProviderSandbox) -> None:
    grant = connect(adapter(provider_sandbox, "microsoft"), Feature.SIGN_IN, account=GRACE)

    assert grant.identity is not None and grant.identity.email == "grace@unverified.test"
    assert grant.identity.email_verified is False
    assert grant.identity.subject == f"{TENANT_ID}:{GRACE}"


def test_the_consent_url_carries_penny_s_state_challenge_and_hashed_nonce(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "microsoft")
    request = request_for(client, Feature.CALENDAR)

    url = client.authorization_url(request)
    query = parse_qs(urlsplit(url).query)

    assert url.startswith(f"{provider_sandbox.base_url('microsoft')}/common/oauth2/v2.0/")
    assert query["state"] == [request.state] and query["nonce"] == [nonce_hash(request.nonce)]
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["Calendars.ReadWrite offline_access openid profile"]


def test_scopes_stored_from_an_earlier_grant_can_be_asked_again(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "microsoft")
    # Incremental consent asks for what was granted (openid, profile...) plus the new.
    request = request_for(client, Feature.CALENDAR,
                          scopes=("Calendars.ReadWrite", "openid", "profile", "email"))

    grant = client.exchange(consented_code(client, request), request)

    assert {"Calendars.ReadWrite", "email"} <= set(grant.scopes)


def test_refresh_rotates_and_the_old_refresh_token_then_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "microsoft")
    grant = connect(client, Feature.CALENDAR)

    fresh = client.refresh(grant.tokens)

    assert fresh.refresh_token != grant.tokens.refresh_token
    # msal's application is shared by every host in the container: it keeps no tokens.
    cache = cast(MicrosoftOAuth, client).msal().token_cache
    assert list(cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)) == []
    with pytest.raises(ConnectionBrokenError, match="Microsoft refused to refresh"):
        client.refresh(grant.tokens)
    assert client.account(fresh.access_token) == "ada@penny-sandbox.onmicrosoft.com"


def test_a_revoked_grant_breaks_the_connection_at_refresh(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "microsoft")
    grant = connect(client, Feature.CALENDAR)
    provider_sandbox.revoke("microsoft")

    with pytest.raises(ConnectionBrokenError):
        client.refresh(grant.tokens)
    with pytest.raises(ConnectionBrokenError):
        client.account(grant.tokens.access_token)


def test_after_an_outage_the_next_refresh_reaches_microsoft_again(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "microsoft")
    grant = connect(client, Feature.CALENDAR)
    provider_sandbox.fail_next_token_request("microsoft", status=503)

    with pytest.raises(ProviderUnavailableError):
        client.refresh(grant.tokens)
    before = provider_sandbox.token_requests("microsoft")

    # msal would replay the 503 for 5 s without sending; Penny's msal keeps no errors.
    assert client.refresh(grant.tokens).access_token
    assert provider_sandbox.token_requests("microsoft") == before + 1


def test_a_verifier_that_does_not_match_the_challenge_is_rejected(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "microsoft")
    request = request_for(client, Feature.CALENDAR)
    code = consented_code(client, request)

    with pytest.raises(ProviderRejectedError, match="invalid_grant"):
        client.exchange(code, replace(request, code_verifier="x" * 64))


def test_an_id_token_that_does_not_echo_the_nonce_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "microsoft")
    request = request_for(client, Feature.SIGN_IN)
    code = consented_code(client, request)

    with pytest.raises(ProviderRejectedError, match="nonce"):
        client.exchange(code, replace(request, nonce="another-nonce"))


@pytest.mark.parametrize(("claims", "check"), [
    ({"aud": "00000000-0000-0000-0000-000000000000"}, "audience"),
    ({"iss": "https://login.microsoftonline.com/another-tenant/v2.0"}, "issuer"),
    ({"exp": 1_600_000_000}, "expired"),
    ({"oid": None}, "claims"),
])
def test_an_id_token_microsoft_did_not_issue_for_penny_is_refused(
        provider_sandbox: ProviderSandbox, claims: dict[str, object], check: str) -> None:
    client = adapter(provider_sandbox, "microsoft")
    request = request_for(client, Feature.SIGN_IN)
    code = consented_code(client, request)
    provider_sandbox.override_next_id_token("microsoft", **claims)

    with pytest.raises(ProviderRejectedError, match=check):
        client.exchange(code, request)


def test_disconnecting_revokes_nothing_microsoft_has_no_revocation_endpoint(
        provider_sandbox: ProviderSandbox) -> None:
    client = adapter(provider_sandbox, "microsoft")
    grant = connect(client, Feature.CALENDAR)
    before = provider_sandbox.token_requests("microsoft")

    assert client.revoke(grant.tokens) is False
    assert provider_sandbox.token_requests("microsoft") == before
