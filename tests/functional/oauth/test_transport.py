"""Every adapter gives up on a provider that does not answer, and says "try later"."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chalicelib.domain.connections import Tokens
from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.integrations.oauth import PROVIDERS_WITH_OAUTH, oauth_provider
from chalicelib.provider_settings import MicrosoftApp, OAuthApp

TOKENS = Tokens("access", "refresh", datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A loopback port that takes connections and never answers them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _entry(name: str, base_url: str) -> OAuthApp | MicrosoftApp:
    if name == "microsoft":
        return MicrosoftApp("client", "secret", base_url=base_url)
    return OAuthApp("client", "secret", base_url=base_url)


@pytest.mark.parametrize("name", PROVIDERS_WITH_OAUTH)
def test_a_provider_that_never_answers_is_unavailable_after_the_timeout(
        name: str, silent_url: str) -> None:
    client = oauth_provider(name, _entry(name, silent_url), timeout=0.3)

    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        client.refresh(TOKENS)


@pytest.mark.parametrize("name", PROVIDERS_WITH_OAUTH)
def test_a_provider_that_refuses_the_connection_is_unavailable(
        name: str, closed_url: str) -> None:
    client = oauth_provider(name, _entry(name, closed_url))

    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        client.refresh(TOKENS)
