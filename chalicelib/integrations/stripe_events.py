"""A verified Stripe event (as its JSON dict) read as the PaymentEvent Penny acts on.

Penny fulfils from the Checkout Session's own events, which name the session and carry
the booking uid Penny set in its metadata: `checkout.session.completed` once it is paid
(a delayed method completes it unpaid first, then sends `async_payment_succeeded` or
`async_payment_failed`), and `checkout.session.expired`. A refund's events carry the
booking uid the adapter copied into the refund's metadata: `succeeded` is the money gone
back; `failed` (`refund.failed`, or `refund.updated` to it: the card was closed or
replaced, and Stripe put the money back in the account's balance) is a refund that did
not reach the client after all. `account.application.deauthorized` names a connected
account that disconnected Penny (about no booking). Everything else is None: the
PaymentIntent's events name no session, and an event without Penny's metadata (a
payment the host took some other way on the same account) is not Penny's.

A refund the host makes in Stripe's own dashboard carries none of Penny's metadata, so
its refund events name no booking; `charge.refunded` does (the charge keeps the
PaymentIntent's metadata) and says how much of the charge has gone back in all
(`amount_refunded`). A refund Penny made itself is told by its own refund events
(with its id, which a later failure names): its `charge.refunded`, made under Penny's
idempotency key, is left to them.

`charge.dispute.created` (the client disputed the payment with their bank) and
`charge.dispute.closed` (the bank decided: its status `won`, `lost`, or `warning_closed`
for an inquiry closed without a chargeback) name the PaymentIntent but carry no metadata:
the adapter reads the booking uid off the PaymentIntent (`disputed_intent`, then
`dispute_event`). `charge.dispute.funds_withdrawn` and `funds_reinstated` say no more than
these two do (the money is held back at the opening, and given back on a win).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import PaymentEvent, PaymentEventKind
from chalicelib.integrations.stripe_amounts import from_stripe

_SESSION = {"checkout.session.completed": PaymentEventKind.PAID,
            "checkout.session.async_payment_succeeded": PaymentEventKind.PAID,
            "checkout.session.async_payment_failed": PaymentEventKind.FAILED,
            "checkout.session.expired": PaymentEventKind.EXPIRED}
_REFUND = frozenset({"refund.created", "refund.updated", "refund.failed"})
DISPUTE_OPENED = "charge.dispute.created"
DISPUTE_CLOSED = "charge.dispute.closed"
# A closed dispute's status, as Penny records its outcome.
_OUTCOMES = {"won": "won", "lost": "lost", "warning_closed": "closed"}
PENNY_KEYS = "penny-"   # the idempotency keys of Penny's own calls (stripe_calls.penny_key)


def payment_event(event: dict[str, Any]) -> PaymentEvent | None:
    kind = str(event.get("type", ""))
    if kind == "account.application.deauthorized":
        account = event.get("account")
        return PaymentEvent(str(event["id"]), PaymentEventKind.ACCOUNT_REVOKED, "", "",
                            account=str(account)) if account else None
    found = (event.get("data") or {}).get("object") or {}
    booking_uid = (found.get("metadata") or {}).get("booking_uid")
    if not booking_uid or (kind not in _SESSION and kind not in _REFUND
                           and kind != "charge.refunded"):
        return None
    account = event.get("account")
    if kind == "charge.refunded":
        request = event.get("request") or {}
        if str(request.get("idempotency_key") or "").startswith(PENNY_KEYS) or \
                not found.get("payment_intent"):
            return None  # Penny's own refund: its refund events tell it, with its id
        total = _price(found, "amount_refunded")
        return PaymentEvent(str(event["id"]), PaymentEventKind.REFUNDED, str(booking_uid), "",
                            found.get("payment_intent"), total, account,
                            refunded_minor=total.amount_minor if total else None)
    if kind in _REFUND:
        refunded = {"succeeded": PaymentEventKind.REFUNDED,
                    "failed": PaymentEventKind.REFUND_FAILED}.get(str(found.get("status")))
        if refunded is None:
            return None  # pending, or cancelled before it went: no money moved yet
        return PaymentEvent(str(event["id"]), refunded, str(booking_uid), "",
                            found.get("payment_intent"), _price(found, "amount"), account,
                            refund_id=found.get("id"))
    if kind == "checkout.session.completed" and found.get("payment_status") != "paid":
        return None  # a delayed payment method: its outcome comes as an async_* event
    return PaymentEvent(str(event["id"]), _SESSION[kind], str(booking_uid), str(found["id"]),
                        found.get("payment_intent"), _price(found, "amount_total"), account)


def disputed_intent(event: dict[str, Any]) -> str | None:
    """The PaymentIntent a dispute's opening or close is about (None for any other event,
    and for a close whose status is no outcome Penny knows)."""
    found = (event.get("data") or {}).get("object") or {}
    kind = event.get("type")
    if kind != DISPUTE_OPENED and (kind != DISPUTE_CLOSED
                                   or found.get("status") not in _OUTCOMES):
        return None
    intent = found.get("payment_intent")
    return str(intent) if intent else None


def dispute_event(event: dict[str, Any], booking_uid: str) -> PaymentEvent:
    """A dispute's opening or close, for the booking its PaymentIntent names."""
    found = (event.get("data") or {}).get("object") or {}
    closed = event.get("type") == DISPUTE_CLOSED
    return PaymentEvent(str(event["id"]), PaymentEventKind.DISPUTE_CLOSED if closed
                        else PaymentEventKind.DISPUTED, booking_uid, "",
                        found.get("payment_intent"), _price(found, "amount"),
                        event.get("account"), dispute_id=found.get("id"),
                        reason=found.get("reason"),
                        outcome=_OUTCOMES.get(str(found.get("status"))) if closed else None)


def _price(found: dict[str, Any], field: str) -> Price | None:
    """The amount in Penny's minor unit (Stripe's is another for a few currencies)."""
    amount, currency = found.get(field), found.get("currency")
    if not isinstance(amount, int) or not isinstance(currency, str):
        return None
    return from_stripe(amount, currency)
