"""The one settings object: everything Penny reads from its environment, read once.

In AWS the values come from the Lambda environment, and the secrets from SSM Parameter
Store (SecureString, standard tier: free) under PENNY_SECRETS_PATH, read once per
container; locally from the shell that runs `make run` or the tests.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

# The parameters under PENNY_SECRETS_PATH, the one list: `make deploy` creates them,
# infra/ grants reading them, tests check both. "secrets" is one SecureString holding
# every secret as JSON (each SecureString read is a KMS decrypt, paid per cold start);
# the public URL is the stack's Function URL (or your domain), known only once the stack
# exists, so it cannot be an environment variable.
SECRETS_PARAMETER = "secrets"
PARAMETERS = (SECRETS_PARAMETER, "public-url")
SECURE_PARAMETERS = (SECRETS_PARAMETER,)
SECRET_VARIABLES = {"jwt_keys": "PENNY_JWT_KEYS", "link_secret": "PENNY_LINK_SECRET"}

# A development-only key: `make run` and the tests use it. A deployed stage reads its
# own from SSM (PENNY_SECRETS_PATH is set by infra/), and fails to start without them.
_DEV_KEYS = {"dev-1": "penny-dev-signing-key-change-me-0123456789abcdef"}


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
    link_secret: str = "penny-dev-link-secret-change-me"
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
        if env.get("PENNY_SECRETS_PATH"):
            env = {**env, **_secrets(env["PENNY_SECRETS_PATH"], env)}
        defaults = cls()
        keys = json.loads(env["PENNY_JWT_KEYS"]) if env.get("PENNY_JWT_KEYS") else defaults.jwt_keys
        return cls(
            stage=env.get("PENNY_STAGE", defaults.stage),
            table_name=env.get("PENNY_TABLE", defaults.table_name),
            region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", defaults.region)),
            dynamodb_endpoint=env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL"),
            jwt_keys=keys,
            jwt_active_kid=env.get("PENNY_JWT_ACTIVE_KID", next(iter(keys))),
            link_secret=env.get("PENNY_LINK_SECRET", defaults.link_secret),
            public_base_url=env.get("PENNY_PUBLIC_URL", defaults.public_base_url).rstrip("/"),
            events_topic_arn=env.get("PENNY_EVENTS_TOPIC_ARN") or None,
            websocket_api_id=env.get("PENNY_WEBSOCKET_API_ID") or None,
            websocket_stage=env.get("PENNY_WEBSOCKET_STAGE", defaults.websocket_stage),
            websocket_endpoint=env.get("PENNY_WEBSOCKET_ENDPOINT") or None,
            websocket_url=env.get("PENNY_WEBSOCKET_URL", "").rstrip("/") or None,
        )


def _secrets(path: str, env: Mapping[str, str]) -> dict[str, str]:
    from chalicelib.integrations.parameters import read_parameters

    region = env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1"))
    values = read_parameters(path, PARAMETERS, region)
    secrets = json.loads(values[SECRETS_PARAMETER])
    found = {SECRET_VARIABLES[name]: value if isinstance(value, str) else json.dumps(value)
             for name, value in secrets.items() if name in SECRET_VARIABLES}
    return {**found, "PENNY_PUBLIC_URL": values["public-url"]}
