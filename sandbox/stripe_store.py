"""What the fake Stripe holds: its objects, each in one account, and the events it has
emitted, each handed to the webhooks as it is emitted.

An object lives in one account: looked up from another (another `Stripe-Account`, or
none: the platform's own) it does not exist, as at Stripe. A session past its
`expires_at` expires when next looked at, as if Stripe's own timer had run.

StripeLedger (stripe_ledger.py) is made of this store and what changes it:
stripe_session_payments.py, stripe_refunds.py and stripe_disputes.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sandbox import stripe_objects as objects

Request = tuple[str | None, str | None]  # (request id, idempotency key) an event names
NO_REQUEST: Request = (None, None)       # Stripe's own doing, or the customer's


class StripeStore:
    def __init__(self, publish: Callable[[dict[str, Any]], None]) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, dict[str, Any]] = {}
        self.revoked: set[str] = set()
        self.events: list[dict[str, Any]] = []
        self._objects: dict[str, tuple[str | None, dict[str, Any]]] = {}
        self._items: dict[str, list[dict[str, Any]]] = {}
        self._intent_meta: dict[str, dict[str, str]] = {}
        self._publish = publish
        self.refunds_refused = 0   # the next refunds asked for are refused (balance too low)

    def emit(self, kind: str, data: dict[str, Any], account: str | None,
             request: Request = NO_REQUEST,
             previous: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.lock:
            event = objects.event(kind, data, account, request, previous)
            self.events.append(event)
            self._publish(event)
            return event

    # -- objects -----------------------------------------------------------------------

    def add(self, account: str | None, data: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._objects[data["id"]] = (account, data)
            return data

    def get(self, account: str | None, object_id: str, kind: str) -> dict[str, Any] | None:
        """The object, if it is of `kind` and lives in `account` (None: the platform)."""
        with self.lock:
            owner, found = self._objects.get(object_id, (None, None))
            if found is None or owner != account or found["object"] != kind:
                return None
            if kind == "checkout.session":
                self._lapse(owner, found)
            return found

    def locate(self, object_id: str) -> tuple[str | None, dict[str, Any]] | None:
        """The object with its account, from any account (the hosted pages, the tests)."""
        with self.lock:
            found = self._objects.get(object_id)
            if found is not None and found[1]["object"] == "checkout.session":
                self._lapse(*found)
            return found

    def paid_charge(self, intent_id: str) -> tuple[str | None, dict[str, Any]]:
        """A paid PaymentIntent's account and its charge (KeyError for anything else)."""
        with self.lock:
            found = self.locate(intent_id)
            if found is None or found[1]["object"] != "payment_intent" or \
                    not found[1]["latest_charge"]:
                raise KeyError(intent_id)
            account, intent = found
            return account, self._objects[intent["latest_charge"]][1]

    def all(self, kind: str) -> list[tuple[str | None, dict[str, Any]]]:
        with self.lock:
            return [(owner, data) for owner, data in self._objects.values()
                    if data["object"] == kind]

    def _lapse(self, account: str | None, session: dict[str, Any]) -> None:
        if session["status"] == "open" and session["expires_at"] <= objects.now():
            session.update(status="expired", url=None)
            self.emit("checkout.session.expired", session, account)
