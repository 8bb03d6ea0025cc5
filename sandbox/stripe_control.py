"""The Stripe half of the sandbox's control surface (ProviderSandbox mixes it in): what a
test or the local stack makes the fake Stripe do (a customer paying, Stripe expiring a
session, an account finishing onboarding or disconnecting), how webhooks misbehave
(duplicates, another order, stale or forged signatures, retries), and what Penny did
there (objects, events, deliveries, API calls)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sandbox import stripe_objects as objects
from sandbox.stripe import FakeStripe
from sandbox.stripe_webhooks import StripeDelivery


class StripeControl:
    stripe: FakeStripe

    def stripe_settings(self) -> dict[str, str]:
        """The PENNY_PROVIDERS `stripe` entry (chalicelib/provider_settings.py)."""
        return {"secret_key": self.stripe.secret_key,
                "webhook_secret": self.stripe.webhooks.secret,
                "base_url": self.stripe.base_url}

    # -- what people and Stripe do -------------------------------------------------------

    def stripe_pay(self, session_id: str, email: str | None = None,
                   name: str | None = None) -> dict[str, Any]:
        """The customer pays on the hosted page (no browser), as `name`; the session
        afterwards. An expired or paid session raises SessionOverError."""
        return copy.deepcopy(self.stripe.ledger.pay(session_id, email, name))

    def stripe_expire_session(self, session_id: str) -> dict[str, Any]:
        """Stripe's own expiry at `expires_at`, now: checkout.session.expired, no request."""
        return copy.deepcopy(self.stripe.ledger.expire(session_id))

    def stripe_fail_refund(self, refund_id: str,
                           reason: str = "expired_or_canceled_card") -> dict[str, Any]:
        """The refund fails after the fact (the card is closed): refund.updated and
        refund.failed are sent; the refund afterwards."""
        return copy.deepcopy(self.stripe.ledger.fail_refund(refund_id, reason))

    def stripe_refuse_refunds(self, times: int = 1) -> None:
        """The next `times` refunds asked for through the API are refused as the account's
        balance is too low (400 `balance_insufficient`, from the endpoint: an Idempotency-Key
        keeps the refusal, as Stripe's does)."""
        self.stripe.ledger.refunds_refused = times

    def stripe_refund_in_dashboard(self, payment_intent_id: str,
                                   amount: int | None = None) -> dict[str, Any]:
        """The host refunds the payment in Stripe's dashboard (what is left of it, or
        `amount`): refund.created, without Penny's metadata, and charge.refunded are sent;
        the refund afterwards."""
        return copy.deepcopy(self.stripe.ledger.refund_in_dashboard(payment_intent_id, amount))

    def stripe_dispute(self, payment_intent_id: str,
                       reason: str = "fraudulent") -> dict[str, Any]:
        """The client disputes the payment with their bank: charge.dispute.created is
        sent; the dispute afterwards."""
        return copy.deepcopy(self.stripe.ledger.dispute(payment_intent_id, reason))

    def stripe_close_dispute(self, dispute_id: str, status: str = "won") -> dict[str, Any]:
        """The bank decides the dispute (`won`, `lost`, `warning_closed`):
        charge.dispute.closed is sent; the dispute afterwards."""
        return copy.deepcopy(self.stripe.ledger.close_dispute(dispute_id, status))

    def stripe_add_account(self, email: str, name: str | None = None,
                           onboarded: bool = True) -> dict[str, Any]:
        """A connected Standard account, as if Penny had made it (and its owner onboarded)."""
        made = objects.account(email, name, "US", None, {})
        with self.stripe.ledger.lock:
            self.stripe.ledger.accounts[made["id"]] = made
            if onboarded:
                objects.onboarded(made)
            return copy.deepcopy(made)

    def stripe_complete_onboarding(self, account_id: str) -> dict[str, Any]:
        """The owner finishes onboarding without the page: account.updated is sent."""
        return copy.deepcopy(self.stripe.ledger.onboard(account_id))

    def stripe_revoke_account(self, account_id: str) -> None:
        """The owner disconnects Penny's platform: calls on the account answer 403."""
        self.stripe.ledger.revoke(account_id)

    # -- what is there -------------------------------------------------------------------

    def stripe_accounts(self) -> list[dict[str, Any]]:
        with self.stripe.ledger.lock:
            return copy.deepcopy(list(self.stripe.ledger.accounts.values()))

    def stripe_sessions(self) -> list[dict[str, Any]]:
        """Every Checkout Session, oldest first, with the account it lives in (`_account`)."""
        return self._stripe_all("checkout.session")

    def stripe_line_items(self, session_id: str) -> list[dict[str, Any]]:
        """A Checkout Session's line items, as `expand=["line_items"]` lists them."""
        return copy.deepcopy(self.stripe.ledger.items(session_id))

    def stripe_refunds(self) -> list[dict[str, Any]]:
        return self._stripe_all("refund")

    def stripe_object(self, object_id: str) -> dict[str, Any]:
        """Any object (session, PaymentIntent, charge, refund) by id, from any account."""
        found = self.stripe.ledger.locate(object_id)
        if found is None:
            raise KeyError(object_id)
        with self.stripe.ledger.lock:
            return {**copy.deepcopy(found[1]), "_account": found[0]}

    def _stripe_all(self, kind: str) -> list[dict[str, Any]]:
        with self.stripe.ledger.lock:
            return [{**copy.deepcopy(data), "_account": owner}
                    for owner, data in self.stripe.ledger.all(kind)]

    def stripe_events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Events so far (of one type), oldest first."""
        with self.stripe.ledger.lock:
            return copy.deepcopy([e for e in self.stripe.ledger.events
                                  if kind in (None, e["type"])])

    def stripe_emit_event(self, kind: str, data: dict[str, Any],
                          account: str | None = None) -> dict[str, Any]:
        """Send any event (an async payment's outcome, a type Penny ignores) like the rest."""
        return copy.deepcopy(self.stripe.ledger.emit(kind, data, account))

    # -- webhooks ------------------------------------------------------------------------

    def stripe_webhook_endpoint(self, url: str) -> None:
        """Register a webhook endpoint: every event from now on is posted to it."""
        self.stripe.webhooks.add_endpoint(url)

    def stripe_duplicate_deliveries(self, times: int) -> None:
        """Deliver every event from now on `times` times (at least once means maybe more)."""
        self.stripe.webhooks.duplicates = times

    def stripe_webhook_retries(self, backoff: Sequence[float], timeout: float = 5.0) -> None:
        """After a failed attempt, try again after each delay (seconds) in turn; an attempt
        gets `timeout` seconds to be answered."""
        self.stripe.webhooks.backoff, self.stripe.webhooks.timeout = tuple(backoff), timeout

    def stripe_hold_deliveries(self) -> None:
        """Keep new deliveries back until stripe_release_deliveries()."""
        self.stripe.webhooks.hold()

    def stripe_held_events(self) -> list[str]:
        return self.stripe.webhooks.held()

    def stripe_release_deliveries(self, order: Sequence[str] | None = None) -> None:
        """Send the held deliveries: the event ids in `order` first, in that order."""
        self.stripe.webhooks.release(order)

    def stripe_sign_next_delivery(self, stale_by: int = 0, secret: str | None = None) -> None:
        """Sign the next attempt with a timestamp `stale_by` seconds old, or with `secret`."""
        self.stripe.webhooks.tamper_next(stale_by, secret)

    def stripe_redeliver(self, event_id: str, threads: int = 1) -> None:
        """Post an event again, from `threads` threads at once; returns without waiting."""
        self.stripe.webhooks.redeliver(event_id, threads)

    def stripe_deliveries(self) -> list[StripeDelivery]:
        """Every webhook attempt so far, oldest first."""
        return self.stripe.webhooks.deliveries()

    def stripe_wait_for_deliveries(self, count: int,
                                   timeout: float = 10.0) -> list[StripeDelivery]:
        """The first `count` attempts once made (AssertionError at the deadline)."""
        return self.stripe.webhooks.wait_for(count, timeout)

    # -- the API's gate ------------------------------------------------------------------

    def stripe_fail_next_api_calls(self, status: int = 429, times: int = 1,
                                   retry_after: int | None = None,
                                   endpoint: str | None = None) -> None:
        """The next `times` API calls answer `status` (429 rate_limit, 5xx api_error; a
        500 is the endpoint's own, kept under the call's idempotency key); only calls to
        `endpoint` (such as `refunds.create`) when it is given."""
        self.stripe.gate.fail_next(status, times, retry_after, endpoint)

    def stripe_set_api_delay(self, seconds: float) -> None:
        self.stripe.gate.delay = seconds

    def stripe_api_calls(self, endpoint: str | None = None) -> int:
        """API calls to one endpoint (such as `checkout.sessions.create`) that passed the
        key and account checks, or every call; refused ones count under
        "<endpoint> (refused)"."""
        return self.stripe.gate.calls(endpoint)

    def stripe_api_call_counts(self) -> dict[str, int]:
        return self.stripe.gate.counts()

    def stripe_reset_api_calls(self) -> None:
        self.stripe.gate.reset()
