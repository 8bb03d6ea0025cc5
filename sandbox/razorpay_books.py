"""The fake Razorpay's merchants and their books: each merchant with its own key id, key
secret and webhook secret, and per merchant its orders, payments, refunds and disputes.
An order is made here; an id of another merchant is "does not exist", never
"forbidden"; what is read is a snapshot, taken under the one lock.

RazorpayStore (razorpay_store.py) is made of these books and what changes them:
razorpay_customer_payments.py and razorpay_refunds.py.
"""

from __future__ import annotations

import copy
import hmac
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.razorpay_wire import NO_SUCH_ID, Entity, RazorpayError, hex_hmac, new_id, notes_out


@dataclass
class Merchant:
    """One Razorpay account, as a host signed it up, with its webhook (one URL here)."""

    name: str
    key_id: str
    key_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    account_id: str
    webhook_url: str | None = None
    webhook_events: frozenset[str] | None = None  # None: every event
    # Account & Settings → Payment capture: False (Razorpay's default) captures every
    # payment at once; True leaves each `authorized` until the merchant captures it.
    manual_capture: bool = False

    def signature(self, order_id: str, payment_id: str) -> str:
        """What Checkout hands its `handler` as `razorpay_signature`."""
        return hex_hmac(self.key_secret, f"{order_id}|{payment_id}")


@dataclass
class Books:
    orders: dict[str, Entity] = field(default_factory=dict)
    payments: dict[str, Entity] = field(default_factory=dict)
    refunds: dict[str, Entity] = field(default_factory=dict)
    disputes: dict[str, Entity] = field(default_factory=dict)   # sandbox/razorpay_disputes.py
    # X-Refund-Idempotency keys: the request each was first sent with, and its refund.
    refund_keys: dict[str, tuple[str, Entity]] = field(default_factory=dict)


class RazorpayBooks:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.merchants: dict[str, Merchant] = {}
        self._books: dict[str, Books] = {}
        self._failures = 0

    def add(self, merchant: Merchant) -> Merchant:
        with self.lock:
            self.merchants[merchant.key_id] = merchant
            self._books.setdefault(merchant.key_id, Books())
        return merchant

    def authenticate(self, key_id: str, key_secret: str) -> Merchant | None:
        with self.lock:
            merchant = self.merchants.get(key_id)
        if merchant is None or not hmac.compare_digest(merchant.key_secret.encode(),
                                                       key_secret.encode()):
            return None
        return merchant

    def owner(self, order_id: str) -> Merchant:
        """The merchant whose order this is (for the sandbox's own controls)."""
        with self.lock:
            for key_id, books in self._books.items():
                if order_id in books.orders:
                    return self.merchants[key_id]
        raise RazorpayError(NO_SUCH_ID, "order_id")

    def books(self, merchant: Merchant) -> Books:
        return self._books[merchant.key_id]

    def find(self, merchant: Merchant, kind: str, entity_id: str) -> Entity:
        """A snapshot of one order, payment or refund of this merchant."""
        with self.lock:
            found = getattr(self.books(merchant), kind).get(entity_id)
            if found is None:
                raise RazorpayError(NO_SUCH_ID, "id")
            return copy.deepcopy(found)

    def listed(self, merchant: Merchant, kind: str, **match: Any) -> list[Entity]:
        """Snapshots, newest first, of those whose fields equal `match`."""
        with self.lock:
            items = reversed(list(getattr(self.books(merchant), kind).values()))
            found = [copy.deepcopy(e) for e in items
                     if all(e.get(k) == v for k, v in match.items())]
        # Newest first: by second, then (a stable sort) the later-made first within one.
        return sorted(found, key=lambda e: e["created_at"], reverse=True)

    def create_order(self, merchant: Merchant, amount: int, currency: str,
                     receipt: str | None, notes: dict[str, Any] | None) -> Entity:
        order: Entity = {
            "id": new_id("order"), "entity": "order", "amount": amount, "amount_paid": 0,
            "amount_due": amount, "currency": currency, "receipt": receipt, "offer_id": None,
            "status": "created", "attempts": 0, "notes": notes_out(notes),
            "created_at": int(time.time())}
        with self.lock:
            self.books(merchant).orders[order["id"]] = order
            return copy.deepcopy(order)
