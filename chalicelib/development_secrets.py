"""The development secrets `make run` and the tests sign and seal with, and the variable
that opts in to them; settings.py's defaults and secret_checks.py use them."""

from __future__ import annotations

# Development-only secrets, public in this file: `make run` and the tests use them (the
# dataclass defaults, or PENNY_DEVELOPMENT_SECRETS=1 for `from_env`). A deployed stage
# reads its own from SSM (PENNY_SECRETS_PATH is set by infra/).
DEVELOPMENT_SECRETS = "PENNY_DEVELOPMENT_SECRETS"
DEV_KEYS = {"dev-1": "penny-dev-signing-key-change-me-0123456789abcdef"}
DEV_LINK_SECRET = "penny-dev-link-secret-change-me"
# The key ring that encrypts providers' OAuth tokens at rest (AES-256-GCM): key id ->
# base64 of 32 random bytes; `make deploy` generates one (infra/deploy.py).
DEV_TOKEN_KEYS = {"dev-1": "cGVubnktZGV2LXRva2VuLWtleS1jaGFuZ2UtbWUhISE="}
