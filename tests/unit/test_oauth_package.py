"""The OAuth package: what the API may import for free, and each provider's scopes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth import FEATURES, PROVIDERS_WITH_OAUTH
from chalicelib.integrations.oauth.scopes import (
    GOOGLE_CALENDAR_EVENTS,
    GOOGLE_CALENDAR_LIST,
    GOOGLE_FREEBUSY,
    scopes_for,
)

VENDOR_MODULES = ("msal", "authlib", "google.auth", "google.oauth2", "requests")


def test_importing_the_package_loads_no_vendor_library() -> None:
    probe = ("import sys, chalicelib.integrations.oauth\n"
             f"print(','.join(m for m in {VENDOR_MODULES!r} if m in sys.modules))")

    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=60).stdout.strip()

    assert loaded == ""


def test_each_provider_offers_its_features() -> None:
    assert PROVIDERS_WITH_OAUTH == ("google", "microsoft", "zoom", "notion")
    assert FEATURES["google"] == frozenset(Feature) - {Feature.PAYMENTS}  # no OAuth for money
    assert FEATURES["microsoft"] == {Feature.CALENDAR, Feature.VIDEO, Feature.SIGN_IN}
    assert FEATURES["zoom"] == {Feature.VIDEO}
    assert FEATURES["notion"] == {Feature.NOTES}


@pytest.mark.parametrize(("provider", "feature"), [
    ("zoom", Feature.CALENDAR), ("notion", Feature.SIGN_IN), ("microsoft", Feature.NOTES)])
def test_a_feature_the_provider_lacks_is_a_value_error(provider: str, feature: Feature) -> None:
    with pytest.raises(ValueError, match=f"{provider} does not offer {feature.value}"):
        scopes_for(provider, frozenset({feature}))


def test_google_always_asks_who_connected_and_each_scope_once() -> None:
    assert scopes_for("google", frozenset({Feature.CALENDAR, Feature.VIDEO})) == (
        "openid", "email", GOOGLE_FREEBUSY, GOOGLE_CALENDAR_EVENTS, GOOGLE_CALENDAR_LIST)


def test_microsoft_leaves_the_openid_scopes_to_msal() -> None:
    assert scopes_for("microsoft", frozenset({Feature.CALENDAR, Feature.SIGN_IN})) == (
        "Calendars.ReadWrite", "email")


@pytest.mark.parametrize("provider", PROVIDERS_WITH_OAUTH)
def test_a_token_expiry_is_reckoned_by_the_clock_penny_checks_it_with(provider: str) -> None:
    from datetime import UTC, datetime, timedelta

    from chalicelib.integrations.oauth import oauth_provider
    from chalicelib.integrations.oauth.token_answers import tokens_from
    from chalicelib.provider_settings import MicrosoftApp, OAuthApp

    penny_now = datetime(2030, 1, 1, tzinfo=UTC)  # not the wall clock
    entry = (MicrosoftApp("id", "secret") if provider == "microsoft"
             else OAuthApp("id", "secret"))
    client = oauth_provider(provider, entry, now=lambda: penny_now)

    tokens = tokens_from({"access_token": "a", "expires_in": 3600}, client.now(),  # type: ignore[attr-defined]
                         provider, provider)
    assert tokens.expires_at == penny_now + timedelta(hours=1)
