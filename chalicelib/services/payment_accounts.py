"""A host's payment accounts: connecting Stripe or Razorpay, and the adapter for a booking.

Money goes to the host's own account; Penny never holds funds.

- **Stripe**: Stripe Connect with a Standard account. Connect creates the account on the
  platform (keyed by the host, so a second click, or a Connect after Disconnect, finds
  the first, as it is now) and answers its Account Link: Stripe's own onboarding, where
  the host signs in to or opens their Stripe account. The link comes back to the
  dashboard's view Connect was pressed on (the Connections page or the welcome steps),
  which asks Penny to check the account (`check`): it is `connected` once Stripe says it
  can take charges, `pending` until then. Nothing is taken from the
  return URL: the account id is the one Penny stored. Charges are direct charges on
  that account, and its events reach the platform's one webhook endpoint, signed with
  the platform's secret, carrying the account's id.
- **Razorpay** has no such platform model for a small operator, so the host gives their
  own key id, key secret and webhook secret. They are checked with one authenticated call
  before they are kept, encrypted, in the credential store; the host points a webhook in
  Razorpay's dashboard at `/webhooks/razorpay/{host_id}`, verified with that secret.

A host with both takes INR through Razorpay and every other currency through Stripe.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from chalicelib.domain.connections import Connection, ConnectionStatus
from chalicelib.domain.errors import NotConnectedError, ProviderRejectedError, ValidationError
from chalicelib.services.payment_account_adapters import PaymentAccountAdapters
from chalicelib.services.payment_account_keys import (
    PAYMENT_PROVIDERS,
    READY,
    RazorpayAccount,
    RazorpayKeySet,
    StripeConnect,
    _razorpay_keys,
)

log = logging.getLogger("penny.payments")
# The dashboard's views Stripe's onboarding may come back to: never an address.
STRIPE_VIEWS = frozenset({"connections", "welcome"})

# Where bootstrap/payments.py and the tests import them from.
__all__ = ["PAYMENT_PROVIDERS", "READY", "PaymentAccounts", "RazorpayAccount",
           "RazorpayKeySet", "StripeConnect"]


@dataclass(frozen=True)
class PaymentAccounts(PaymentAccountAdapters):
    """A host's payment accounts: the Connections page's calls, the adapters a booking
    uses (payment_account_adapters.py), the stored connections (payment_account_keys.py)."""

    # ---- the Connections page ------------------------------------------------------

    def overview(self, held: list[Connection]) -> list[tuple[str, bool, Connection | None]]:
        """Stripe and Razorpay on the Connections page, from the host's connections as
        ConnectionService.held found them (one Query for the whole page)."""
        found = {c.provider: c for c in held if c.provider in PAYMENT_PROVIDERS}
        return [(p, p in self.available, found.get(p)) for p in PAYMENT_PROVIDERS]

    def connect_stripe(self, host_id: str, email: str, view: str = "connections") -> str:
        """The Stripe onboarding link for the host's account (made on the first click),
        coming back to the dashboard's `view` Connect was pressed on (the Connections page
        or the welcome steps; any other name, the Connections page)."""
        self._offered("stripe")
        current = self._read(host_id, "stripe")  # keys that no longer open: broken now
        if current is not None and current[1] is not None and \
                current[0].status is not ConnectionStatus.BROKEN:
            account_id = current[1].access_token
        else:
            # After an account that disconnected Penny (or whose stored id Penny cannot
            # read), a new key: under the first one Stripe would give the gone account
            # back (a key is kept for 24 hours).
            key = f"penny-host-{host_id}" if current is None else \
                f"penny-host-{host_id}-after-{current[0].grant_id}"
            made = self.stripe(None).create_account(email, key=key)
            account_id = made.id
            self._save(host_id, "stripe", made, account_id)
        back = f"{self.dashboard_url}/{view if view in STRIPE_VIEWS else 'connections'}" \
            "?stripe=return"
        return self.stripe(None).onboarding_url(account_id, refresh_url=back, return_url=back)

    def check(self, host_id: str, provider: str) -> Connection:
        """Ask the provider now: Stripe's onboarding finished? Razorpay's keys still good?"""
        self._offered(provider)
        found = self._read(host_id, provider)
        if found is None:
            raise NotConnectedError(f"{provider.title()} is not connected")
        connection, tokens = found
        if tokens is None:
            return connection  # its keys do not open: shown broken, to reconnect
        if provider == "stripe":
            account = self.stripe(None).account(tokens.access_token)
            return self._save(host_id, provider, account, tokens.access_token, connection)
        keys = _razorpay_keys(connection, tokens)
        try:
            account = self.razorpay(keys).check_keys()
        except ProviderRejectedError as exc:
            broken = connection.broken(exc.message, self.clock.now())
            self.connections.mark_broken(host_id, provider, connection.grant_id, exc.message,
                                         self.clock.now())
            return broken
        return self._save(host_id, provider, account, tokens.access_token, connection)

    def connect_razorpay(self, host_id: str, key_id: str, key_secret: str,
                         webhook_secret: str) -> Connection:
        """Keep the host's Razorpay keys once one call with them works."""
        self._offered("razorpay")
        keys = RazorpayKeySet(key_id.strip(), key_secret.strip(), webhook_secret.strip())
        try:
            account = self.razorpay(keys).check_keys()
        except ProviderRejectedError as exc:
            raise ValidationError("Razorpay did not accept this key id and secret; "
                                  "copy them again from Razorpay's API keys page",
                                  "key_secret") from exc
        secret = json.dumps({"key_secret": keys.key_secret,
                             "webhook_secret": keys.webhook_secret})
        return self._save(host_id, "razorpay", account, secret)

    def disconnect(self, host_id: str, provider: str) -> None:
        """Forget the account (Stripe's stays the host's; Penny just stops using it)."""
        if provider not in PAYMENT_PROVIDERS:
            raise NotConnectedError(f"no payment platform called {provider}")
        self.connections.delete(host_id, provider)

    def account_lost(self, provider: str, account_id: str | None, host_id: str | None,
                     reason: str) -> None:
        """Show the host's connection broken (once; the table's stream tells their open
        dashboards): the account no longer lets Penny in. An account no host of this
        Penny has, or one already replaced by a new connection, changes nothing."""
        if host_id is None and account_id:
            host_id = self.connections.host_of_account(provider, account_id)
        # Its keys are not needed, only which grant: the listing (never decrypted), so
        # keys that no longer open cannot stop the mark.
        found = None if host_id is None else self._listed(host_id, provider)
        if found is None or (account_id and found.account_id != account_id):
            log.info("payment account lost: not a connection of ours",
                     extra={"provider": provider})
            return
        if self.connections.mark_broken(found.host_id, provider, found.grant_id,
                                        reason, self.clock.now()):
            log.warning("payment connection broken", extra={"provider": provider})

    def ready(self, host_id: str) -> list[str]:
        return [c.provider for c in self.connections.for_host(host_id)
                if c.provider in PAYMENT_PROVIDERS and c.provider in self.available
                and c.status is ConnectionStatus.CONNECTED]
