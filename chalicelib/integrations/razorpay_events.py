"""A Razorpay webhook's event read as the port's PaymentEvent (razorpay_payments.py's
verify_webhook reads it once the signature matched).

A dispute's webhooks (`payment.dispute.created`, then `.won`, `.lost` or `.closed`) carry
the payment, with Checkout's notes, beside the dispute: the booking is read off the
payment, the dispute's id, reason code, amount and end off the dispute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import PaymentEvent, PaymentEventKind
from chalicelib.integrations.razorpay_wire import note

KINDS = {"payment.authorized": PaymentEventKind.AUTHORIZED,
         "payment.captured": PaymentEventKind.PAID, "order.paid": PaymentEventKind.PAID,
         "payment.failed": PaymentEventKind.FAILED,
         "refund.processed": PaymentEventKind.REFUNDED,
         "refund.failed": PaymentEventKind.REFUND_FAILED,
         "payment.dispute.created": PaymentEventKind.DISPUTED,
         "payment.dispute.won": PaymentEventKind.DISPUTE_CLOSED,
         "payment.dispute.lost": PaymentEventKind.DISPUTE_CLOSED,
         "payment.dispute.closed": PaymentEventKind.DISPUTE_CLOSED}
# A dispute's end, as Penny records it: `closed` is a retrieval request (an inquiry)
# closed without a chargeback. (under_review and action_required change nothing Penny
# shows: the host answers the dispute at Razorpay either way.)
DISPUTE_OUTCOMES = {"payment.dispute.won": "won", "payment.dispute.lost": "lost",
                    "payment.dispute.closed": "closed"}


def _entity(event: Mapping[str, Any], name: str) -> dict[str, Any]:
    payload = event.get("payload")
    wrapper = payload.get(name) if isinstance(payload, dict) else None
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}


def payment_event(event_id: str, event: Mapping[str, Any]) -> PaymentEvent | None:
    kind = KINDS.get(str(event.get("event")))
    if kind is None:
        return None
    payment, order, refund, dispute = (_entity(event, name) for name in (
        "payment", "order", "refund", "dispute"))
    booking_uid = note(order, "booking_uid") or note(payment, "booking_uid")
    order_id = order.get("id") or payment.get("order_id")
    refunding = kind in (PaymentEventKind.REFUNDED, PaymentEventKind.REFUND_FAILED)
    disputing = kind in (PaymentEventKind.DISPUTED, PaymentEventKind.DISPUTE_CLOSED)
    money = refund if refunding else dispute if disputing else payment
    if not booking_uid or not order_id or not payment.get("id"):
        return None  # not a payment for one of Penny's orders
    amount = None
    if isinstance(money.get("amount"), int) and money.get("currency"):
        amount = Price(int(money["amount"]), str(money["currency"]).upper())
    # The payment's own running total (all its refunds, the host's among them), which a
    # refund's events carry beside the refund: what the booking records.
    total = payment.get("amount_refunded") if refunding else None
    return PaymentEvent(id=event_id, kind=kind, booking_uid=booking_uid,
                        checkout_id=str(order_id), payment_id=str(payment["id"]),
                        amount=amount, refund_id=str(refund["id"]) if refund.get("id") else None,
                        refunded_minor=total if isinstance(total, int) else None,
                        dispute_id=str(dispute["id"]) if disputing and dispute.get("id")
                        else None,
                        reason=str(dispute["reason_code"]) if disputing
                        and dispute.get("reason_code") else None,
                        outcome=DISPUTE_OUTCOMES.get(str(event.get("event"))))
