"""The secrets checked as the settings are read: the development opt-in refused where
Penny is deployed, each secret present, the key rings well formed (the token keys 32
bytes each), the active keys in their rings, and no development or short secret outside
`make run` and the tests."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping

from chalicelib.development_secrets import (
    DEV_KEYS,
    DEV_LINK_SECRET,
    DEV_TOKEN_KEYS,
    DEVELOPMENT_SECRETS,
)
from chalicelib.secret_parameters import SECRET_VARIABLES, SECRETS_PARAMETER

TOKEN_KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# HS256 and HMAC-SHA256 want a key at least as long as the hash (RFC 7518 3.2); `make
# deploy` generates 64 characters.
MIN_SECRET_LENGTH = 32


class InsecureSecretsError(RuntimeError):
    """A secret is missing, too short, or a development one outside `make run` and tests."""


def development_opt_in(env: Mapping[str, str]) -> bool:
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


def checked_secrets(env: Mapping[str, str], development: bool
                     ) -> tuple[dict[str, str], str, dict[str, str]]:
    """The signing key ring, link secret and token key ring, or InsecureSecretsError
    saying what is wrong."""
    raw_keys, link_secret = env.get("PENNY_JWT_KEYS"), env.get("PENNY_LINK_SECRET")
    raw_token_keys = env.get("PENNY_TOKEN_KEYS")
    if development:
        raw_keys = raw_keys or json.dumps(DEV_KEYS)
        link_secret = link_secret or DEV_LINK_SECRET
        raw_token_keys = raw_token_keys or json.dumps(DEV_TOKEN_KEYS)
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
    if (set(keys.values()) & set(DEV_KEYS.values()) or link_secret == DEV_LINK_SECRET
            or set(token_keys.values()) & set(DEV_TOKEN_KEYS.values())):
        raise InsecureSecretsError(
            "a development secret is configured: it is public "
            "(chalicelib/development_secrets.py), so anyone could sign host tokens or read "
            "providers' tokens; it is refused outside `make run` and the tests")
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


def active_key_id(env: Mapping[str, str], variable: str, keys: Mapping[str, str],
                ring: str) -> str:
    """The key that signs or seals new texts: named, else the ring's first."""
    kid = env.get(variable, next(iter(keys)))
    if kid not in keys:
        raise InsecureSecretsError(f"{variable} {kid!r} is not in {ring}")
    return kid


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
