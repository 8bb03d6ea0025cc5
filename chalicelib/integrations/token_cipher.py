"""AES-GCM for the tokens Penny keeps (the `TokenCipher` port, services/connection_ports.py).

A ciphertext is `v1.{key id}.{nonce}.{ciphertext and tag}` (base64url): the key id lets
the key rotate (new texts use the active key, old ones still open with theirs while it
stays in the ring), the 96-bit nonce is fresh for every text (random nonces are safe for
far more than the 2^32 texts one key will ever seal here), and the owner (the host id)
and the provider are the associated data: a text copied into another host's item, or
under another provider, fails its tag and is refused. `cryptography` is imported on
first use: a request that decrypts nothing never pays for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.connections import TokenDecryptionError, UnknownTokenKeyError

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # no ".": it separates the parts


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _associated(owner: str, provider: str) -> bytes:
    # A JSON list, so no owner/provider pair can be spelt like another.
    return json.dumps([VERSION, owner, provider], separators=(",", ":")).encode()


class AesGcmTokenCipher:
    """`keys`: key id -> 32 raw bytes; `active_kid` seals new texts."""

    def __init__(self, keys: Mapping[str, bytes], active_kid: str) -> None:
        for kid, key in keys.items():
            if not KEY_ID.match(kid) or len(key) != KEY_BYTES:
                raise ValueError(f"token key {kid!r}: a key id of letters, digits, - and _, "
                                 f"and {KEY_BYTES} bytes")
        if active_kid not in keys:
            raise ValueError(f"active token key {active_kid!r} is not in the key ring")
        self._keys = dict(keys)
        self._active_kid = active_kid
        self._aead: dict[str, Any] = {}

    @classmethod
    def from_key_ring(cls, keys: Mapping[str, str], active_kid: str) -> AesGcmTokenCipher:
        """From settings' `token_keys` (key id -> base64 of 32 bytes)."""
        return cls({kid: base64.b64decode(key, validate=True) for kid, key in keys.items()},
                   active_kid)

    def __repr__(self) -> str:
        return f"AesGcmTokenCipher(key_ids={sorted(self._keys)}, active={self._active_kid!r})"

    def _cipher(self, kid: str) -> Any:
        if kid not in self._aead:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead[kid] = AESGCM(self._keys[kid])
        return self._aead[kid]

    def encrypt(self, secret: str, owner: str, provider: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher(self._active_kid).encrypt(
            nonce, secret.encode(), _associated(owner, provider))
        return ".".join((VERSION, self._active_kid, _b64(nonce), _b64(sealed)))

    def sealed_with_active(self, ciphertext: str) -> bool:
        parts = ciphertext.split(".")
        return len(parts) == 4 and parts[1] == self._active_kid

    def decrypt(self, ciphertext: str, owner: str, provider: str) -> str:
        from cryptography.exceptions import InvalidTag

        parts = ciphertext.split(".")
        if len(parts) != 4 or parts[0] != VERSION:
            raise TokenDecryptionError("not a Penny token ciphertext")
        _, kid, nonce_text, sealed_text = parts
        if kid not in self._keys:
            # A newer key this container does not hold yet, or one retired too soon.
            raise UnknownTokenKeyError(
                f"token key {kid!r} is not in the key ring (newer than this container's "
                "ring, or retired before its tokens?)")
        try:
            nonce, sealed = _unb64(nonce_text), _unb64(sealed_text)
        except (binascii.Error, ValueError) as exc:
            raise TokenDecryptionError("token ciphertext is not base64url") from exc
        if len(nonce) != NONCE_BYTES:
            raise TokenDecryptionError("token ciphertext has a malformed nonce")
        try:
            plain: bytes = self._cipher(kid).decrypt(nonce, sealed, _associated(owner, provider))
        except InvalidTag as exc:
            raise TokenDecryptionError(
                f"token ciphertext does not belong to {owner} at {provider}, or was altered"
            ) from exc
        return plain.decode()
