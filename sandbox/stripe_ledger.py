"""What the fake Stripe holds and what happens to it: connected accounts, and per account
its Checkout Sessions, PaymentIntents, charges and refunds. Every change emits the events
Stripe emits for it (with `account` for a connected account's), handed to the webhooks.

StripeLedger is made of the store (stripe_store.py: the objects, each in its account,
and the events), the Checkout Sessions (stripe_session_payments.py), the refunds
(stripe_refunds.py) and the disputes (stripe_disputes.py); it keeps the connected
accounts' onboarding and disconnection.
"""

from __future__ import annotations

from typing import Any

from sandbox import stripe_objects as objects
from sandbox.stripe_disputes import StripeDisputes
from sandbox.stripe_refunds import StripeRefunds
from sandbox.stripe_session_payments import SessionOverError, StripeSessionPayments
from sandbox.stripe_store import NO_REQUEST, Request

__all__ = ["NO_REQUEST", "Request", "SessionOverError", "StripeLedger"]


class StripeLedger(StripeSessionPayments, StripeRefunds, StripeDisputes):
    def onboard(self, account_id: str) -> dict[str, Any]:
        """The account's owner finished onboarding: it can take payments now."""
        with self.lock:
            found = self.accounts[account_id]
            if not found["charges_enabled"]:
                before = objects.onboarded(found)
                self.emit("account.updated", found, account_id, previous=before)
            return found

    def revoke(self, account_id: str) -> None:
        """The account's owner disconnected the platform: every call on it now fails."""
        with self.lock:
            if account_id not in self.accounts:
                raise KeyError(account_id)
            self.revoked.add(account_id)
            self.emit("account.application.deauthorized",
                      {"id": "ca_PennySandboxPlatform", "object": "application",
                       "name": "Penny"}, account_id)

    def connected(self, account_id: str | None) -> bool:
        with self.lock:
            return account_id in self.accounts and account_id not in self.revoked
