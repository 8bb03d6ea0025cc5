"""The Stripe objects the fake hands out, as JSON dicts in the API's own shape (the fields
Penny or a reader could look at; Stripe has many more). Each builder returns a fresh dict
that the fake then keeps and changes in place, as Stripe changes its objects."""

from __future__ import annotations

import copy
import time
from typing import Any

from sandbox.stripe_wire import new_id

# The version the installed SDK pins (stripe 16.1): events carry the account's version.
API_VERSION = "2026-10-28.endive"


def now() -> int:
    return int(time.time())


def account(email: str | None, name: str | None, country: str, url: str | None,
            meta: dict[str, str]) -> dict[str, Any]:
    return {"id": new_id("acct_", 16), "object": "account", "type": "standard",
            "business_profile": {"name": name, "url": url, "mcc": None,
                                 "support_email": None},
            "business_type": None, "capabilities": {}, "charges_enabled": False,
            "country": country, "created": now(), "default_currency": "usd",
            "details_submitted": False, "email": email, "metadata": meta,
            "payouts_enabled": False,
            "requirements": {"currently_due": ["business_type", "external_account",
                                               "tos_acceptance.date"],
                             "disabled_reason": "requirements.past_due"},
            "settings": {"dashboard": {"display_name": name, "timezone": "Etc/UTC"}}}


def onboarded(found: dict[str, Any]) -> dict[str, Any]:
    """The account's changed fields once its owner finished onboarding (the event's
    `previous_attributes` are their old values)."""
    before = {"charges_enabled": found["charges_enabled"],
              "details_submitted": found["details_submitted"],
              "payouts_enabled": found["payouts_enabled"]}
    found.update(charges_enabled=True, details_submitted=True, payouts_enabled=True,
                 requirements={"currently_due": [], "disabled_reason": None})
    return before


def account_link(url: str, created: int) -> dict[str, Any]:
    # Account Links last a few minutes and open once.
    return {"object": "account_link", "created": created, "expires_at": created + 300,
            "url": url}


def checkout_session(session_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"id": session_id, "object": "checkout.session", "livemode": False,
            "created": now(), "mode": "payment", "status": "open",
            "payment_status": "unpaid", "payment_intent": None, "customer": None,
            "customer_details": None, "payment_method_types": ["card"],
            "ui_mode": "hosted", "locale": None, **fields}


def payment_intent(session: dict[str, Any], meta: dict[str, str]) -> dict[str, Any]:
    return {"id": new_id("pi_"), "object": "payment_intent", "livemode": False,
            "created": now(), "amount": session["amount_total"],
            "amount_received": session["amount_total"], "amount_capturable": 0,
            "currency": session["currency"], "capture_method": "automatic_async",
            "status": "succeeded", "latest_charge": None, "metadata": meta,
            "description": None, "payment_method_types": ["card"],
            "receipt_email": session.get("customer_email")}


def charge(intent: dict[str, Any]) -> dict[str, Any]:
    return {"id": new_id("ch_"), "object": "charge", "livemode": False, "created": now(),
            "amount": intent["amount"], "amount_captured": intent["amount"],
            "amount_refunded": 0, "captured": True, "paid": True, "refunded": False,
            "disputed": False,
            "status": "succeeded", "currency": intent["currency"],
            "payment_intent": intent["id"], "metadata": dict(intent["metadata"]),
            "receipt_email": intent["receipt_email"], "failure_code": None,
            "failure_message": None}


def refund(paid: dict[str, Any], amount: int, meta: dict[str, str],
           reason: str | None) -> dict[str, Any]:
    return {"id": new_id("re_"), "object": "refund", "amount": amount,
            "balance_transaction": None, "charge": paid["id"], "created": now(),
            "currency": paid["currency"], "metadata": meta,
            "payment_intent": paid["payment_intent"], "reason": reason,
            "receipt_number": None, "status": "succeeded"}


def dispute(paid: dict[str, Any], reason: str) -> dict[str, Any]:
    """A dispute (a chargeback) the client's bank opened on a charge: the money held
    back from the account until the host answers it (by `evidence_details.due_by`)."""
    return {"id": new_id("dp_"), "object": "dispute", "amount": paid["amount"],
            "balance_transactions": [], "charge": paid["id"], "created": now(),
            "currency": paid["currency"], "evidence_details": {
                "due_by": now() + 7 * 86400, "has_evidence": False, "past_due": False,
                "submission_count": 0},
            "is_charge_refundable": False, "livemode": False, "metadata": {},
            "payment_intent": paid["payment_intent"], "reason": reason,
            "status": "needs_response"}


def event(kind: str, data: dict[str, Any], account_id: str | None,
          request: tuple[str | None, str | None],
          previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event as a webhook delivers it, with a snapshot of `data` as it is now;
    `account` is there only for a connected account's events (Connect)."""
    found: dict[str, Any] = {"id": new_id("evt_"), "object": "event",
                             "api_version": API_VERSION, "created": now(),
                             "data": {"object": copy.deepcopy(data)},
                             "livemode": False,
                             "pending_webhooks": 0,
                             "request": {"id": request[0], "idempotency_key": request[1]},
                             "type": kind}
    if previous is not None:
        found["data"]["previous_attributes"] = previous
    if account_id is not None:
        found["account"] = account_id
    return found
