"""Disputes on the fake Stripe: the client disputes a payment with their bank, and the
bank decides it (won, lost, or an inquiry closed); each emits Stripe's event, naming the
PaymentIntent. A refund of a disputed charge is refused by stripe_refunds.py.

StripeLedger (stripe_ledger.py) is made of these, the sessions, the refunds and the store
(stripe_store.py).
"""

from __future__ import annotations

from typing import Any

from sandbox import stripe_objects as objects
from sandbox.stripe_store import StripeStore


class StripeDisputes(StripeStore):
    def dispute(self, intent_id: str, reason: str = "fraudulent") -> dict[str, Any]:
        """The client disputes the payment with their bank: a dispute on its charge, and
        charge.dispute.created (which names the PaymentIntent, without its metadata)."""
        with self.lock:
            account, paid = self.paid_charge(intent_id)
            opened = self.add(account, objects.dispute(paid, reason))
            paid.update(disputed=True, dispute=opened["id"])
            self.emit("charge.dispute.created", opened, account)
            return opened

    def close_dispute(self, dispute_id: str, status: str = "won") -> dict[str, Any]:
        """The bank decides a dispute (`won`, `lost`, or `warning_closed`: an inquiry closed
        without a chargeback): charge.dispute.closed is sent, naming the PaymentIntent."""
        if status not in ("won", "lost", "warning_closed"):
            raise ValueError(f"a dispute does not close as {status}")
        with self.lock:
            found = self.locate(dispute_id)
            if found is None or found[1]["object"] != "dispute":
                raise KeyError(dispute_id)
            account, disputed = found
            if disputed["status"] in ("won", "lost", "warning_closed"):
                raise ValueError(f"dispute {dispute_id} is {disputed['status']} already")
            disputed.update(status=status, is_charge_refundable=status != "lost")
            self.emit("charge.dispute.closed", disputed, account)
            return disputed
