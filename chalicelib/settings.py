"""The one settings object: everything Penny reads from its environment, read once.

In AWS the values come from the Lambda environment, and the secrets from SSM Parameter
Store (SecureString, standard tier: free) under PENNY_SECRETS_PATH, read once per
container; locally from the shell that runs `make run` or the tests.

Secrets fail closed: a missing, short or development secret stops the function at start
(InsecureSecretsError), and so does a half-configured provider (ProviderSettingsError;
each provider's entry comes from the secrets' `providers` object, or PENNY_PROVIDERS
locally: see provider_settings.py). Only `make run` and the tests opt in to the
development secrets in this file, with PENNY_DEVELOPMENT_SECRETS=1, which is itself
refused inside Lambda.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.provider_settings import Providers

# The parameters under PENNY_SECRETS_PATH, the one list: `make deploy` creates them,
# infra/ grants reading them, tests check both. "secrets" is one SecureString holding
# every secret as JSON (each SecureString read is a KMS decrypt, paid per cold start);
# the public URL is the stack's Function URL (or your domain), known only once the stack
# exists, so it cannot be an environment variable.
SECRETS_PARAMETER = "secrets"
PARAMETERS = (SECRETS_PARAMETER, "public-url")
SECURE_PARAMETERS = (SECRETS_PARAMETER,)
# Each secret's key in that JSON, and the variable that holds it locally. `providers` is
# an object of each provider's settings entry (chalicelib/provider_settings.py).
SECRET_VARIABLES = {"jwt_keys": "PENNY_JWT_KEYS", "link_secret": "PENNY_LINK_SECRET",
                    "token_keys": "PENNY_TOKEN_KEYS", "providers": "PENNY_PROVIDERS"}

# Development-only secrets, public in this file: `make run` and the tests use them (the
# dataclass defaults, or PENNY_DEVELOPMENT_SECRETS=1 for `from_env`). A deployed stage
# reads its own from SSM (PENNY_SECRETS_PATH is set by infra/).
DEVELOPMENT_SECRETS = "PENNY_DEVELOPMENT_SECRETS"
_DEV_KEYS = {"dev-1": "penny-dev-signing-key-change-me-0123456789abcdef"}
_DEV_LINK_SECRET = "penny-dev-link-secret-change-me"
# The key ring that encrypts providers' OAuth tokens at rest (AES-256-GCM): key id ->
# base64 of 32 random bytes; `make deploy` generates one (infra/deploy.py).
_DEV_TOKEN_KEYS = {"dev-1": "cGVubnktZGV2LXRva2VuLWtleS1jaGFuZ2UtbWUhISE="}
TOKEN_KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# HS256 and HMAC-SHA256 want a key at least as long as the hash (RFC 7518 3.2); `make
# deploy` generates 64 characters.
MIN_SECRET_LENGTH = 32


class InsecureSecretsError(RuntimeError):
    """A secret is missing, too short, or a development one outside `make run` and tests."""


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    table_name: str = "penny-dev"
    region: str = "us-east-1"
    dynamodb_endpoint: str | None = None
    jwt_keys: Mapping[str, str] = field(default_factory=lambda: dict(_DEV_KEYS))
    jwt_active_kid: str = "dev-1"
    jwt_issuer: str = "penny"
    jwt_audience: str = "penny-api"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    link_secret: str = _DEV_LINK_SECRET
    token_keys: Mapping[str, str] = field(default_factory=lambda: dict(_DEV_TOKEN_KEYS))
    token_active_kid: str = "dev-1"
    public_base_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 64 * 1024
    booking_write_attempts: int = 6
    events_topic_arn: str | None = None
    websocket_api_id: str | None = None
    websocket_stage: str = "api"
    websocket_endpoint: str | None = None
    # Where browsers open the WebSocket (the dashboard page renders it, and its CSP allows
    # it); without PENNY_WEBSOCKET_URL, derived from the API id (see public_websocket_url).
    websocket_url: str | None = None
    realtime_audience: str = "penny-realtime"
    realtime_ticket_ttl_seconds: int = 60
    # Failed logins per account (services/rate_limits.py): this many are free, then each
    # locks password login for 1 s, 2 s, 4 s, ... up to the cap; forgotten after a day.
    login_free_failures: int = 5
    login_max_delay_seconds: int = 15 * 60
    login_forget_after_seconds: int = 24 * 3600
    # Failed logins per source network (IPv4 address, IPv6 /64) per fixed window: past it,
    # password logins from there wait for the window's end.
    login_failures_per_network: int = 50
    login_network_window_seconds: int = 15 * 60
    # Signups per source network (IPv4 address, IPv6 /64) per fixed window.
    signups_per_window: int = 10
    signup_window_seconds: int = 3600
    # Bookings one attendee e-mail may make with one host per UTC day (slot hoarding).
    bookings_per_attendee_per_day: int = 5
    # Each provider's settings entry; a provider without one is off ("not available").
    providers: Providers = field(default_factory=Providers)
    # How long a paid booking holds its slot for the payment (services/payments.py).
    payment_hold_seconds: int = 15 * 60
    # A premium host's pre-meeting briefs a calendar month (the model's cost guard).
    briefs_per_month: int = 100
    # The hold's one-time timer (integrations/hold_timers.py): EventBridge Scheduler runs
    # it with this role, in this schedule group. Unset: holds lapse on read only.
    hold_scheduler_role_arn: str | None = None
    hold_schedule_group: str = "default"

    @property
    def public_websocket_url(self) -> str | None:
        if self.websocket_url:
            return self.websocket_url
        if self.websocket_api_id:
            return (f"wss://{self.websocket_api_id}.execute-api.{self.region}.amazonaws.com/"
                    f"{self.websocket_stage}")
        return None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        development = _development_opt_in(env)
        deployed = bool(env.get("PENNY_SECRETS_PATH") or env.get("AWS_LAMBDA_FUNCTION_NAME"))
        source = "PENNY_PROVIDERS"
        if env.get("PENNY_SECRETS_PATH"):
            # Deployed: the secrets come from Parameter Store only, never from plain text.
            plain = {k: v for k, v in env.items() if k not in SECRET_VARIABLES.values()}
            env = {**plain, **_secrets(env["PENNY_SECRETS_PATH"], env)}
            source = f"providers in {env['PENNY_SECRETS_PATH'].rstrip('/')}/{SECRETS_PARAMETER}"
        defaults = cls()
        keys, link_secret, token_keys = _checked_secrets(env, development)
        active_kid = _active_kid(env, "PENNY_JWT_ACTIVE_KID", keys, "PENNY_JWT_KEYS")
        token_kid = _active_kid(env, "PENNY_TOKEN_ACTIVE_KID", token_keys, "PENNY_TOKEN_KEYS")
        return cls(
            stage=env.get("PENNY_STAGE", defaults.stage),
            table_name=env.get("PENNY_TABLE", defaults.table_name),
            region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", defaults.region)),
            dynamodb_endpoint=env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL"),
            jwt_keys=keys,
            jwt_active_kid=active_kid,
            link_secret=link_secret,
            token_keys=token_keys,
            token_active_kid=token_kid,
            public_base_url=env.get("PENNY_PUBLIC_URL", defaults.public_base_url).rstrip("/"),
            events_topic_arn=env.get("PENNY_EVENTS_TOPIC_ARN") or None,
            websocket_api_id=env.get("PENNY_WEBSOCKET_API_ID") or None,
            websocket_stage=env.get("PENNY_WEBSOCKET_STAGE", defaults.websocket_stage),
            websocket_endpoint=env.get("PENNY_WEBSOCKET_ENDPOINT") or None,
            websocket_url=env.get("PENNY_WEBSOCKET_URL", "").rstrip("/") or None,
            # The local stack sees every client as 127.0.0.1, so it raises this one.
            signups_per_window=int(env.get("PENNY_SIGNUPS_PER_WINDOW",
                                           defaults.signups_per_window)),
            login_failures_per_network=int(env.get("PENNY_LOGIN_FAILURES_PER_NETWORK",
                                                   defaults.login_failures_per_network)),
            bookings_per_attendee_per_day=int(env.get(
                "PENNY_BOOKINGS_PER_ATTENDEE_PER_DAY", defaults.bookings_per_attendee_per_day)),
            providers=Providers.from_json(env.get("PENNY_PROVIDERS"), source, deployed),
            payment_hold_seconds=int(env.get("PENNY_PAYMENT_HOLD_SECONDS",
                                             defaults.payment_hold_seconds)),
            briefs_per_month=int(env.get("PENNY_BRIEFS_PER_MONTH", defaults.briefs_per_month)),
            hold_scheduler_role_arn=env.get("PENNY_HOLD_SCHEDULER_ROLE_ARN") or None,
            hold_schedule_group=env.get("PENNY_HOLD_SCHEDULE_GROUP",
                                        defaults.hold_schedule_group),
        )


def _development_opt_in(env: Mapping[str, str]) -> bool:
    if env.get(DEVELOPMENT_SECRETS, "") in ("", "0"):
        return False
    if env.get(DEVELOPMENT_SECRETS) != "1":
        raise InsecureSecretsError(f"{DEVELOPMENT_SECRETS} is 1 or unset")
    # Belt and braces: even a template that sets it cannot make a deployed function
    # sign with a key anyone can read in the source.
    if env.get("AWS_LAMBDA_FUNCTION_NAME") or env.get("PENNY_SECRETS_PATH"):
        raise InsecureSecretsError(
            f"{DEVELOPMENT_SECRETS} is for `make run` and the tests only; a deployed "
            "function reads its secrets from Parameter Store (PENNY_SECRETS_PATH)")
    return True


def _checked_secrets(env: Mapping[str, str], development: bool
                     ) -> tuple[dict[str, str], str, dict[str, str]]:
    """The signing key ring, link secret and token key ring, or InsecureSecretsError
    saying what is wrong."""
    raw_keys, link_secret = env.get("PENNY_JWT_KEYS"), env.get("PENNY_LINK_SECRET")
    raw_token_keys = env.get("PENNY_TOKEN_KEYS")
    if development:
        raw_keys = raw_keys or json.dumps(_DEV_KEYS)
        link_secret = link_secret or _DEV_LINK_SECRET
        raw_token_keys = raw_token_keys or json.dumps(_DEV_TOKEN_KEYS)
    named = {variable: name for name, variable in SECRET_VARIABLES.items()}
    missing = [v for v, value in (("PENNY_JWT_KEYS", raw_keys),
                                  ("PENNY_LINK_SECRET", link_secret),
                                  ("PENNY_TOKEN_KEYS", raw_token_keys)) if not value]
    if missing and env.get("PENNY_SECRETS_PATH"):
        raise InsecureSecretsError(
            f"{', '.join(named[v] for v in missing)} missing from "
            f"{env['PENNY_SECRETS_PATH'].rstrip('/')}/{SECRETS_PARAMETER} in Parameter Store "
            "(`make deploy` creates it)")
    if missing:
        raise InsecureSecretsError(
            f"{_and(missing)} not set: a deployed function reads its secrets from "
            f"Parameter Store (PENNY_SECRETS_PATH); `make run` and the tests set "
            f"{DEVELOPMENT_SECRETS}=1")
    assert raw_keys is not None and link_secret is not None and raw_token_keys is not None
    keys = _key_ring(raw_keys, "PENNY_JWT_KEYS", "secret")
    token_keys = _key_ring(raw_token_keys, "PENNY_TOKEN_KEYS", "base64 key")
    for kid, key in token_keys.items():
        # AES-256-GCM: exactly 32 bytes, whatever the environment it runs in.
        if not _KEY_ID.match(kid):
            raise InsecureSecretsError(
                f"PENNY_TOKEN_KEYS: key id {kid!r} is not letters, digits, - and _")
        try:
            size = len(base64.b64decode(key, validate=True))
        except (binascii.Error, ValueError):
            size = -1
        if size != TOKEN_KEY_BYTES:
            raise InsecureSecretsError(
                f"PENNY_TOKEN_KEYS: key {kid!r} is not base64 of {TOKEN_KEY_BYTES} bytes")
    if development:
        return keys, link_secret, token_keys
    if (set(keys.values()) & set(_DEV_KEYS.values()) or link_secret == _DEV_LINK_SECRET
            or set(token_keys.values()) & set(_DEV_TOKEN_KEYS.values())):
        raise InsecureSecretsError(
            "a development secret is configured: it is public (chalicelib/settings.py), so "
            "anyone could sign host tokens or read providers' tokens; it is refused outside "
            "`make run` and the tests")
    if min(len(secret) for secret in (*keys.values(), link_secret)) < MIN_SECRET_LENGTH:
        raise InsecureSecretsError(
            f"PENNY_JWT_KEYS and PENNY_LINK_SECRET need {MIN_SECRET_LENGTH}+ characters each")
    return keys, link_secret, token_keys


def _key_ring(raw: str, variable: str, what: str) -> dict[str, str]:
    try:
        keys = json.loads(raw)
    except ValueError:
        keys = None
    if not (isinstance(keys, dict) and keys
            and all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items())):
        raise InsecureSecretsError(f'{variable} is not a JSON object {{"key id": "{what}"}}')
    return keys


def _active_kid(env: Mapping[str, str], variable: str, keys: Mapping[str, str],
                ring: str) -> str:
    """The key that signs or seals new texts: named, else the ring's first."""
    kid = env.get(variable, next(iter(keys)))
    if kid not in keys:
        raise InsecureSecretsError(f"{variable} {kid!r} is not in {ring}")
    return kid


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _secrets(path: str, env: Mapping[str, str]) -> dict[str, str]:
    from chalicelib.integrations.parameters import read_parameters

    region = env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1"))
    values = read_parameters(path, PARAMETERS, region)
    secrets = json.loads(values[SECRETS_PARAMETER])
    found = {SECRET_VARIABLES[name]: value if isinstance(value, str) else json.dumps(value)
             for name, value in secrets.items() if name in SECRET_VARIABLES}
    return {**found, "PENNY_PUBLIC_URL": values["public-url"]}
