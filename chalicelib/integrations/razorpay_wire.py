"""What Penny writes to Razorpay and reads back, beside the SDK (razorpay_payments.py's
and razorpay_events.py's): a payment id fit for a URL's path, the receipt a key gives,
an entity's notes, a refund answered.

Checkout passes `notes` to the payment and the order keeps its own: the booking
uid is read from whichever carries it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.errors import ProviderRejectedError, ProviderUnavailableError
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import Refund

PROVIDER = "razorpay"
RECEIPT_LENGTH = 40     # Razorpay's limit on an order's or refund's receipt
PAYMENT_ID = re.compile(r"pay_[A-Za-z0-9]{1,40}")
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{10,40}")  # 40: as a receipt, though none is set


def check_payment_id(payment_id: str) -> None:
    if not PAYMENT_ID.fullmatch(payment_id):  # it goes into the URL's path
        raise ProviderRejectedError(PROVIDER, f"{payment_id!r} is not a Razorpay payment id")


def receipt(key: str) -> str:
    """The receipt for what `key` makes: the key itself when it fits, else its hash."""
    if 0 < len(key) <= RECEIPT_LENGTH and key.isascii() and key.isprintable():
        return key
    return "penny_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:RECEIPT_LENGTH - 6]


def idempotency_key(key: str) -> str:
    """A refund's X-Refund-Idempotency key for what `key` makes: the key itself when
    Razorpay takes it (10 or more letters, digits, hyphens, underscores), else its hash."""
    if IDEMPOTENCY_KEY.fullmatch(key):
        return key
    return "penny_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:RECEIPT_LENGTH - 6]


def note(entity: Any, name: str) -> str | None:
    notes = entity.get("notes") if isinstance(entity, dict) else None
    value = notes.get(name) if isinstance(notes, dict) else None  # empty notes come as []
    return str(value) if value not in (None, "") else None


def read_refund(found: Mapping[str, Any]) -> Refund:
    try:
        return Refund(id=str(found["id"]), payment_id=str(found["payment_id"]),
                      amount=Price(int(found["amount"]), str(found["currency"]).upper()))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderUnavailableError(PROVIDER, "Razorpay answered a refund without its "
                                       "id, payment or amount") from exc
