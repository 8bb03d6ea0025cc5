"""The fake Razorpay's books: merchants, each with its own key id, key secret and webhook
secret, and their orders, payments and refunds, kept as the dicts Razorpay renders.

Every change happens under one lock and returns the webhook events it caused, each as
`(event, contains, entities)` with snapshots of the entities at that moment (Razorpay's
payloads are snapshots too); the caller queues them for the webhook sender.

Razorpay's quirks kept here: ids are a prefix and 14 base62 characters; `created_at` is
unix seconds; empty `notes` render as `[]` (a PHP empty array), not `{}`; an id of another
merchant is "does not exist", never "forbidden".
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
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
class _Books:
    orders: dict[str, Entity] = field(default_factory=dict)
    payments: dict[str, Entity] = field(default_factory=dict)
    refunds: dict[str, Entity] = field(default_factory=dict)
    disputes: dict[str, Entity] = field(default_factory=dict)   # sandbox/razorpay_disputes.py


class RazorpayStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.merchants: dict[str, Merchant] = {}
        self._books: dict[str, _Books] = {}
        self._failures = 0

    def add(self, merchant: Merchant) -> Merchant:
        with self.lock:
            self.merchants[merchant.key_id] = merchant
            self._books.setdefault(merchant.key_id, _Books())
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

    def books(self, merchant: Merchant) -> _Books:
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

    def fail_next_payments(self, times: int) -> None:
        with self.lock:
            self._failures += times

    def pay(self, merchant: Merchant, order_id: str, method: str = "upi",
            notes: dict[str, Any] | None = None, email: str = "", contact: str = "",
            description: str | None = None, opened_before_paid: bool = False
            ) -> tuple[Entity, Events]:
        """A customer pays the order (captured at once, or left `authorized` for a
        merchant on manual capture), or fails to when a test queued a failure: the payment
        and its events. `opened_before_paid`: a Checkout the client
        opened before the order was paid (a second tab), which Razorpay still captures."""
        with self.lock:
            order = self.books(merchant).orders.get(order_id)
            if order is None:
                raise RazorpayError(NO_SUCH_ID, "order_id")
            if order["status"] == "paid" and not opened_before_paid:
                raise RazorpayError("Order has already been paid", "order_id")
            failing = self._failures > 0
            self._failures -= int(failing)
            payment = _payment(order, method, notes, email, contact, description, failing)
            self.books(merchant).payments[payment["id"]] = payment
            order["attempts"] += 1
            if failing:
                order["status"] = "attempted"
                return copy.deepcopy(payment), [("payment.failed", ("payment",),
                                                 {"payment": copy.deepcopy(payment)})]
            authorized = {**copy.deepcopy(payment), "status": "authorized", "captured": False,
                          "fee": None, "tax": None}
            if merchant.manual_capture:
                # Held on the client's card until captured: the order is only attempted.
                payment.clear()
                payment.update(copy.deepcopy(authorized))
                order["status"] = "attempted"
                return copy.deepcopy(payment), [("payment.authorized", ("payment",),
                                                 {"payment": authorized})]
            order.update(status="paid", amount_paid=order["amount"], amount_due=0)
            snapshot = copy.deepcopy(payment)
            return snapshot, [
                ("payment.authorized", ("payment",), {"payment": authorized}),
                ("payment.captured", ("payment",), {"payment": snapshot}),
                ("order.paid", ("payment", "order"),
                 {"payment": copy.deepcopy(payment), "order": copy.deepcopy(order)})]

    def capture(self, merchant: Merchant, payment_id: str, amount: int,
                currency: str | None) -> tuple[Entity, Events]:
        """The merchant captures an authorized payment, for exactly its amount: the order
        is paid, and payment.captured and order.paid are sent."""
        with self.lock:
            payment = self.books(merchant).payments.get(payment_id)
            if payment is None:
                raise RazorpayError(NO_SUCH_ID, "id")
            if payment["status"] in ("captured", "refunded"):
                raise RazorpayError("This payment has already been captured", "payment_id")
            if payment["status"] != "authorized":
                raise RazorpayError("Only payments which have been authorized and not yet "
                                    "captured can be captured", "payment_id")
            if amount != payment["amount"]:
                raise RazorpayError("Capture amount must be equal to the amount authorized",
                                    "amount")
            if currency is not None and currency != payment["currency"]:
                raise RazorpayError("Currency should be same as that of the payment",
                                    "currency")
            payment.update(status="captured", captured=True, fee=amount * 2 // 100, tax=0)
            order = self.books(merchant).orders.get(payment.get("order_id") or "")
            events: Events = [("payment.captured", ("payment",),
                               {"payment": copy.deepcopy(payment)})]
            if order is not None:
                order.update(status="paid", amount_paid=order["amount"], amount_due=0)
                events.append(("order.paid", ("payment", "order"),
                               {"payment": copy.deepcopy(payment),
                                "order": copy.deepcopy(order)}))
            return copy.deepcopy(payment), events

    def refund(self, merchant: Merchant, payment_id: str, amount: int | None, speed: str,
               notes: dict[str, Any] | None, receipt: str | None) -> tuple[Entity, Events]:
        with self.lock:
            payment = self.books(merchant).payments.get(payment_id)
            if payment is None:
                raise RazorpayError(NO_SUCH_ID, "id")
            if payment["status"] not in ("captured", "refunded"):
                raise RazorpayError("The payment has not been captured", "payment_id")
            left = payment["amount"] - payment["amount_refunded"]
            if left == 0:
                raise RazorpayError("The payment has been fully refunded already", "id")
            amount = left if amount is None else amount
            if amount > left:
                raise RazorpayError("The refund amount provided is greater than amount "
                                    "captured", "amount")
            refund: Entity = {
                "id": new_id("rfnd"), "entity": "refund", "amount": amount,
                "currency": payment["currency"], "payment_id": payment_id,
                "notes": notes_out(notes), "receipt": receipt, "acquirer_data": {"arn": None},
                "created_at": int(time.time()), "batch_id": None, "status": "processed",
                "speed_processed": "normal", "speed_requested": speed}
            self.books(merchant).refunds[refund["id"]] = refund
            payment["amount_refunded"] += amount
            full = payment["amount_refunded"] == payment["amount"]
            payment.update(refund_status="full" if full else "partial",
                           status="refunded" if full else "captured")
            entities = {"refund": copy.deepcopy(refund), "payment": copy.deepcopy(payment)}
            return copy.deepcopy(refund), [
                ("refund.created", ("refund", "payment"), copy.deepcopy(entities)),
                ("refund.processed", ("refund", "payment"), entities)]

    def fail_refund(self, merchant: Merchant, refund_id: str) -> tuple[Entity, Events]:
        with self.lock:
            return _refund_failed(self.books(merchant), refund_id)


def _refund_failed(books: _Books, refund_id: str) -> tuple[Entity, Events]:
    """The refund came back (the account or card can no longer take it): it fails, the
    payment counts its amount unrefunded again, and refund.failed is sent."""
    refund = books.refunds.get(refund_id)
    if refund is None:
        raise RazorpayError(NO_SUCH_ID, "id")
    if refund["status"] != "processed":
        raise RazorpayError(f"The refund is {refund['status']}", "id")
    refund["status"] = "failed"
    payment = books.payments[refund["payment_id"]]
    payment["amount_refunded"] -= refund["amount"]
    partial = payment["amount_refunded"] > 0
    payment.update(refund_status="partial" if partial else None, status="captured")
    entities = {"refund": copy.deepcopy(refund), "payment": copy.deepcopy(payment)}
    return copy.deepcopy(refund), [("refund.failed", ("refund", "payment"), entities)]


def _payment(order: Entity, method: str, notes: dict[str, Any] | None, email: str,
             contact: str, description: str | None, failing: bool) -> Entity:
    failure: dict[str, Any] = {
        "error_code": "BAD_REQUEST_ERROR", "error_description": "Payment failed",
        "error_source": "customer", "error_step": "payment_authentication",
        "error_reason": "payment_failed"} if failing else dict.fromkeys(
        ("error_code", "error_description", "error_source", "error_step", "error_reason"))
    return {"id": new_id("pay"), "entity": "payment", "amount": order["amount"],
            "currency": order["currency"], "status": "failed" if failing else "captured",
            "order_id": order["id"], "invoice_id": None, "international": False,
            "method": method, "amount_refunded": 0, "refund_status": None,
            "captured": not failing, "description": description, "card_id": None,
            "bank": None, "wallet": None, "vpa": "success@razorpay" if method == "upi" else None,
            "email": email or "void@razorpay.com", "contact": contact or "+919000090000",
            "notes": notes_out(notes), "fee": 0 if failing else order["amount"] * 2 // 100,
            "tax": 0, **failure, "acquirer_data": {} if failing else
            {"rrn": str(secrets.randbelow(10**12)).zfill(12)},
            "created_at": int(time.time())}
