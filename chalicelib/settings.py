"""The one settings object: everything Penny reads from its environment, read once.

In AWS the values come from the Lambda environment, and the secrets from SSM Parameter
Store (SecureString, standard tier: free) under PENNY_SECRETS_PATH, read once per
container; locally from the shell that runs `make run` or the tests.

Secrets fail closed: a missing, short or development secret stops the function at start
(InsecureSecretsError), and so does a half-configured provider (ProviderSettingsError;
each provider's entry comes from the secrets' `providers` object, or PENNY_PROVIDERS
locally: see provider_settings.py). Only `make run` and the tests opt in to the
development secrets (development_secrets.py), with PENNY_DEVELOPMENT_SECRETS=1, which is
itself refused inside Lambda.

Around it: the parameters in Parameter Store (secret_parameters.py) and the checks each
secret passes (secret_checks.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chalicelib.development_secrets import (
    DEV_KEYS,
    DEV_LINK_SECRET,
    DEV_TOKEN_KEYS,
    DEVELOPMENT_SECRETS,
)
from chalicelib.provider_settings import Providers
from chalicelib.secret_checks import (
    MIN_SECRET_LENGTH,
    TOKEN_KEY_BYTES,
    InsecureSecretsError,
    active_key_id,
    checked_secrets,
    development_opt_in,
)
from chalicelib.secret_parameters import (
    PARAMETERS,
    SECRET_VARIABLES,
    SECRETS_PARAMETER,
    SECURE_PARAMETERS,
    parameter_store_secrets,
)

# Where infra/, bench/ and the tests import them from.
__all__ = ["DEVELOPMENT_SECRETS", "MIN_SECRET_LENGTH", "PARAMETERS", "SECRETS_PARAMETER",
           "SECRET_VARIABLES", "SECURE_PARAMETERS", "TOKEN_KEY_BYTES", "InsecureSecretsError",
           "Settings"]


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    table_name: str = "penny-dev"
    region: str = "us-east-1"
    dynamodb_endpoint: str | None = None
    jwt_keys: Mapping[str, str] = field(default_factory=lambda: dict(DEV_KEYS))
    jwt_active_kid: str = "dev-1"
    jwt_issuer: str = "penny"
    jwt_audience: str = "penny-api"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    link_secret: str = DEV_LINK_SECRET
    token_keys: Mapping[str, str] = field(default_factory=lambda: dict(DEV_TOKEN_KEYS))
    token_active_kid: str = "dev-1"
    # When this container read `token_keys` (its start): a provider token under a key id
    # the ring lacks that was sealed before then was sealed under a key since retired
    # (store/sealed_connections.py). None: settings made in code (the tests say when).
    token_keys_read_at: datetime | None = None
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
    # Password reset by e-mail (services/password_resets.py): the address Penny sends
    # from, a verified identity in Amazon SES; None: no e-mail, so no reset by e-mail.
    email_sender: str | None = None
    # Resets asked per e-mail, and per source network, per fixed window.
    resets_per_email: int = 3
    resets_per_network: int = 20
    reset_window_seconds: int = 3600
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
        # Taken before the secrets are read, so never later than the ring it dates.
        read_at = datetime.now(UTC)
        development = development_opt_in(env)
        deployed = bool(env.get("PENNY_SECRETS_PATH") or env.get("AWS_LAMBDA_FUNCTION_NAME"))
        source = "PENNY_PROVIDERS"
        if env.get("PENNY_SECRETS_PATH"):
            # Deployed: the secrets come from Parameter Store only, never from plain text.
            plain = {k: v for k, v in env.items() if k not in SECRET_VARIABLES.values()}
            env = {**plain, **parameter_store_secrets(env["PENNY_SECRETS_PATH"], env)}
            source = f"providers in {env['PENNY_SECRETS_PATH'].rstrip('/')}/{SECRETS_PARAMETER}"
        defaults = cls()
        keys, link_secret, token_keys = checked_secrets(env, development)
        active_kid = active_key_id(env, "PENNY_JWT_ACTIVE_KID", keys, "PENNY_JWT_KEYS")
        token_kid = active_key_id(env, "PENNY_TOKEN_ACTIVE_KID", token_keys, "PENNY_TOKEN_KEYS")
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
            token_keys_read_at=read_at,
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
            email_sender=env.get("PENNY_EMAIL_SENDER", "").strip() or None,
            resets_per_network=int(env.get("PENNY_RESETS_PER_NETWORK",
                                           defaults.resets_per_network)),
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
