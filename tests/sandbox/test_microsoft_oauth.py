"""Microsoft's Entra ID v2.0 wire, driven by msal through the routing http_client (msal
keeps the real https authority) and verified with pyjwt against the sandbox's JWKS."""

from __future__ import annotations

from typing import Any

import jwt
import msal
import pytest

from chalicelib.integrations.http_routing import RoutingHttpClient
from sandbox import ProviderSandbox
from sandbox.microsoft import TENANT_ID
from sandbox.testing import callback_params, consent, consent_form_post

# msal 1.39 warns unless response_mode="form_post"; both modes are proved below.
pytestmark = pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended")

REDIRECT = "http://127.0.0.1:8000/oauth/microsoft/callback"
SCOPES = ["Calendars.ReadWrite", "email"]


def _routing(sandbox: ProviderSandbox) -> RoutingHttpClient:
    base = sandbox.base_url("microsoft")
    return RoutingHttpClient({"https://login.microsoftonline.com": base,
                              "https://graph.microsoft.com": base}, timeout=10)


def _app(sandbox: ProviderSandbox,
         routing: RoutingHttpClient) -> msal.ConfidentialClientApplication:
    client = sandbox.client("microsoft")
    return msal.ConfidentialClientApplication(
        client.client_id, client_credential=client.client_secret,
        authority="https://login.microsoftonline.com/common", http_client=routing,
        instance_discovery=False)


def _sign_in(sandbox: ProviderSandbox, decision: str = "allow", account: str | None = None,
             tamper: dict[str, str] | None = None) -> tuple[Any, dict[str, Any]]:
    routing = _routing(sandbox)
    app = _app(sandbox, routing)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT)
    callback = consent(routing.route(flow["auth_uri"]), decision=decision, account=account)
    result = app.acquire_token_by_auth_code_flow({**flow, **(tamper or {})},
                                                 callback_params(callback))
    return app, result


def test_auth_code_flow_returns_tokens_and_an_id_token_signed_by_the_jwks(
        provider_sandbox: ProviderSandbox) -> None:
    _, result = _sign_in(provider_sandbox)

    assert "error" not in result, result
    assert result["token_type"] == "Bearer" and result["refresh_token"]
    client_id = provider_sandbox.client("microsoft").client_id
    keys = _routing(provider_sandbox).get(
        "https://login.microsoftonline.com/common/discovery/v2.0/keys").json()
    header = jwt.get_unverified_header(result["id_token"])
    key = next(k for k in jwt.PyJWKSet.from_dict(keys).keys if k.key_id == header["kid"])
    claims = jwt.decode(result["id_token"], key.key, algorithms=["RS256"], audience=client_id,
                        issuer=f"https://login.microsoftonline.com/{TENANT_ID}/v2.0")
    assert claims["tid"] == TENANT_ID and claims["oid"] == "8e2f4c1a-6b3d-4f5e-a7c9-1d2e3f4a5b6c"
    assert claims["preferred_username"] == "ada@penny-sandbox.onmicrosoft.com"
    assert claims["email"] == "ada@penny-sandbox.onmicrosoft.com"
    # msal sends a hash of its nonce and checks the echo itself; it would raise otherwise.
    assert claims["nonce"] == result["id_token_claims"]["nonce"]


def test_an_unverified_email_is_marked_so_in_the_id_token(
        provider_sandbox: ProviderSandbox) -> None:
    _, result = _sign_in(provider_sandbox, account="c4d5e6f7-0a1b-4c2d-8e3f-9a0b1c2d3e4f")

    claims = result["id_token_claims"]
    assert claims["email"] == "grace@unverified.test" and claims["xms_edov"] is False


def test_refresh_rotates_and_the_old_refresh_token_dies(provider_sandbox: ProviderSandbox) -> None:
    app, first = _sign_in(provider_sandbox)

    second = app.acquire_token_by_refresh_token(first["refresh_token"], SCOPES)
    reused = app.acquire_token_by_refresh_token(first["refresh_token"], SCOPES)

    assert second["refresh_token"] != first["refresh_token"]
    assert reused["error"] == "invalid_grant" and reused["error_codes"] == [70000]
    assert app.acquire_token_by_refresh_token(second["refresh_token"], SCOPES)["access_token"]


