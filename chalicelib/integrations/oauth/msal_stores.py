"""Stores for msal that keep nothing, for an msal application shared by every host in a
Lambda container: its token cache would hold every host's tokens (Penny's encrypted store
holds them), and its HTTP cache replays a refused (400: 60 s) or failed (5xx: 5 s) token
request without sending it, which would swallow a retry.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import msal  # type: ignore[import-untyped]


class KeepNothing(MutableMapping[str, Any]):
    """msal's `http_cache`: every read misses, so no error is replayed unsent."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        pass

    def __delitem__(self, key: str) -> None:
        pass

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class NoTokenCache(msal.TokenCache):  # type: ignore[misc]
    """msal's token cache, keeping nothing: Penny's store holds each host's tokens."""

    def add(self, event: Any, now: Any = None) -> None:
        return None
