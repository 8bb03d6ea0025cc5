"""The RSA key a fake OpenID provider signs ID tokens with, and its JWKS entry.

Generated at start, never stored: a JWKS fetched from one sandbox run verifies only that
run's tokens, as with a real provider's key rotation.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class SigningKey:
    def __init__(self) -> None:
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(20)

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 7517), as Google's and Microsoft's JWKS list it."""
        numbers = self._private.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                "n": _b64(numbers.n), "e": _b64(numbers.e)}

    def sign(self, claims: dict[str, Any]) -> str:
        """An RS256 JWT whose header names this key (`kid`), as real ID tokens do."""
        return jwt.encode(claims, self._private, algorithm="RS256",
                          headers={"kid": self.kid, "typ": "JWT"})
