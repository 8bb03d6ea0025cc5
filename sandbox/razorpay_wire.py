"""The fake Razorpay's wire basics: an entity and the webhook events a change causes, ids
(a prefix and 14 base62 characters), a hex HMAC-SHA256 (Checkout's signature, the
webhooks'), `notes` as Razorpay renders them (empty: `[]`, a PHP empty array, not `{}`),
the refusal the API renders as `{"error": {...}}`, and the three-decimal currencies'
amounts: in thousandths, their last digit 0, as Razorpay's docs ask ("pass the last decimal
number as 0 for three decimal currency payments": 99.991 KD is sent as 99990, not 99991;
the refusal's wording is the sandbox's own).

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
# The three-decimal currencies Razorpay's docs name ("such as KWD, BHD and OMR").
THREE_DECIMAL = frozenset({"KWD", "BHD", "OMR"})


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


def digits(currency: str) -> int:
    """How many decimals Razorpay's subunit of the currency has."""
    return 3 if currency in THREE_DECIMAL else 2


def check_subunits(amount: int, currency: str) -> None:
    """Refuse a three-decimal amount whose last digit is not 0, as Razorpay does."""
    if currency in THREE_DECIMAL and amount % 10:
        raise RazorpayError(f"The last decimal digit of a {currency} amount must be 0 "
                            f"(three decimal currency): {amount - amount % 10} or "
                            f"{amount - amount % 10 + 10}, not {amount}", "amount")
