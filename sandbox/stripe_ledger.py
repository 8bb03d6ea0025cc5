"""What the fake Stripe holds and what happens to it: connected accounts, and per account
its Checkout Sessions, PaymentIntents, charges and refunds. Every change emits the events
Stripe emits for it (with `account` for a connected account's), handed to the webhooks.

An object lives in one account: looked up from another (another `Stripe-Account`, or
none: the platform's own) it does not exist, as at Stripe. A session past its
`expires_at` expires when next looked at, as if Stripe's own timer had run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sandbox import stripe_objects as objects
from sandbox.stripe_wire import StripeFailure, money, new_id

Request = tuple[str | None, str | None]  # (request id, idempotency key) an event names
NO_REQUEST: Request = (None, None)       # Stripe's own doing, or the customer's


class SessionOverError(Exception):
    """The Checkout Session cannot be paid: it is complete or expired (`status`)."""

    def __init__(self, status: str) -> None:
        super().__init__(f"the Checkout Session is {status}")
        self.status = status


class StripeLedger:
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

    def all(self, kind: str) -> list[tuple[str | None, dict[str, Any]]]:
        with self.lock:
            return [(owner, data) for owner, data in self._objects.values()
                    if data["object"] == kind]

    # -- checkout ----------------------------------------------------------------------

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

    def _lapse(self, account: str | None, session: dict[str, Any]) -> None:
        if session["status"] == "open" and session["expires_at"] <= objects.now():
            session.update(status="expired", url=None)
            self.emit("checkout.session.expired", session, account)

    # -- refunds -----------------------------------------------------------------------

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
            made = self.add(account, objects.refund(paid, left if amount is None else amount,
                                                    meta, reason))
            paid["amount_refunded"] += made["amount"]
            paid["refunded"] = paid["amount_refunded"] == paid["amount"]
            self.emit("refund.created", made, account, request)
            self.emit("charge.refunded", paid, account, request)
            return made

    def refund_in_dashboard(self, intent_id: str, amount: int | None = None
                            ) -> dict[str, Any]:
        """The account's owner refunds a payment in Stripe's own dashboard (all of what is
        left of it, or `amount`): a refund without Penny's metadata, under the dashboard's
        own request and key; refund.created and charge.refunded are sent, as at Stripe."""
        with self.lock:
            found = self.locate(intent_id)
            if found is None or found[1]["object"] != "payment_intent" or \
                    not found[1]["latest_charge"]:
                raise KeyError(intent_id)
            account, intent = found
            paid = self._objects[intent["latest_charge"]][1]
            return self.refund(account, paid, amount, {}, "requested_by_customer",
                               (new_id("req_"), new_id("dashboard-", 32)))

    def dispute(self, intent_id: str, reason: str = "fraudulent") -> dict[str, Any]:
        """The client disputes the payment with their bank: a dispute on its charge, and
        charge.dispute.created (which names the PaymentIntent, without its metadata)."""
        with self.lock:
            found = self.locate(intent_id)
            if found is None or found[1]["object"] != "payment_intent" or \
                    not found[1]["latest_charge"]:
                raise KeyError(intent_id)
            account, intent = found
            paid = self._objects[intent["latest_charge"]][1]
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

    # -- connected accounts ------------------------------------------------------------

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
