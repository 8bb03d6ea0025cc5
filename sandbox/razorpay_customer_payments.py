"""A customer pays an order on the fake Razorpay (the payment captured at once, left
`authorized` for a merchant on manual capture, or failed when a test queued a failure),
and the merchant captures an authorized one; each returns the webhook events it caused.

RazorpayStore (razorpay_store.py) is made of these, the refunds and the books
(razorpay_books.py).
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from sandbox.razorpay_books import Merchant, RazorpayBooks
from sandbox.razorpay_wire import NO_SUCH_ID, Entity, Events, RazorpayError, new_id, notes_out


class RazorpayCustomerPayments(RazorpayBooks):
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
