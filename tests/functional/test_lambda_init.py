"""A Lambda container loads its settings at init: insecure secrets stop it before any request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN_KEYS = json.dumps({"t1": "a2V5LW9mLXRoZS1zdGFnZS1mb3ItdG9rZW5zLTAxMjM="})  # 32 bytes


def import_app_as_lambda(**env: str) -> subprocess.CompletedProcess[str]:
    """`import app` in a fresh interpreter, as Lambda's init does (no PENNY_* inherited)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PENNY_")}
    return subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, text=True,
                          capture_output=True, timeout=120,
                          env={**clean, "AWS_LAMBDA_FUNCTION_NAME": "penny-prod-APIHandler",
                               "AWS_DEFAULT_REGION": "us-east-1", **env})


def test_without_secrets_the_function_fails_at_init_saying_why() -> None:
    started = import_app_as_lambda()

    assert started.returncode != 0
    assert ("InsecureSecretsError: PENNY_JWT_KEYS, PENNY_LINK_SECRET and PENNY_TOKEN_KEYS "
            "not set" in started.stderr)


def test_the_development_opt_in_fails_at_init_in_lambda() -> None:
    started = import_app_as_lambda(PENNY_DEVELOPMENT_SECRETS="1")

    assert started.returncode != 0
    assert "InsecureSecretsError: PENNY_DEVELOPMENT_SECRETS is for `make run`" in started.stderr


def test_a_half_configured_provider_fails_at_init_naming_the_missing_field() -> None:
    started = import_app_as_lambda(
        PENNY_JWT_KEYS=json.dumps({"k1": "a-signing-key-of-the-stage-0123456789abcdef"}),
        PENNY_LINK_SECRET="a-link-secret-of-the-stage-0123456789abcdef",
        PENNY_TOKEN_KEYS=TOKEN_KEYS,
        PENNY_PROVIDERS=json.dumps({"stripe": {"secret_key": "sk_live_of_the_stage"}}))

    assert started.returncode != 0
    assert ("ProviderSettingsError: PENNY_PROVIDERS: stripe is missing webhook_secret"
            in started.stderr)
    assert "sk_live_of_the_stage" not in started.stderr


def test_with_its_own_secrets_the_function_starts() -> None:
    started = import_app_as_lambda(
        PENNY_JWT_KEYS=json.dumps({"k1": "a-signing-key-of-the-stage-0123456789abcdef"}),
        PENNY_LINK_SECRET="a-link-secret-of-the-stage-0123456789abcdef",
        PENNY_TOKEN_KEYS=TOKEN_KEYS)

    assert started.returncode == 0, started.stderr


def test_without_a_token_key_the_function_fails_at_init_saying_why() -> None:
    started = import_app_as_lambda(
        PENNY_JWT_KEYS=json.dumps({"k1": "a-signing-key-of-the-stage-0123456789abcdef"}),
        PENNY_LINK_SECRET="a-link-secret-of-the-stage-0123456789abcdef")

    assert started.returncode != 0
    assert "InsecureSecretsError: PENNY_TOKEN_KEYS not set" in started.stderr
