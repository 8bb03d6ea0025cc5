"""Each provider's settings entry, read from one `providers` object: a provider is
available when its entry is complete, and a half-configured one stops the start."""

from __future__ import annotations

import json

import pytest

from chalicelib.provider_settings import (
    GeminiKey,
    MicrosoftApp,
    OAuthApp,
    Providers,
    ProviderSettingsError,
    RazorpayPlatform,
    StripePlatform,
)
from chalicelib.settings import DEVELOPMENT_SECRETS, Settings

SECRET = "a-provider-secret-that-must-never-show-0123456789"


def read(entries: object, deployed: bool = False) -> Providers:
    return Providers.from_json(json.dumps(entries), "PENNY_PROVIDERS", deployed)


def test_with_no_entry_no_provider_is_available() -> None:
    assert Providers.from_json(None, "PENNY_PROVIDERS", deployed=True).available == frozenset()
    assert read({}).available == frozenset()


def test_each_complete_entry_makes_its_provider_available_with_its_kind() -> None:
    providers = read({
        "google": {"client_id": "g-id", "client_secret": SECRET},
        "microsoft": {"client_id": "m-id", "client_secret": SECRET},
        "zoom": {"client_id": "z-id", "client_secret": SECRET},
        "notion": {"client_id": "n-id", "client_secret": SECRET},
        "stripe": {"secret_key": SECRET, "webhook_secret": SECRET},
        "razorpay": {},
        "gemini": {"api_key": SECRET},
    })

    assert providers.available == {"google", "microsoft", "zoom", "notion", "stripe",
                                   "razorpay", "gemini"}
    assert providers.google == OAuthApp("g-id", SECRET)
    assert providers.microsoft == MicrosoftApp("m-id", SECRET, tenant="common")
    assert providers.stripe == StripePlatform(SECRET, SECRET)
    assert providers.razorpay == RazorpayPlatform()
    assert providers.gemini == GeminiKey(SECRET)


def test_razorpay_needs_only_an_empty_entry_because_hosts_bring_their_keys() -> None:
    assert read({"razorpay": {}}).available == {"razorpay"}


@pytest.mark.parametrize(("entries", "message"), [
    ({"zoom": {"client_id": "z-id"}}, "PENNY_PROVIDERS: zoom is missing client_secret"),
    ({"stripe": {"secret_key": SECRET}}, "stripe is missing webhook_secret"),
    ({"stripe": {"secret_key": SECRET, "webhook_secret": ""}}, "stripe is missing webhook_secret"),
    ({"gemini": {}}, "gemini is missing api_key"),
    ({"google": {"client_secret": SECRET}}, "google is missing client_id"),
], ids=["zoom without its secret", "stripe without its webhook secret", "an empty value",
        "gemini without a key", "google without its id"])
def test_a_half_configured_provider_stops_the_start_naming_the_missing_field(
        entries: dict[str, object], message: str) -> None:
    with pytest.raises(ProviderSettingsError, match=message) as refused:
        read(entries)

    assert SECRET not in str(refused.value)


@pytest.mark.parametrize(("entries", "message"), [
    ({"gogle": {"client_id": "g", "client_secret": SECRET}}, "unknown provider 'gogle'"),
    ({"stripe": {"secret_key": SECRET, "webhook_secret": SECRET, "webhook_secert": SECRET}},
     "stripe has unknown field 'webhook_secert'"),
    ({"google": "g-id"}, "google is not a JSON object"),
    ({"google": {"client_id": "g-id", "client_secret": 42}}, r"google\.client_secret is not a"),
    (["google"], "is not a JSON object"),
], ids=["misspelt provider", "misspelt field", "entry not an object", "not a string",
        "not an object"])
def test_a_mistyped_entry_is_refused_rather_than_silently_ignored(
        entries: object, message: str) -> None:
    with pytest.raises(ProviderSettingsError, match=message) as refused:
        read(entries)

    assert SECRET not in str(refused.value)


def test_text_that_is_not_json_is_refused_without_quoting_it() -> None:
    with pytest.raises(ProviderSettingsError, match="PENNY_PROVIDERS is not JSON") as refused:
        Providers.from_json('{"stripe": {"secret_key": "' + SECRET, "PENNY_PROVIDERS", False)

    assert SECRET not in str(refused.value) and refused.value.__cause__ is None


def test_secrets_stay_out_of_repr_so_a_logged_settings_cannot_show_them() -> None:
    providers = read({"google": {"client_id": "g-id", "client_secret": SECRET},
                      "stripe": {"secret_key": SECRET, "webhook_secret": SECRET},
                      "gemini": {"api_key": SECRET}})

    assert SECRET not in repr(providers)
    assert SECRET not in repr(Settings(providers=providers))
    assert "g-id" in repr(providers)


def test_the_sandbox_base_url_is_accepted_on_this_machine_only() -> None:
    local = {"zoom": {"client_id": "z", "client_secret": SECRET,
                      "base_url": "http://127.0.0.1:9100/zoom"}}

    assert read(local).zoom == OAuthApp("z", SECRET, "http://127.0.0.1:9100/zoom")
    with pytest.raises(ProviderSettingsError, match=r"zoom\.base_url points at this machine"):
        read(local, deployed=True)


@pytest.mark.parametrize(("url", "deployed", "message"), [
    ("http://zoom.example.com", False, "must be https"),
    ("http://zoom.example.com", True, "must be https"),
    ("ftp://127.0.0.1/", False, "not an http"),
    ("zoom.example.com", False, "not an http"),
], ids=["plain http locally", "plain http deployed", "another scheme", "no scheme"])
def test_a_base_url_elsewhere_must_be_https(url: str, deployed: bool, message: str) -> None:
    with pytest.raises(ProviderSettingsError, match=message):
        read({"notion": {"client_id": "n", "client_secret": SECRET, "base_url": url}},
             deployed)


def test_a_deployed_penny_may_name_an_https_base_url() -> None:
    entries = {"notion": {"client_id": "n", "client_secret": SECRET,
                          "base_url": "https://notion-proxy.example.com"}}

    assert read(entries, deployed=True).notion is not None


def test_settings_read_the_providers_from_the_environment_locally() -> None:
    settings = Settings.from_env({DEVELOPMENT_SECRETS: "1", "PENNY_PROVIDERS": json.dumps(
        {"gemini": {"api_key": SECRET}})})

    assert settings.providers.available == {"gemini"}
    assert Settings.from_env({DEVELOPMENT_SECRETS: "1"}).providers == Providers()


def test_in_lambda_a_half_configured_provider_stops_the_start() -> None:
    env = {"PENNY_JWT_KEYS": json.dumps({"k1": SECRET}), "PENNY_LINK_SECRET": SECRET,
           "PENNY_TOKEN_KEYS": json.dumps({"t1": "a2V5LW9mLXRoZS1zdGFnZS1mb3ItdG9rZW5zLTAxMjM="}),
           "AWS_LAMBDA_FUNCTION_NAME": "penny-prod-APIHandler",
           "PENNY_PROVIDERS": json.dumps({"zoom": {"client_id": "z",
                                                   "base_url": "http://127.0.0.1:9"}})}

    with pytest.raises(ProviderSettingsError, match="zoom is missing client_secret"):
        Settings.from_env(env)
