"""OAuth 2.0 / OpenID Connect clients for Google, Microsoft, Zoom and Notion: one adapter
per provider implementing the OAuthProvider port (chalicelib/domain/providers/oauth.py).

Importing this package loads no vendor library: `oauth_provider` imports the adapter's
module (authlib, msal, google-auth, requests) when a provider is first used, so the API's
cold start pays for none of them. Each adapter talks to the real provider unless its
settings entry has a `base_url` (the local provider sandbox).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.domain.providers.oauth import Feature, OAuthProvider
from chalicelib.integrations.oauth.scopes import TABLES
from chalicelib.integrations.oauth.token_answers import utc_now
from chalicelib.provider_settings import MicrosoftApp, OAuthApp

PROVIDERS_WITH_OAUTH = ("google", "microsoft", "zoom", "notion")
# The name bootstrap/connections.py imports (written alongside this package): the same tuple.
OAUTH_PROVIDERS = PROVIDERS_WITH_OAUTH

# What a host can turn on at each provider (Meet and Teams ride on the calendar).
FEATURES: dict[str, frozenset[Feature]] = {
    name: frozenset(TABLES[name][0]) for name in PROVIDERS_WITH_OAUTH}

# Every call to a provider gives up after this long (seconds); none is retried here. Well
# inside the API Lambda's 10 s, so a refresh that rotated a token is stored before the
# function could be stopped.
TIMEOUT = 5.0


def oauth_provider(name: str, entry: OAuthApp | MicrosoftApp, timeout: float = TIMEOUT,
                   now: Callable[[], datetime] = utc_now) -> OAuthProvider:
    """The OAuth client for provider `name`, made from its settings entry; `now` is the
    clock a token's expiry is reckoned from (Penny's, the one it is later checked by)."""
    if name == "microsoft":
        if not isinstance(entry, MicrosoftApp):
            raise TypeError("microsoft needs a MicrosoftApp settings entry")
        from chalicelib.integrations.oauth.microsoft import MicrosoftOAuth
        return MicrosoftOAuth(entry, timeout, now)
    if not isinstance(entry, OAuthApp):
        raise TypeError(f"{name} needs an OAuthApp settings entry")
    if name == "google":
        from chalicelib.integrations.oauth.google import GoogleOAuth
        return GoogleOAuth(entry, timeout, now)
    if name == "zoom":
        from chalicelib.integrations.oauth.zoom import ZoomOAuth
        return ZoomOAuth(entry, timeout, now)
    if name == "notion":
        from chalicelib.integrations.oauth.notion import NotionOAuth
        return NotionOAuth(entry, timeout, now)
    raise ValueError(f"no OAuth client for {name!r} (known: {', '.join(PROVIDERS_WITH_OAUTH)})")


__all__ = ["FEATURES", "OAUTH_PROVIDERS", "PROVIDERS_WITH_OAUTH", "TIMEOUT", "oauth_provider"]
