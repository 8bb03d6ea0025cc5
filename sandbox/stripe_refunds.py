"""Refunds on the fake Stripe: one Penny asks for (refused as Stripe refuses it: a low
balance, nothing left, a charge disputed, too much), one the account's owner makes in
Stripe's dashboard, and one the card's bank sends back; each emits Stripe's events.

StripeLedger (stripe_ledger.py) is made of these, the sessions, the disputes and the
store (stripe_store.py).
"""

from __future__ import annotations

from typing import Any

from sandbox import stripe_objects as objects
from sandbox import stripe_units as units
from sandbox.stripe_store import Request, StripeStore
from sandbox.stripe_wire import StripeFailure, money, new_id


class StripeRefunds(StripeStore):
    def refund(self, account: str | None, paid: dict[str, Any], amount: int | None,
               meta: dict[str, str], reason: str | None, request: Request) -> dict[str, Any]:
        with self.lock:
            left = paid["amount"] - paid["amount_refunded"]
            if self.refunds_refused > 0:
                self.refunds_refused -= 1
                raise StripeFailure(400, "Insufficient funds in Stripe account. In test mode, "
                                    "you can add funds to your available balance (bypassing "
                                    "your pending balance) by creating a charge with "
                                    "4000 0000 0000 0077 as the card number.",
                                    code="balance_insufficient")
            if left == 0:
                raise StripeFailure(400, f"Charge {paid['id']} has already been refunded.",
                                    code="charge_already_refunded")
            disputed = self.get(account, paid.get("dispute") or "", "dispute")
            if disputed is not None and disputed["status"] not in ("won", "warning_closed"):
                # As Stripe: a charge whose dispute is open or lost is the bank's to settle.
                raise StripeFailure(400, f"Charge {paid['id']} has been charged back; cannot "
                                    "issue a refund.", code="charge_disputed")
            if amount is not None and amount > left:
                raise StripeFailure(400, f"Refund amount ({money(amount, paid['currency'])}) is "
                                    "greater than unrefunded amount on charge "
                                    f"({money(left, paid['currency'])})", param="amount")
            refused = units.refusal(left if amount is None else amount, paid["currency"])
            if refused:
                raise StripeFailure(400, refused[0], code=refused[1], param="amount")
            made = self.add(account, objects.refund(paid, left if amount is None else amount,
                                                    meta, reason))
            paid["amount_refunded"] += made["amount"]
            paid["refunded"] = paid["amount_refunded"] == paid["amount"]
            self.emit("refund.created", made, account, request)
            self.emit("charge.refunded", paid, account, request)
            return made

    def refunds_of(self, account: str | None, charge_id: str) -> dict[str, Any]:
        """A charge's refunds as `expand[]=...refunds` lists them: newest first."""
        with self.lock:
            found = [data for owner, data in reversed(self.all("refund"))
                     if owner == account and data["charge"] == charge_id]
        found.sort(key=lambda refund: refund["created"], reverse=True)
        return {"object": "list", "data": found, "has_more": False,
                "url": f"/v1/charges/{charge_id}/refunds"}

    def refund_in_dashboard(self, intent_id: str, amount: int | None = None
                            ) -> dict[str, Any]:
        """The account's owner refunds a payment in Stripe's own dashboard (all of what is
        left of it, or `amount`): a refund without Penny's metadata, under the dashboard's
        own request and key; refund.created and charge.refunded are sent, as at Stripe."""
        with self.lock:
            account, paid = self.paid_charge(intent_id)
            return self.refund(account, paid, amount, {}, "requested_by_customer",
                               (new_id("req_"), new_id("dashboard-", 32)))

    def fail_refund(self, refund_id: str, reason: str) -> dict[str, Any]:
        """The card's bank sent a refund back (a closed or lost card): the refund fails,
        its money returns to the account's balance, the charge counts it unrefunded, and
        refund.updated then refund.failed are sent, as at Stripe."""
        with self.lock:
            found = self.locate(refund_id)
            if found is None or found[1]["object"] != "refund":
                raise KeyError(refund_id)
            account, refund = found
            if refund["status"] != "succeeded":
                raise ValueError(f"refund {refund_id} is {refund['status']}")
            refund.update(status="failed", failure_reason=reason,
                          failure_balance_transaction=new_id("txn_"))
            charge = self._objects[refund["charge"]][1]
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = False
            self.emit("refund.updated", refund, account, previous={"status": "succeeded"})
            self.emit("refund.failed", refund, account)
            return refund
