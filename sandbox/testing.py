"""Test support: the pytest fixture that runs the sandbox, and a consent helper that does
what a person's browser does (load the consent page, submit its form)."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = found.get("action", "")
        elif tag == "input" and found.get("type") == "hidden":
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "input" and found.get("type") == "radio":
            self.accounts.append(found.get("value", ""))


def consent(authorization_url: str, decision: str = "allow", account: str | None = None,
            timeout: float = 10) -> str:
    """Open the consent page at `authorization_url`, press Allow or Deny (as `account`, or
    the first seeded one) and return where the provider redirects: Penny's callback URL."""
    answer = _answer(authorization_url, decision, account, timeout)
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
            timeout: float) -> requests.Response:
    page = requests.get(authorization_url, timeout=timeout)
    page.raise_for_status()
    form = _Form()
    form.feed(page.text)
    return requests.post(urljoin(page.url, form.action), timeout=timeout, allow_redirects=False,
                         data={**form.fields, "decision": decision,
                               "account": account or form.accounts[0]})


def callback_params(location: str) -> dict[str, str]:
    """The query parameters of the provider's redirect to Penny's callback."""
    return dict(parse_qsl(urlsplit(location).query))
