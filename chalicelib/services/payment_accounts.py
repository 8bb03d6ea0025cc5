"""A host's payment accounts: connecting Stripe or Razorpay, and the adapter for a booking.

Money goes to the host's own account; Penny never holds funds.

- **Stripe**: Stripe Connect with a Standard account. Connect creates the account on the
  platform (keyed by the host, so a second click finds the first) and answers its Account
  Link: Stripe's own onboarding, where the host signs in to or opens their Stripe
  account. The link comes back to the dashboard, which asks Penny to check the account
  (`check`): it is `connected` once Stripe says it can take charges, `pending` until then.
  Nothing is taken from the return URL: the account id is the one Penny stored. Charges
  are direct charges on that account, and its events reach the platform's one webhook
  endpoint, signed with the platform's secret, carrying the account's id.
- **Razorpay** has no such platform model for a small operator, so the host gives their
  own key id, key secret and webhook secret. They are checked with one authenticated call
  before they are kept, encrypted, in the credential store; the host points a webhook in
  Razorpay's dashboard at `/webhooks/razorpay/{host_id}`, verified with that secret.

A host with both takes INR through Razorpay and every other currency through Stripe.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.bookings import Booking
from chalicelib.domain.connections import (
    Connection,
    ConnectionStatus,
    TokenDecryptionError,
    Tokens,
    UnknownTokenKeyError,
)
from chalicelib.domain.currencies import payment_vendor
from chalicelib.domain.errors import (
    NotConnectedError,
    PaymentNotConnectedError,
    ProviderNotAvailableError,
    ProviderRejectedError,
    ProviderUnavailableError,
    ValidationError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import PaymentAccount, PaymentProvider
from chalicelib.services.connection_ports import Connections
from chalicelib.services.payment_ports import HostPayment, RazorpayCallbacks
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.payments")

PAYMENT_PROVIDERS = ("stripe", "razorpay")
READY = ("payments",)   # a ready connection's "scope": it can take payments


class StripeConnect(PaymentProvider, Protocol):
    """What Penny asks of the Stripe platform beyond the port (integrations/stripe_payments)."""

    def create_account(self, email: str, key: str) -> PaymentAccount: ...
    def onboarding_url(self, account_id: str, refresh_url: str, return_url: str) -> str: ...
    def account(self, account_id: str) -> PaymentAccount: ...


class RazorpayAccount(PaymentProvider, RazorpayCallbacks, Protocol):
    def check_keys(self) -> PaymentAccount: ...


@dataclass(frozen=True)
class RazorpayKeySet:
    key_id: str
    key_secret: str
    webhook_secret: str

    def __repr__(self) -> str:
        return f"RazorpayKeySet(key_id={self.key_id!r}, key_secret='***', webhook_secret='***')"


@dataclass(frozen=True)
class PaymentAccounts:
    connections: Connections
    clock: Clock
    available: frozenset[str]                             # set up on this Penny
    stripe: Callable[[str | None], StripeConnect]         # account (None: the platform)
    razorpay: Callable[[RazorpayKeySet], RazorpayAccount]
    dashboard_url: str                                    # where onboarding comes back to

    # ---- the Connections page ------------------------------------------------------

    def overview(self, host_id: str) -> list[tuple[str, bool, Connection | None]]:
        found = {c.provider: c for c in self.connections.for_host(host_id)
                 if c.provider in PAYMENT_PROVIDERS}
        return [(p, p in self.available, found.get(p)) for p in PAYMENT_PROVIDERS]

    def connect_stripe(self, host_id: str, email: str) -> str:
        """The Stripe onboarding link for the host's account (made on the first click)."""
        self._offered("stripe")
        current = self.connections.get(host_id, "stripe")
        if current is not None and current[0].status is not ConnectionStatus.BROKEN:
            account_id = current[1].access_token
        else:
            # After an account that disconnected Penny, a new key: under the first one
            # Stripe would give the gone account back (a key is kept for 24 hours).
            key = f"penny-host-{host_id}" if current is None else \
                f"penny-host-{host_id}-after-{current[0].grant_id}"
            made = self.stripe(None).create_account(email, key=key)
            account_id = made.id
            self._save(host_id, "stripe", made, account_id)
        back = f"{self.dashboard_url}?stripe=return"
        return self.stripe(None).onboarding_url(account_id, refresh_url=back, return_url=back)

    def check(self, host_id: str, provider: str) -> Connection:
        """Ask the provider now: Stripe's onboarding finished? Razorpay's keys still good?"""
        connection, tokens = self._stored(host_id, provider, NotConnectedError)
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
        found = None if host_id is None else self.connections.get(host_id, provider)
        if found is None or (account_id and found[0].account_id != account_id):
            log.info("payment account lost: not a connection of ours",
                     extra={"provider": provider})
            return
        if self.connections.mark_broken(host_id or "", provider, found[0].grant_id,
                                        reason, self.clock.now()):
            log.warning("payment connection broken", extra={"provider": provider})

    def ready(self, host_id: str) -> list[str]:
        return [c.provider for c in self.connections.for_host(host_id)
                if c.provider in PAYMENT_PROVIDERS and c.provider in self.available
                and c.status is ConnectionStatus.CONNECTED]

    # ---- the adapters (services/payment_ports.py's PaymentAdapters) ----------------------

    def for_new_booking(self, host_id: str, price: Price) -> HostPayment:
        """One read of the host's payment connections, with their keys."""
        found = self.connections.with_tokens(host_id, self.available)
        ready = {name: stored for name, stored in found.items()
                 if stored[0].status is ConnectionStatus.CONNECTED}
        if not ready:
            raise PaymentNotConnectedError(
                "this host cannot take payments right now, so this paid event cannot be "
                "booked; please contact them")
        name = payment_vendor(price.currency, ready)
        assert name is not None  # some vendor is ready
        return self._host_payment(name, *ready[name])

    def for_booking(self, booking: Booking) -> PaymentProvider:
        """The provider the booking's checkout was made at. A Stripe booking names the
        connected account its money went to, which the platform can still act on (a
        refund) after the host disconnected it from Penny."""
        if booking.payment is None:
            raise NotConnectedError("this booking takes no payment")
        if booking.payment.provider == "stripe" and booking.payment.account:
            self._offered("stripe")
            return self.stripe(booking.payment.account)
        return self._adapter(booking.host_id, booking.payment.provider).provider

    def stripe_webhooks(self) -> PaymentProvider:
        self._offered("stripe")
        return self.stripe(None)

    def razorpay_webhooks(self, host_id: str) -> RazorpayAccount:
        """The host's Razorpay adapter, its webhook secret checking their deliveries."""
        return self.razorpay(_razorpay_keys(*self._stored(host_id, "razorpay",
                                                          NotConnectedError)))

    def razorpay_for(self, booking: Booking) -> RazorpayAccount:
        """The Razorpay account a booking's order was made at (its Checkout callback)."""
        return self.razorpay(_razorpay_keys(*self._stored(booking.host_id, "razorpay",
                                                          PaymentNotConnectedError)))

    def _adapter(self, host_id: str, name: str) -> HostPayment:
        return self._host_payment(name, *self._stored(host_id, name, PaymentNotConnectedError))

    def _stored(self, host_id: str, provider: str,
                missing: type[PaymentNotConnectedError | NotConnectedError]
                ) -> tuple[Connection, Tokens]:
        self._offered(provider)
        try:
            found = self.connections.get(host_id, provider)
        except UnknownTokenKeyError:
            # A key rotation rolling out: another container can read them (as
            # connection_tokens.py's `access`), so this is tried again, nothing marked.
            log.warning("payment keys sealed under a key this container lacks",
                        extra={"provider": provider})
            raise ProviderUnavailableError(
                provider, f"Penny cannot read its {provider.title()} keys here yet; "
                "try again") from None
        except TokenDecryptionError:
            reason = f"Penny cannot read its {provider.title()} keys; reconnect it"
            listed = next((c for c in self.connections.for_host(host_id)
                           if c.provider == provider), None)
            if listed is not None:
                self.connections.mark_broken(host_id, provider, listed.grant_id, reason,
                                             self.clock.now())
            raise missing(reason) from None
        if found is None:
            raise missing(f"{provider.title()} is not connected")
        return found

    def _host_payment(self, name: str, connection: Connection, tokens: Tokens) -> HostPayment:
        if name == "stripe":
            return HostPayment(name, self.stripe(tokens.access_token), tokens.access_token)
        return HostPayment(name, self.razorpay(_razorpay_keys(connection, tokens)), None)

    # ---- plumbing ------------------------------------------------------------------

    def _offered(self, provider: str) -> None:
        if provider not in PAYMENT_PROVIDERS:
            raise NotConnectedError(f"no payment platform called {provider}")
        if provider not in self.available:
            raise ProviderNotAvailableError(f"{provider} is not available on this Penny")

    def _save(self, host_id: str, provider: str, account: PaymentAccount, secret: str,
              current: Connection | None = None) -> Connection:
        status = ConnectionStatus.CONNECTED if account.ready else ConnectionStatus.PENDING
        unchanged = current is not None and current.status is status and \
            current.account_label == account.name
        if unchanged:
            assert current is not None
            return current
        connection = Connection(
            host_id=host_id, provider=provider,
            grant_id=current.grant_id if current else secrets.token_hex(8),
            account_id=account.id, account_label=account.name,
            scopes=READY if account.ready else (), connected_at=self.clock.now(),
            token_expires_at=None, status=status)
        self.connections.save(connection, Tokens(secret, None, None))
        return connection


def _razorpay_keys(connection: Connection, tokens: Tokens) -> RazorpayKeySet:
    stored: dict[str, Any] = json.loads(tokens.access_token)
    return RazorpayKeySet(connection.account_id, stored["key_secret"], stored["webhook_secret"])
