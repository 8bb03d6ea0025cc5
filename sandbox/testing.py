"""Test support: the pytest fixture that runs the sandbox, and a consent helper that does
what a person's browser does (load the consent page, submit its form)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import requests

from sandbox.server import ProviderSandbox, start_sandbox


@pytest.fixture
def provider_sandbox() -> Iterator[ProviderSandbox]:
    """A fresh sandbox on a free loopback port, stopped after the test."""
    with start_sandbox() as sandbox:
        yield sandbox


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.accounts: list[str] = []
        self.ticked: list[str] = []  # the scopes' tickboxes ticked (granular consent)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = found.get("action", "")
        elif tag == "input" and found.get("type") == "hidden":
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "input" and found.get("type") == "radio":
            self.accounts.append(found.get("value", ""))
        elif tag == "input" and found.get("type") == "checkbox" and "checked" in found:
            self.ticked.append(found.get("value", ""))


def consent(authorization_url: str, decision: str = "allow", account: str | None = None,
            timeout: float = 10, untick: Sequence[str] = ()) -> str:
    """Open the consent page at `authorization_url`, untick the scopes `untick` (where the
    page has tickboxes: Google), press Allow or Deny (as `account`, or the first seeded
    one) and return where the provider redirects: Penny's callback URL."""
    answer = _answer(authorization_url, decision, account, timeout, untick)
    if answer.status_code != 302:
        raise AssertionError(f"consent answered {answer.status_code}: {answer.text[:200]}")
    return answer.headers["Location"]


def consent_form_post(authorization_url: str, decision: str = "allow", account: str | None = None,
                      timeout: float = 10) -> tuple[str, dict[str, str]]:
    """As consent(), for `response_mode=form_post`: the URL the provider's page posts to,
    and the fields it posts."""
    answer = _answer(authorization_url, decision, account, timeout)
    form = _Form()
    form.feed(answer.text)
    if answer.status_code != 200 or not form.action:
        raise AssertionError(f"consent answered {answer.status_code}: {answer.text[:200]}")
    return form.action, form.fields


def _answer(authorization_url: str, decision: str, account: str | None,
            timeout: float, untick: Sequence[str] = ()) -> requests.Response:
    page = requests.get(authorization_url, timeout=timeout)
    page.raise_for_status()
    form = _Form()
    form.feed(page.text)
    missing = set(untick) - set(form.ticked)
    if missing:
        raise AssertionError(f"the consent page has no tickbox for {sorted(missing)}")
    fields = [*form.fields.items(), ("decision", decision),
              ("account", account or form.accounts[0]),
              *(("scope", s) for s in form.ticked if s not in untick)]
    return requests.post(urljoin(page.url, form.action), timeout=timeout, allow_redirects=False,
                         data=fields)


def callback_params(location: str) -> dict[str, str]:
    """The query parameters of the provider's redirect to Penny's callback."""
    return dict(parse_qsl(urlsplit(location).query))


# Each vendor's authorize and token paths under its prefix, and whether its token endpoint
# takes the client's credentials only as HTTP Basic.
_FLOWS = {"google": ("/o/oauth2/v2/auth", "/token", False),
          "microsoft": ("/common/oauth2/v2.0/authorize", "/common/oauth2/v2.0/token", False),
          "zoom": ("/oauth/authorize", "/oauth/token", True)}
_REDIRECT = "http://127.0.0.1:8000/oauth/{provider}/callback"


def access_token(sandbox: ProviderSandbox, provider: str, scopes: Sequence[str] = (),
                 account: str | None = None, timeout: float = 10) -> str:
    """An access token for `scopes` (Zoom: the app's own when empty), as the seeded user
    (or `account`) allowed it on the consent page: the shortest way to call a fake API."""
    return str(token_answer(sandbox, provider, scopes, account, timeout)["access_token"])


def token_answer(sandbox: ProviderSandbox, provider: str, scopes: Sequence[str] = (),
                 account: str | None = None, timeout: float = 10) -> dict[str, Any]:
    """As access_token(), the whole token answer (with a refresh token: Google's is asked
    for offline access, Microsoft's needs `offline_access` in `scopes`)."""
    authorize, token_path, basic = _FLOWS[provider]
    client, base = sandbox.client(provider), sandbox.base_url(provider)
    redirect = _REDIRECT.format(provider=provider)
    query = {"response_type": "code", "client_id": client.client_id, "redirect_uri": redirect,
             **({"scope": " ".join(scopes)} if scopes else {}),
             **({"access_type": "offline"} if provider == "google" else {})}
    code = callback_params(consent(f"{base}{authorize}?{urlencode(query)}",
                                   account=account, timeout=timeout))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    secret = (client.client_id, client.client_secret)
    answer = requests.post(f"{base}{token_path}", timeout=timeout,
                           auth=secret if basic else None,
                           data=form if basic else {**form, "client_id": secret[0],
                                                    "client_secret": secret[1]})
    answer.raise_for_status()
    return dict(answer.json())