def test_verifier_that_does_not_match_the_challenge_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    _, result = _sign_in(provider_sandbox, tamper={"code_verifier": "x" * 43})

    assert result["error"] == "invalid_grant" and result["error_codes"] == [501481]


def test_a_code_is_single_use(provider_sandbox: ProviderSandbox) -> None:
    routing = _routing(provider_sandbox)
    app = _app(provider_sandbox, routing)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT)
    params = callback_params(consent(routing.route(flow["auth_uri"])))
    assert "access_token" in app.acquire_token_by_auth_code_flow(dict(flow), params)

    replayed = app.acquire_token_by_auth_code_flow(dict(flow), params)

    assert replayed["error"] == "invalid_grant" and replayed["error_codes"] == [54005]


def test_deny_comes_back_as_access_denied(provider_sandbox: ProviderSandbox) -> None:
    _, result = _sign_in(provider_sandbox, decision="deny")

    assert result["error"] == "access_denied"
    assert result["error_description"].startswith("AADSTS65004")


def test_revoked_grant_refuses_refresh_and_graph(provider_sandbox: ProviderSandbox) -> None:
    app, result = _sign_in(provider_sandbox)

    provider_sandbox.revoke("microsoft")

    refused = app.acquire_token_by_refresh_token(result["refresh_token"], SCOPES)
    assert refused["error"] == "invalid_grant" and refused["error_codes"] == [50173]
    me = _routing(provider_sandbox).get(
        "https://graph.microsoft.com/v1.0/me",
        headers={"Authorization": f"Bearer {result['access_token']}"})
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_graph_me_answers_the_signed_in_user(provider_sandbox: ProviderSandbox) -> None:
    _, result = _sign_in(provider_sandbox)

    me = _routing(provider_sandbox).get(
        "https://graph.microsoft.com/v1.0/me",
        headers={"Authorization": f"Bearer {result['access_token']}"}).json()

    assert me["id"] == "8e2f4c1a-6b3d-4f5e-a7c9-1d2e3f4a5b6c"
    assert me["userPrincipalName"] == "ada@penny-sandbox.onmicrosoft.com"


def test_an_unknown_tenant_fails_discovery_as_msal_expects(
        provider_sandbox: ProviderSandbox) -> None:
    client = provider_sandbox.client("microsoft")

    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal.ConfidentialClientApplication(
            client.client_id, client_credential=client.client_secret,
            authority="https://login.microsoftonline.com/no-such-tenant",
            http_client=_routing(provider_sandbox), instance_discovery=False)


def test_an_injected_outage_reaches_msal_which_then_throttles_the_same_request(
        provider_sandbox: ProviderSandbox) -> None:
    app, result = _sign_in(provider_sandbox)
    provider_sandbox.fail_next_token_request("microsoft", status=503)

    with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
        app.acquire_token_by_refresh_token(result["refresh_token"], SCOPES)
    requests_after_outage = provider_sandbox.token_requests("microsoft")

    # msal replays a 5xx for the same request for 5 s (a 400 for 60 s) without sending it:
    with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
        app.acquire_token_by_refresh_token(result["refresh_token"], SCOPES)
    assert provider_sandbox.token_requests("microsoft") == requests_after_outage
    # ... while a new application object (a new Lambda container) gets through.
    fresh = _app(provider_sandbox, _routing(provider_sandbox))
    assert fresh.acquire_token_by_refresh_token(result["refresh_token"], SCOPES)["access_token"]


def test_form_post_response_mode_posts_code_and_state_to_the_redirect_uri(
        provider_sandbox: ProviderSandbox) -> None:
    routing = _routing(provider_sandbox)
    app = _app(provider_sandbox, routing)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, response_mode="form_post")

    action, fields = consent_form_post(routing.route(flow["auth_uri"]))

    assert action == REDIRECT and fields["state"] == flow["state"]
    assert "access_token" in app.acquire_token_by_auth_code_flow(flow, fields)
