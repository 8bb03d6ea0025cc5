"""What Penny asks of the Stripe platform beyond the PaymentProvider port: a Standard
account made for a host, the link where the host finishes it at Stripe, an account read.

StripePayments (stripe_payments.py) is made of these and the port; it gives the SDK's
client; each call goes through stripe_calls.py's stripe_call.
"""

from __future__ import annotations

from typing import Any

import stripe

from chalicelib.domain.providers.payments import PaymentAccount
from chalicelib.integrations.stripe_calls import penny_key, stripe_call


class StripeConnect:
    """Connect: the platform's calls about the hosts' accounts."""

    _client: stripe.StripeClient
    _call = staticmethod(stripe_call)

    def create_account(self, email: str, key: str) -> PaymentAccount:
        """A Standard account for the host, made once per `key` (the platform's call), as
        it is now."""
        made = self._call("making an account", lambda: self._client.v1.accounts.create(
            params={"type": "standard", "email": email},
            options={"idempotency_key": penny_key("account", key)}))
        # A second create under the key (a host who disconnected and connects again)
        # is Stripe's replay of the first answer, verbatim: the account as it was then,
        # not yet able to take charges. Its status now is one read away.
        if _replayed(made):
            return self.account(made.id)
        return _payment_account(made)

    def onboarding_url(self, account_id: str, refresh_url: str, return_url: str) -> str:
        """Where the host finishes the account at Stripe: an Account Link, single use and
        short-lived, so made when the host asks for it."""
        link = self._call("making an onboarding link", lambda: self._client.v1.account_links
                          .create(params={"account": account_id, "refresh_url": refresh_url,
                                          "return_url": return_url,
                                          "type": "account_onboarding"}))
        return link.url

    def account(self, account_id: str) -> PaymentAccount:
        return _payment_account(self._call("reading an account", lambda: self._client.v1
                                           .accounts.retrieve(account_id)))


def _replayed(answer: Any) -> bool:
    sent = answer.last_response
    return sent is not None and sent.headers.get("Idempotent-Replayed") == "true"


def _payment_account(found: Any) -> PaymentAccount:
    profile = found.business_profile
    name = (profile.name if profile is not None else None) or found.email or found.id
    return PaymentAccount(found.id, str(name), bool(found.charges_enabled))
