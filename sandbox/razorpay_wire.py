"""The fake Razorpay's wire basics: an entity and the webhook events a change causes, ids
(a prefix and 14 base62 characters), a hex HMAC-SHA256 (Checkout's signature, the
webhooks'), `notes` as Razorpay renders them (empty: `[]`, a PHP empty array, not `{}`),
and the refusal the API renders as `{"error": {...}}`.

razorpay_store.py names these with the books that use them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from typing import Any

Entity = dict[str, Any]
Events = list[tuple[str, tuple[str, ...], dict[str, Entity]]]

_ALPHABET = string.ascii_letters + string.digits
NO_SUCH_ID = "The id provided does not exist"


def new_id(prefix: str) -> str:
    return f"{prefix}_{''.join(secrets.choice(_ALPHABET) for _ in range(14))}"


def hex_hmac(secret: str, message: str | bytes) -> str:
    data = message.encode("utf-8") if isinstance(message, str) else message
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def notes_out(notes: dict[str, Any] | None) -> dict[str, Any] | list[Any]:
    return dict(notes) if notes else []


class RazorpayError(Exception):
    """A request Razorpay refuses, rendered as `{"error": {...}}` by the API."""

    def __init__(self, description: str, field: str | None = None, status: int = 400,
                 code: str = "BAD_REQUEST_ERROR", reason: str = "input_validation_failed",
                 metadata: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.description, self.field, self.status = description, field, status
        self.code, self.reason, self.metadata = code, reason, metadata or {}
