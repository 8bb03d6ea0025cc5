"""The Lambda environment the local stack sets before it imports the app: the embedded
AWS's endpoints and table, the gateway, the topic, the hold timers' schedule group, the
e-mail sender and the providers (the sandbox's, unless the shell names its own)."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from chalice import Chalice

from local.provision import HoldTimers, Messaging

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLE = "penny-local"
REGION = "us-east-1"


def configure_environment(
    aws_url: str,
    api_url: str,
    ws_endpoint: str,
    messaging: Messaging,
    table_stream: str | None,
    providers: str,
    holds: HoldTimers,
    email_sender: str | None = None,
) -> dict[str, str]:
    """What the Lambda environment holds in AWS; must be set before the app is imported."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # Every AWS client without an explicit endpoint (DynamoDB, SNS, SQS, streams, SSM)
        # talks to the embedded AWS.
        "AWS_ENDPOINT_URL": aws_url,
        "AWS_ENDPOINT_URL_DYNAMODB": aws_url,
        "PENNY_TABLE": TABLE,
        "PENNY_STAGE": "local",
        # The public development key and link secret: only here and in the tests.
        "PENNY_DEVELOPMENT_SECRETS": "1",
        "PENNY_PUBLIC_URL": api_url,
        "PENNY_EVENTS_TOPIC_ARN": messaging.topic_arn,
        # The WebSocket management API (POST /@connections/{id}): the local gateway.
        "PENNY_WEBSOCKET_ENDPOINT": ws_endpoint,
        # Where browsers connect (the dashboard renders it): the same gateway, as ws://.
        "PENNY_WEBSOCKET_URL": "ws" + ws_endpoint.removeprefix("http"),
        # Every local client is 127.0.0.1: the per-network signup and failed-login limits
        # would be one limit for everyone (the e2e tests and the fuzzer sign up dozens of
        # hosts, and try wrong passwords).
        "PENNY_SIGNUPS_PER_WINDOW": "1000",
        "PENNY_LOGIN_FAILURES_PER_NETWORK": "1000",
        "PENNY_RESETS_PER_NETWORK": "1000",
        "PENNY_PROVIDERS": providers,
        # A paid booking's hold timer: a one-time schedule in the embedded AWS, which the
        # stack's schedule poller runs when due (local/schedule_poller.py).
        "PENNY_HOLD_SCHEDULER_ROLE_ARN": holds.role_arn,
        "PENNY_HOLD_SCHEDULE_GROUP": holds.group,
    }
    if table_stream is not None:
        env["PENNY_TABLE_STREAM_ARN"] = table_stream
    if email_sender is not None:
        # Password reset e-mail, through the embedded SES (local/outbox.py lists it).
        env["PENNY_EMAIL_SENDER"] = email_sender
    os.environ.update(env)
    # A developer's real AWS session must not leak in through boto3's credential chain.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    return env


def load_app() -> Chalice:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    app = importlib.import_module("app").app
    if not isinstance(app, Chalice):
        raise TypeError(f"app.app is a {type(app).__name__}, not a Chalice app")
    return app


def sandbox_providers(sandbox_entries: dict[str, dict[str, str]]) -> str:
    """PENNY_PROVIDERS: the shell's own, when set (to try an entry of your own), or the
    sandbox's providers, each pointed at the sandbox by its base_url."""
    return os.environ.get("PENNY_PROVIDERS") or json.dumps(sandbox_entries)
