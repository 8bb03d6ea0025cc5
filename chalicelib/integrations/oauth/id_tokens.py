"""Checks on OpenID Connect ID tokens that google-auth and msal leave to the caller.

msal 1.39 does not verify ID tokens at all, and google-auth checks the signature,
audience and expiry but neither the issuer nor the nonce: those are Penny's.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

import jwt

# How far the provider's clock may be from Lambda's when an ID token is checked (iat,
# exp): a token minted a moment "in the future" is not refused.
CLOCK_SKEW_SECONDS = 10


def nonce_matches(expected: str | None, echoed: object) -> bool:
    """The ID token carries exactly the nonce sent (and none if none was sent)."""
    if expected is None:
        return echoed is None
    return isinstance(echoed, str) and secrets.compare_digest(echoed, expected)


def nonce_hash(nonce: str) -> str:
    """What goes on the wire for a stored nonce (OpenID Connect's nonce notes; msal's
    convention, so msal's own echo check agrees with Penny's)."""
    return hashlib.sha256(nonce.encode("ascii")).hexdigest()


def decode_with_jwks(raw: str, jwks: Mapping[str, Any], audience: str) -> dict[str, Any]:
    """The claims of an RS256 ID token signed by a key in `jwks` (by `kid`), for
    `audience`, unexpired; pyjwt's errors otherwise."""
    kid = jwt.get_unverified_header(raw).get("kid")
    keys = [key for key in jwt.PyJWKSet.from_dict(dict(jwks)).keys
            if key.key_id == kid and key.public_key_use in ("sig", None)]
    if not keys:
        raise jwt.PyJWKClientError("no key in the provider's key set signed this token")
    claims: dict[str, Any] = jwt.decode(
        raw, keys[0].key, algorithms=["RS256"], audience=audience, leeway=CLOCK_SKEW_SECONDS,
        options={"require": ["iss", "aud", "exp", "iat", "sub"]})
    return claims


def failed_check(exc: Exception) -> str:
    """Which check a verification error is about, in a word the host may read."""
    if isinstance(exc, jwt.InvalidAudienceError):
        return "audience"
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "expired"
    if isinstance(exc, jwt.InvalidSignatureError | jwt.PyJWKClientError):
        return "signature"
    return "token"
