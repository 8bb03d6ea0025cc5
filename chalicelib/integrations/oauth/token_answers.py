"""A token endpoint's answer as Penny's Tokens, whichever SDK fetched it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.connections import Tokens
from chalicelib.domain.errors import ProviderUnavailableError


def utc_now() -> datetime:
    return datetime.now(UTC)


def tokens_from(answer: Mapping[str, Any], now: datetime, provider: str, title: str,
                keep_refresh: str | None = None) -> Tokens:
    """`keep_refresh`: the refresh token to keep when the answer has none (Google keeps
    its refresh token; Microsoft, Zoom and Notion send a new one)."""
    if not answer.get("access_token"):
        raise ProviderUnavailableError(
            provider, f"{title} answered without an access token; try again later")
    expires_in = answer.get("expires_in")
    try:
        lifetime = None if expires_in is None else timedelta(seconds=int(expires_in))
    except (TypeError, ValueError):
        raise ProviderUnavailableError(
            provider, f"{title} answered an unreadable token lifetime; try again later"
        ) from None
    return Tokens(access_token=str(answer["access_token"]),
                  refresh_token=answer.get("refresh_token") or keep_refresh,
                  expires_at=None if lifetime is None else now + lifetime)
