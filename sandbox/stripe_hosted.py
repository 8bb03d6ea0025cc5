"""The fake Stripe's pages a person sees: the hosted Checkout page (pay, be declined,
cancel), the Connect onboarding page an Account Link opens (single use, a few minutes),
and the sandbox page of what Penny did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox import stripe_objects as objects
from sandbox import stripe_pages as pages
from sandbox.api_gate import ApiGate
from sandbox.stripe_ledger import SessionOverError, StripeLedger
from sandbox.stripe_webhooks import StripeWebhooks
from sandbox.stripe_wire import StripeFailure, new_id
from sandbox.wire import html_response


@dataclass
class _Link:
    account: str
    refresh_url: str
    return_url: str
    expires_at: int
    used: bool = False


class StripeHosted:
    def __init__(self, base_url: str, ledger: StripeLedger, webhooks: StripeWebhooks,
                 gate: ApiGate) -> None:
        self.base_url, self.ledger, self.webhooks, self.gate = base_url, ledger, webhooks, gate
        self._links: dict[str, _Link] = {}

    def rules(self) -> list[Rule]:
        return [Rule("/pay/<session_id>", endpoint=self._pay_page, methods=["GET", "POST"]),
                Rule("/pay/<session_id>/cancel", endpoint=self._cancel_page),
                Rule("/setup/s/<account_id>/<token>", endpoint=self._onboarding_page,
                     methods=["GET", "POST"]),
                Rule("/_sandbox", endpoint=self._control_page),
                Rule("/_sandbox/refunds/<refund_id>/fail", endpoint=self._fail_refund,
                     methods=["POST"]),
                Rule("/_sandbox/accounts/<account_id>/revoke", endpoint=self._revoke,
                     methods=["POST"]),
                Rule("/_sandbox/payments/<intent_id>/refund", endpoint=self._refund,
                     methods=["POST"]),
                Rule("/_sandbox/payments/<intent_id>/dispute", endpoint=self._dispute,
                     methods=["POST"]),
                Rule("/_sandbox/disputes/<dispute_id>/close", endpoint=self._close_dispute,
                     methods=["POST"])]

    def new_link(self, account: str, refresh_url: str, return_url: str) -> dict[str, Any]:
        """An Account Link's object, its URL opening the onboarding page."""
        with self.ledger.lock:
            token = new_id("", 32)
            link = objects.account_link(f"{self.base_url}/setup/s/{account}/{token}",
                                        objects.now())
            self._links[token] = _Link(account, refresh_url, return_url, link["expires_at"])
            return link

    def _pay_page(self, request: Request, session_id: str) -> Response:
        with self.ledger.lock:  # the page shows the session as it is, not half-paid
            return self._pay(request, session_id)

    def _pay(self, request: Request, session_id: str) -> Response:
        found = self.ledger.locate(session_id)
        if found is None or found[1]["object"] != "checkout.session":
            return html_response(pages.over("Not found", "There is no such Checkout Session."),
                                 404)
        account, session = found
        action = f"{self.base_url}/pay/{session_id}"
        if request.method == "POST" and session["status"] == "open":
            if "".join(request.form.get("card", "").split()) == pages.DECLINED_CARD:
                return html_response(pages.checkout(
                    session, self.ledger.items(session_id), self._seller(account), action,
                    f"{action}/cancel", "Your card was declined."), 402)
            try:
                self.ledger.pay(session_id, request.form.get("email") or None,
                                request.form.get("name") or None)
            except SessionOverError:
                pass  # expired or paid meanwhile: the page below says which
            else:
                return self._after_payment(session)
        if session["status"] == "expired":
            return html_response(pages.over("This checkout has expired", "This Checkout "
                                 "Session expired: nothing was charged. Go back to the "
                                 "seller's site to start again."))
        if session["status"] == "complete":
            return html_response(pages.over("Already paid", "This Checkout Session is "
                                 "already paid: nothing more was charged."))
        return html_response(pages.checkout(session, self.ledger.items(session_id),
                                            self._seller(account), action, f"{action}/cancel"))

    def _after_payment(self, session: dict[str, Any]) -> Response:
        if not session["success_url"]:
            return html_response(pages.paid(session["id"]))
        return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]),
                        303)

    def _cancel_page(self, request: Request, session_id: str) -> Response:
        found = self.ledger.locate(session_id)
        cancel = found[1].get("cancel_url") if found else None
        if not cancel:
            return html_response(pages.over("Payment cancelled", "Nothing was charged."))
        return redirect(cancel, 303)

    def _onboarding_page(self, request: Request, account_id: str, token: str) -> Response:
        with self.ledger.lock:
            link = self._links.get(token)
            if link is None or link.account != account_id:
                return html_response(pages.over("Link not valid", "This onboarding link is "
                                                "not valid."), 404)
            # Spent or stale: Stripe sends the person to refresh_url, for a new link.
            if link.used or link.expires_at < objects.now() \
                    or not self.ledger.connected(account_id):
                return redirect(link.refresh_url, 303)
            if request.method == "GET":
                return html_response(pages.onboarding(self.ledger.accounts[account_id],
                                                      f"{self.base_url}/setup/s/{account_id}/"
                                                      f"{token}"))
            link.used = True
            if request.form.get("decision") != "complete":
                return redirect(link.refresh_url, 303)
            self.ledger.onboard(account_id)
            return redirect(link.return_url, 303)

    def _seller(self, account: str | None) -> str:
        found = self.ledger.accounts.get(account or "")
        if found is None:
            return "Penny (sandbox platform)"
        return str(found["business_profile"]["name"] or found["email"] or found["id"])

    def _control_page(self, request: Request) -> Response:
        with self.ledger.lock:
            return html_response(pages.control(
                self.base_url, list(self.ledger.accounts.values()), set(self.ledger.revoked),
                [s for _, s in self.ledger.all("checkout.session")],
                [r for _, r in self.ledger.all("refund")],
                self.webhooks.deliveries(), self.webhooks.endpoints(), self.gate.counts(),
                [d for _, d in self.ledger.all("dispute")]))

    def _revoke(self, request: Request, account_id: str) -> Response:
        """The page's "Disconnect Penny" button: the account's owner disconnects the
        platform in their Stripe dashboard (account.application.deauthorized is sent)."""
        try:
            self.ledger.revoke(account_id)
        except KeyError:
            return html_response(pages.over("No such account", account_id), 404)
        return redirect(f"{self.base_url}/_sandbox", 303)

    def _refund(self, request: Request, intent_id: str) -> Response:
        """The page's "Refund in the dashboard" button: the host gives the whole payment
        back in Stripe's dashboard (refund.created and charge.refunded are sent)."""
        try:
            self.ledger.refund_in_dashboard(intent_id)
        except KeyError as exc:
            return html_response(pages.over("No payment to refund", str(exc)), 404)
        except StripeFailure as exc:
            return html_response(pages.over("Not refunded", exc.message), 400)
        return redirect(f"{self.base_url}/_sandbox", 303)

    def _dispute(self, request: Request, intent_id: str) -> Response:
        """The page's "Dispute it" button: the client's bank opens a dispute on the
        payment (charge.dispute.created is sent)."""
        try:
            self.ledger.dispute(intent_id)
        except KeyError as exc:
            return html_response(pages.over("No payment to dispute", str(exc)), 404)
        return redirect(f"{self.base_url}/_sandbox", 303)

    def _close_dispute(self, request: Request, dispute_id: str) -> Response:
        """The page's "Won" / "Lost" / "Closed (inquiry)" buttons: the bank decides the
        dispute (charge.dispute.closed is sent)."""
        try:
            self.ledger.close_dispute(dispute_id, request.form.get("status", "won"))
        except (KeyError, ValueError) as exc:
            return html_response(pages.over("No dispute to close", str(exc)), 404)
        return redirect(f"{self.base_url}/_sandbox", 303)

    def _fail_refund(self, request: Request, refund_id: str) -> Response:
        """The page's "Fail it" button: the card's bank sends the refund back (a closed
        card), and refund.updated and refund.failed go to the webhook endpoints."""
        try:
            self.ledger.fail_refund(refund_id, "expired_or_canceled_card")
        except (KeyError, ValueError) as exc:
            return html_response(pages.over("No refund to fail", str(exc)), 404)
        return redirect(f"{self.base_url}/_sandbox", 303)
