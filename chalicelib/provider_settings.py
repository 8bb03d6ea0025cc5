"""Each provider's settings entry, read generically from one `providers` JSON object.

Deployed, the object is the `providers` key of the SSM secrets JSON; locally (`make run`,
the tests) it is the environment variable PENNY_PROVIDERS, holding the same JSON:

    {"google": {"client_id": "...", "client_secret": "..."},
     "stripe": {"secret_key": "sk_...", "webhook_secret": "whsec_..."},
     "razorpay": {}}

Each key names a provider; its value holds the fields of that provider's kind below (a
field without a default is required). A provider is *available* when its entry is there;
no entry, no provider. Like the other secrets this fails closed: an entry missing a
required field, an unknown provider or field, or a base URL a deployed Penny must not
use stops the start with ProviderSettingsError naming the provider and the field, never
a value, so a half-configured provider is never "available". Secret fields are left out
of repr(), so a logged Settings cannot show them.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from typing import Any, get_args, get_type_hints
from urllib.parse import urlsplit

# http:// is for the provider sandbox on loopback, and only where nothing is deployed.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ProviderSettingsError(RuntimeError):
    """A provider's settings entry is incomplete, unknown or unsafe."""


@dataclass(frozen=True)
class OAuthApp:
    """An OAuth client registered with the vendor: Google, Zoom, Notion."""

    client_id: str
    client_secret: str = field(repr=False)
    # None: the vendor's real endpoints. Set: every endpoint of this vendor under this
    # root (the local provider sandbox).
    base_url: str | None = None


@dataclass(frozen=True)
class MicrosoftApp:
    """A Microsoft Entra app registration (msal, Graph); `tenant` limits who signs in."""

    client_id: str
    client_secret: str = field(repr=False)
    tenant: str = "common"
    base_url: str | None = None


@dataclass(frozen=True)
class StripePlatform:
    """The platform account (Stripe Connect) and the signing secret of its one webhook."""

    secret_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    base_url: str | None = None


@dataclass(frozen=True)
class RazorpayPlatform:
    """Hosts bring their own Razorpay keys (kept per host, encrypted): the operator only
    turns Razorpay on, with an empty entry."""

    base_url: str | None = None


@dataclass(frozen=True)
class GeminiKey:
    """A Gemini API key (google-genai) for the pre-meeting brief."""

    api_key: str = field(repr=False)
    base_url: str | None = None


@dataclass(frozen=True)
class Providers:
    """Every provider Penny knows, each None until its entry is configured."""

    google: OAuthApp | None = None
    microsoft: MicrosoftApp | None = None
    zoom: OAuthApp | None = None
    notion: OAuthApp | None = None
    stripe: StripePlatform | None = None
    razorpay: RazorpayPlatform | None = None
    gemini: GeminiKey | None = None

    @property
    def available(self) -> frozenset[str]:
        return frozenset(f.name for f in fields(self) if getattr(self, f.name) is not None)

    @classmethod
    def from_json(cls, raw: str | None, source: str, deployed: bool) -> Providers:
        """The entries in `raw` (None or empty: none). `source` says where they came
        from in errors; `deployed` refuses base URLs that only make sense on one machine."""
        if not raw:
            return cls()
        try:
            entries = json.loads(raw)
        except ValueError:
            # Never the parser's message: it may quote the text, and the text holds secrets.
            raise ProviderSettingsError(f"{source} is not JSON") from None
        if not isinstance(entries, dict):
            raise ProviderSettingsError(f'{source} is not a JSON object {{"provider": {{...}}}}')
        kinds = provider_kinds()
        unknown = sorted(set(entries) - set(kinds))
        if unknown:
            raise ProviderSettingsError(
                f"{source}: unknown provider {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(kinds)})")
        return cls(**{name: _entry(name, kinds[name], value, source, deployed)
                      for name, value in entries.items()})


@cache
def provider_kinds() -> dict[str, type[Any]]:
    """Each provider's name and the kind of its entry, from Providers' own annotations."""
    hints = get_type_hints(Providers)
    return {f.name: next(a for a in get_args(hints[f.name]) if a is not type(None))
            for f in fields(Providers)}


def _entry(name: str, kind: type[Any], value: object, source: str, deployed: bool) -> Any:
    where = f"{source}: {name}"
    if not isinstance(value, dict):
        raise ProviderSettingsError(f"{where} is not a JSON object of its settings")
    accepted = [f.name for f in fields(kind)]
    required = [f.name for f in fields(kind) if f.default is MISSING]
    unknown = sorted(set(value) - set(accepted))
    if unknown:
        raise ProviderSettingsError(
            f"{where} has unknown field {', '.join(map(repr, unknown))} "
            f"(its fields: {', '.join(accepted)})")
    missing = [key for key in required if not value.get(key)]
    if missing:
        raise ProviderSettingsError(
            f"{where} is missing {', '.join(missing)}: a provider is on only with all of "
            f"{', '.join(required)}; remove its entry to turn it off")
    for key, item in value.items():
        if not isinstance(item, str):
            raise ProviderSettingsError(f"{where}.{key} is not a string")
    if value.get("base_url"):
        _check_base_url(f"{where}.base_url", value["base_url"], deployed)
    return kind(**value)


def _check_base_url(where: str, url: str, deployed: bool) -> None:
    parts = urlsplit(url)
    loopback = parts.hostname in LOOPBACK_HOSTS
    if deployed and loopback:
        raise ProviderSettingsError(
            f"{where} points at this machine (the provider sandbox): a deployed Penny talks "
            "to the real provider; remove base_url")
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise ProviderSettingsError(f"{where} is not an http(s) URL")
    if parts.scheme == "http" and not loopback:
        raise ProviderSettingsError(f"{where} must be https (http only on loopback)")
