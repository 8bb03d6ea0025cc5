"""Refunds on the fake Razorpay: the merchant refunds a captured payment (all of what is
left, or part; in KWD, BHD and OMR with the last digit 0), and a refund comes back
failed; each returns the webhook events it caused.

RazorpayStore (razorpay_store.py) is made of these, the customers' payments and the
books (razorpay_books.py).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from sandbox.razorpay_books import Books, Merchant, RazorpayBooks
from sandbox.razorpay_wire import (
    NO_SUCH_ID,
    Entity,
    Events,
    RazorpayError,
    check_subunits,
    new_id,
    notes_out,
)


class RazorpayRefunds(RazorpayBooks):
    def refund(self, merchant: Merchant, payment_id: str, amount: int | None, speed: str,
               notes: dict[str, Any] | None, receipt: str | None,
               idempotency: tuple[str, str] | None = None) -> tuple[Entity, Events]:
        """`idempotency`: the X-Refund-Idempotency key and the request it came with. A key
        seen before answers its first refund again, and no events, when the request is the
        same; another request under it is refused, as Razorpay documents
        (razorpay.com/docs/api/refunds/normal-refunds-idempotent)."""
        with self.lock:
            if idempotency is not None:
                key, request = idempotency
                seen = self.books(merchant).refund_keys.get(key)
                if seen is not None:
                    if seen[0] != request:
                        raise RazorpayError("Different request with the same idempotency key "
                                            "has already been processed.")
                    return copy.deepcopy(seen[1]), []
            made, events = self._refund(merchant, payment_id, amount, speed, notes, receipt)
            if idempotency is not None:
                self.books(merchant).refund_keys[idempotency[0]] = (idempotency[1],
                                                                     copy.deepcopy(made))
            return made, events

    def _refund(self, merchant: Merchant, payment_id: str, amount: int | None, speed: str,
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
            check_subunits(amount, payment["currency"])
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


def _refund_failed(books: Books, refund_id: str) -> tuple[Entity, Events]:
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
