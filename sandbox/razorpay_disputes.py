"""The fake Razorpay's disputes (chargebacks): a client's bank opens one on a captured
payment, and decides it, each change sending its webhook as Razorpay does
(`payment.dispute.created`, `.won`, `.lost`, `.closed`), with the payment and the dispute
as they are then. Called under the store's lock, on one merchant's books.

Razorpay's dispute entity: `disp_` id, the payment's id, amount and currency,
`amount_deducted` (0 until lost), `reason_code`, `respond_by`, `status` (`open`, then
`won`, `lost`, or `closed`: a retrieval request closed without a chargeback), `phase`.
"""

from __future__ import annotations

import copy
import time
from typing import Any, Protocol

from sandbox.razorpay_store import NO_SUCH_ID, Entity, Events, RazorpayError, new_id

OUTCOMES = ("won", "lost", "closed")


class _Books(Protocol):
    payments: dict[str, Entity]
    disputes: dict[str, Entity]


def open_dispute(books: _Books, payment_id: str, reason_code: str) -> tuple[Entity, Events]:
    payment = books.payments.get(payment_id)
    if payment is None:
        raise RazorpayError(NO_SUCH_ID, "payment_id")
    if payment["status"] not in ("captured", "refunded"):
        raise RazorpayError(f"The payment is {payment['status']}", "payment_id")
    now = int(time.time())
    dispute: dict[str, Any] = {
        "id": new_id("disp"), "entity": "dispute", "payment_id": payment_id,
        "amount": payment["amount"], "currency": payment["currency"], "amount_deducted": 0,
        "reason_code": reason_code, "respond_by": now + 7 * 86400, "status": "open",
        "phase": "chargeback", "created_at": now}
    books.disputes[dispute["id"]] = dispute
    payment["dispute"] = True
    return copy.deepcopy(dispute), [_event("payment.dispute.created", payment, dispute)]


def decide_dispute(books: _Books, dispute_id: str, status: str) -> tuple[Entity, Events]:
    if status not in OUTCOMES:
        raise ValueError(f"a dispute does not end as {status}")
    dispute = books.disputes.get(dispute_id)
    if dispute is None:
        raise RazorpayError(NO_SUCH_ID, "id")
    if dispute["status"] in OUTCOMES:
        raise RazorpayError(f"The dispute is {dispute['status']}", "id")
    dispute.update(status=status,
                   amount_deducted=dispute["amount"] if status == "lost" else 0)
    payment = books.payments[dispute["payment_id"]]
    return copy.deepcopy(dispute), [_event(f"payment.dispute.{status}", payment, dispute)]


def _event(name: str, payment: Entity, dispute: Entity
           ) -> tuple[str, tuple[str, ...], dict[str, Entity]]:
    return (name, ("payment", "dispute"),
            {"payment": copy.deepcopy(payment), "dispute": copy.deepcopy(dispute)})
