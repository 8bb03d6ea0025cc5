"""The OAuth clients of the providers set up on this Penny (integrations/oauth/ makes
them), each made on its first use in a container."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.errors import ProviderNotAvailableError
from chalicelib.domain.providers.oauth import OAuthProvider


class OAuthClients:
    """The OAuth clients of the providers set up on this Penny, made on first use."""

    def __init__(self, available: frozenset[str], make: Callable[[str], OAuthProvider]) -> None:
        self.available = available
        self._make = make
        self._made: dict[str, OAuthProvider] = {}

    def get(self, provider: str) -> OAuthProvider:
        if provider not in self.available:
            raise ProviderNotAvailableError(f"{provider} is not available on this Penny")
        if provider not in self._made:
            self._made[provider] = self._make(provider)
        return self._made[provider]
