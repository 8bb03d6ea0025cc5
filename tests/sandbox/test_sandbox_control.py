"""The sandbox's own surface: landing and control pages, the Python control API, the
settings it hands Penny, and token requests served in one order under concurrency."""

from __future__ import annotations

import json
import secrets
import threading
from html.parser import HTMLParser

import requests
from authlib.integrations.requests_client import OAuth2Session

from chalicelib.provider_settings import Providers
from sandbox import ProviderSandbox
from sandbox.testing import consent

ZOOM_REDIRECT = "http://127.0.0.1:8000/oauth/zoom/callback"


def _zoom_token(sandbox: ProviderSandbox) -> dict[str, str]:
    client = sandbox.client("zoom")
    session = OAuth2Session(client.client_id, client.client_secret, redirect_uri=ZOOM_REDIRECT,
                            code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    url, _ = session.create_authorization_url(f"{sandbox.base_url('zoom')}/oauth/authorize",
                                              code_verifier=verifier)
    return dict(session.fetch_token(f"{sandbox.base_url('zoom')}/oauth/token",
                                    authorization_response=consent(url), code_verifier=verifier))


def _refresh(sandbox: ProviderSandbox, refresh_token: str) -> requests.Response:
    client = sandbox.client("zoom")
    return requests.post(f"{sandbox.base_url('zoom')}/oauth/token", timeout=30,
                         auth=(client.client_id, client.client_secret),
                         data={"grant_type": "refresh_token", "refresh_token": refresh_token})


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((found["action"], {}))
        elif tag == "input" and found.get("type") == "hidden" and self.forms:
            self.forms[-1][1][found["name"]] = found["value"]


def test_concurrent_refreshes_of_one_rotating_token_succeed_once(
        provider_sandbox: ProviderSandbox) -> None:
    token = _zoom_token(provider_sandbox)
    start = threading.Barrier(20)
    statuses: list[int] = []

    def refresh() -> None:
        start.wait(timeout=30)
        statuses.append(_refresh(provider_sandbox, token["refresh_token"]).status_code)

    threads = [threading.Thread(target=refresh) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200] + [400] * 19
    assert provider_sandbox.exchanges("zoom") == 2  # the code, then one refresh
    assert provider_sandbox.grants("zoom")[0].refused_refreshes == 19
    assert provider_sandbox.token_requests("zoom") == 21


def test_control_page_lists_the_grant_and_its_revoke_button_ends_it(
        provider_sandbox: ProviderSandbox) -> None:
    token = _zoom_token(provider_sandbox)
    page = requests.get(f"{provider_sandbox.base_url('zoom')}/_sandbox", timeout=10)
    forms = _Forms()
    forms.feed(page.text)
    grant = provider_sandbox.grants("zoom")[0]
    assert grant.id in page.text and "meeting:write:meeting" in page.text

    action, fields = forms.forms[0]
    after = requests.post(action, data=fields, timeout=10)

    assert after.status_code == 200 and "revoked" in after.text
    refused = _refresh(provider_sandbox, token["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_landing_page_lists_providers_and_seeded_accounts(
        provider_sandbox: ProviderSandbox) -> None:
    page = requests.get(f"{provider_sandbox.url}/", timeout=10).text

    for name in ("google", "microsoft", "zoom", "notion"):
        assert f"{provider_sandbox.base_url(name)}/_sandbox" in page
    assert "ada@sandbox.test" in page and "grace@unverified.test" in page


def test_the_icon_a_browser_asks_for_is_answered_with_nothing_not_a_404(
        provider_sandbox: ProviderSandbox) -> None:
    # Every sandbox page opened in a browser asks for /favicon.ico; a 404 is a console error.
    icon = requests.get(f"{provider_sandbox.url}/favicon.ico", timeout=10)

    assert icon.status_code == 204 and icon.content == b""


def test_penny_providers_is_a_valid_local_settings_object(
        provider_sandbox: ProviderSandbox) -> None:
    entries = provider_sandbox.penny_providers()

    providers = Providers.from_json(json.dumps(entries), "PENNY_PROVIDERS", deployed=False)

    assert providers.available == {"google", "microsoft", "zoom", "notion", "stripe", "razorpay",
                                   "gemini"}
    assert providers.microsoft is not None and providers.microsoft.tenant == "common"
    assert providers.zoom is not None
    assert providers.zoom.base_url == provider_sandbox.base_url("zoom")


def test_an_injected_failure_answers_once_then_the_provider_recovers(
        provider_sandbox: ProviderSandbox) -> None:
    token = _zoom_token(provider_sandbox)
    provider_sandbox.fail_next_token_request("zoom", status=503)

    failed = _refresh(provider_sandbox, token["refresh_token"])
    recovered = _refresh(provider_sandbox, token["refresh_token"])

    assert failed.status_code == 503 and recovered.status_code == 200


def test_a_consent_request_is_answered_once(provider_sandbox: ProviderSandbox) -> None:
    client = provider_sandbox.client("zoom")
    page = requests.get(f"{provider_sandbox.base_url('zoom')}/oauth/authorize", timeout=10,
                        params={"response_type": "code", "client_id": client.client_id,
                                "redirect_uri": ZOOM_REDIRECT})
    forms = _Forms()
    forms.feed(page.text)
    action, fields = forms.forms[0]
    answer = {**fields, "decision": "allow", "account": "KDcuGIm1QgePTO8WbOqwIQ"}

    first = requests.post(action, data=answer, timeout=10, allow_redirects=False)
    again = requests.post(action, data=answer, timeout=10, allow_redirects=False)

    assert first.status_code == 302 and again.status_code == 400
