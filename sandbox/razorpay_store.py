"""The fake Razorpay's books: merchants, each with its own key id, key secret and webhook
secret, and their orders, payments and refunds, kept as the dicts Razorpay renders.

Every change happens under one lock and returns the webhook events it caused, each as
`(event, contains, entities)` with snapshots of the entities at that moment (Razorpay's
payloads are snapshots too); the caller queues them for the webhook sender.

Razorpay's quirks kept: ids are a prefix and 14 base62 characters; `created_at` is
unix seconds; empty `notes` render as `[]` (a PHP empty array), not `{}`; an id of another
merchant is "does not exist", never "forbidden".

RazorpayStore is made of the books (razorpay_books.py: merchants, lookups, an order
made), the customers' payments and their capture (razorpay_customer_payments.py) and the
refunds (razorpay_refunds.py); the disputes are razorpay_disputes.py's, on the same
books, and the ids, signatures, notes and errors razorpay_wire.py's. This module names
them all.
"""

from __future__ import annotations

from sandbox.razorpay_books import Merchant
from sandbox.razorpay_customer_payments import RazorpayCustomerPayments
from sandbox.razorpay_refunds import RazorpayRefunds
from sandbox.razorpay_wire import (
    NO_SUCH_ID,
    Entity,
    Events,
    RazorpayError,
    hex_hmac,
    new_id,
    notes_out,
)

__all__ = [
    "NO_SUCH_ID",
    "Entity",
    "Events",
    "Merchant",
    "RazorpayError",
    "RazorpayStore",
    "hex_hmac",
    "new_id",
    "notes_out",
]


class RazorpayStore(RazorpayCustomerPayments, RazorpayRefunds):
    """The merchants' books and every change the fake Razorpay makes to them."""
