"""A Checkout Session on the fake Stripe: opened with its line items and the metadata its
PaymentIntent will carry, paid by the customer (a PaymentIntent and its charge), or
expired; each change emits Stripe's events for it.

StripeLedger (stripe_ledger.py) is made of these, the refunds, the disputes and the
store (stripe_store.py), which expires a session past its time when it is looked at.
"""

from __future__ import annotations

from typing import Any

from sandbox import stripe_objects as objects
from sandbox.stripe_store import NO_REQUEST, Request, StripeStore
from sandbox.stripe_wire import StripeFailure


class SessionOverError(Exception):
    """The Checkout Session cannot be paid: it is complete or expired (`status`)."""

    def __init__(self, status: str) -> None:
        super().__init__(f"the Checkout Session is {status}")
        self.status = status


class StripeSessionPayments(StripeStore):
    def open_session(self, account: str | None, session: dict[str, Any],
                     items: list[dict[str, Any]], intent_meta: dict[str, str]) -> None:
        with self.lock:
            self.add(account, session)
            self._items[session["id"]] = items
            self._intent_meta[session["id"]] = intent_meta

    def items(self, session_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._items.get(session_id, []))

    def pay(self, session_id: str, email: str | None = None,
            name: str | None = None) -> dict[str, Any]:
        """The customer pays an open session: a succeeded PaymentIntent and its charge, the
        session complete and paid, then payment_intent.succeeded and
        checkout.session.completed."""
        with self.lock:
            account, session = self._find(session_id)
            if session["status"] != "open":
                raise SessionOverError(session["status"])
            intent = self.add(account, objects.payment_intent(
                session, dict(self._intent_meta.get(session_id, {}))))
            paid = self.add(account, objects.charge(intent))
            intent["latest_charge"] = paid["id"]
            session.update(status="complete", payment_status="paid", url=None,
                           payment_intent=intent["id"],
                           customer_details={"email": email or session["customer_email"],
                                             "name": name, "phone": None})
            self.emit("payment_intent.succeeded", intent, account)
            self.emit("checkout.session.completed", session, account)
            return session

    def expire(self, session_id: str, request: Request = NO_REQUEST) -> dict[str, Any]:
        with self.lock:
            account, session = self._find(session_id)
            if session["status"] != "open":
                raise StripeFailure(400, 'Only Checkout Sessions with a status in ["open"] can '
                                    "be expired. This Checkout Session has a status of "
                                    f"`{session['status']}`.")
            session.update(status="expired", url=None)
            self.emit("checkout.session.expired", session, account, request)
            return session

    def _find(self, session_id: str) -> tuple[str | None, dict[str, Any]]:
        found = self.locate(session_id)
        if found is None or found[1]["object"] != "checkout.session":
            raise KeyError(session_id)
        return found
