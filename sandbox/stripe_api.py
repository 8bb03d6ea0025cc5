"""The fake Stripe's API endpoints, each given a Call that already passed the key, the
account and the gate (sandbox/stripe.py), and answering the object as Stripe would; a
refusal raises StripeFailure in Stripe's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox import stripe_objects as objects
from sandbox.stripe_checkout import new_session
from sandbox.stripe_hosted import StripeHosted
from sandbox.stripe_ledger import StripeLedger
from sandbox.stripe_wire import StripeFailure, integer, masked, metadata, text, unknown

Answer = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One API call that got past the key, the account and the gate."""

    account: str | None      # Stripe-Account: a connected account; None: the platform's own
    request_id: str
    idempotency_key: str | None
    params: dict[str, Any]


def no_access(secret_key: str, account: str) -> StripeFailure:
    return StripeFailure(403, f"The provided key '{masked(secret_key)}' does not have access "
                         f"to account '{account}' (or that account does not exist). "
                         "Application access may have been revoked.", code="account_invalid")


class StripeApi:
    def __init__(self, base_url: str, secret_key: str, ledger: StripeLedger,
                 hosted: StripeHosted) -> None:
        self.base_url, self.secret_key = base_url, secret_key
        self.ledger, self.hosted = ledger, hosted

    # -- Connect: accounts and account links -------------------------------------------

    def create_account(self, call: Call) -> Answer:
        params = call.params
        if call.account is not None:
            raise StripeFailure(400, "This endpoint does not allow impersonation as a "
                                "Connected Account.")
        unknown(params, ("type", "email", "country", "business_profile", "metadata",
                         "business_type", "default_currency"))
        text(params, "type", required=True, choices=("standard",))
        profile = params.get("business_profile", {})
        if not isinstance(profile, dict):
            raise StripeFailure(400, "Invalid object", code="parameter_invalid_hash",
                                param="business_profile")
        unknown(profile, ("name", "url", "mcc", "product_description", "support_email"))
        made = objects.account(text(params, "email"), text(profile, "name"),
                               (text(params, "country") or "US").upper(), text(profile, "url"),
                               metadata(params))
        with self.ledger.lock:
            self.ledger.accounts[made["id"]] = made
        return 200, made

    def account(self, call: Call, account_id: str) -> Answer:
        if not self.ledger.connected(account_id):
            raise no_access(self.secret_key, account_id)
        return 200, self.ledger.accounts[account_id]

    def create_link(self, call: Call) -> Answer:
        params = call.params
        unknown(params, ("account", "refresh_url", "return_url", "type", "collect"))
        account = text(params, "account", required=True) or ""
        refresh = text(params, "refresh_url", required=True) or ""
        back = text(params, "return_url", required=True) or ""
        text(params, "type", required=True, choices=("account_onboarding", "account_update"))
        if not self.ledger.connected(account):
            raise no_access(self.secret_key, account)
        return 200, self.hosted.new_link(account, refresh, back)

    # -- Checkout Sessions, refunds, PaymentIntents --------------------------------------

    def create_session(self, call: Call) -> Answer:
        session, items, intent_meta = new_session(call.params, self.base_url)
        self.ledger.open_session(call.account, session, items, intent_meta)
        return 200, session

    def session(self, call: Call, session_id: str) -> Answer:
        found = self._find(call, session_id, "checkout.session", "session")
        expand = call.params.get("expand") or []
        if "line_items" in expand:
            items = self.ledger.items(session_id)
            return 200, {**found, "line_items": {
                "object": "list", "data": items, "has_more": False,
                "url": f"/v1/checkout/sessions/{session_id}/line_items"}}
        return 200, found

    def expire(self, call: Call, session_id: str) -> Answer:
        self._find(call, session_id, "checkout.session", "session")
        return 200, self.ledger.expire(session_id, (call.request_id, call.idempotency_key))

    def create_refund(self, call: Call) -> Answer:
        params = call.params
        unknown(params, ("payment_intent", "charge", "amount", "metadata", "reason",
                         "instructions_email"))
        reason = text(params, "reason",
                      choices=("duplicate", "fraudulent", "requested_by_customer"))
        amount = integer(params, "amount", minimum=1)
        if params.get("payment_intent"):
            intent = self._find(call, params["payment_intent"], "payment_intent",
                                "payment_intent")
            paid = self._find(call, intent["latest_charge"], "charge", "charge")
        elif params.get("charge"):
            paid = self._find(call, params["charge"], "charge", "charge")
        else:
            raise StripeFailure(400, "One of the following params should be provided for this "
                                "request: payment_intent or charge.")
        return 200, self.ledger.refund(call.account, paid, amount, metadata(params), reason,
                                       (call.request_id, call.idempotency_key))

    def refund(self, call: Call, refund_id: str) -> Answer:
        return 200, self._find(call, refund_id, "refund", "id")

    def intent(self, call: Call, intent_id: str) -> Answer:
        found = self._find(call, intent_id, "payment_intent", "intent")
        expand = call.params.get("expand") or []
        for path in expand:
            if path not in ("latest_charge", "latest_charge.refunds"):
                raise StripeFailure(400, f"This property cannot be expanded ({path}).",
                                    param="expand")
        if not expand or not found["latest_charge"]:
            return 200, found
        charge = self._find(call, found["latest_charge"], "charge", "latest_charge")
        if "latest_charge.refunds" in expand:
            charge = {**charge, "refunds": self.ledger.refunds_of(call.account, charge["id"])}
        return 200, {**found, "latest_charge": charge}

    def _find(self, call: Call, object_id: str, kind: str, param: str) -> dict[str, Any]:
        found = self.ledger.get(call.account, object_id, kind)
        if found is None:
            raise StripeFailure(404, f"No such {kind}: '{object_id}'", code="resource_missing",
                                param=param)
        return found
