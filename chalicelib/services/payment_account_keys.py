"""The hosts' stored payment accounts: what Penny asks of Stripe and Razorpay beyond the
port, a host's Razorpay keys, and the connections read and saved with their keys.

PaymentAccounts (payment_accounts.py) is made of this, the adapters a booking uses
(payment_account_adapters.py) and the Connections page's calls.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.connections import (
    Connection,
    ConnectionStatus,
    TokenDecryptionError,
    Tokens,
    UnknownTokenKeyError,
)
from chalicelib.domain.errors import (
    NotConnectedError,
    PaymentNotConnectedError,
    ProviderNotAvailableError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.payments import PaymentAccount, PaymentProvider
from chalicelib.services.connection_ports import Connections
from chalicelib.services.payment_ports import HostPayment, RazorpayCallbacks
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.payments")

PAYMENT_PROVIDERS = ("stripe", "razorpay")
READY = ("payments",)   # a ready connection's "scope": it can take payments


class StripeConnect(PaymentProvider, Protocol):
    """What Penny asks of the Stripe platform beyond the port (integrations/stripe_payments)."""

    def create_account(self, email: str, key: str) -> PaymentAccount: ...  # as it is now
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
class StoredPaymentAccounts:
    """The hosts' payment connections as stored, each read with its keys."""

    connections: Connections
    clock: Clock
    available: frozenset[str]                             # set up on this Penny
    stripe: Callable[[str | None], StripeConnect]         # account (None: the platform)
    razorpay: Callable[[RazorpayKeySet], RazorpayAccount]
    dashboard_url: str                                    # {public URL}/app: onboarding's way back

    def _stored(self, host_id: str, provider: str,
                missing: type[PaymentNotConnectedError | NotConnectedError]
                ) -> tuple[Connection, Tokens]:
        """The host's connection with its keys, or `missing` (absent, or its keys
        unreadable and the connection marked broken by `_read`)."""
        self._offered(provider)
        found = self._read(host_id, provider)
        if found is None:
            raise missing(f"{provider.title()} is not connected")
        connection, tokens = found
        if tokens is None:
            raise missing(connection.broken_reason or f"reconnect {provider.title()}")
        return connection, tokens

    def _read(self, host_id: str, provider: str) -> tuple[Connection, Tokens | None] | None:
        """The host's connection with its keys (None: no connection). The one place a
        payment account's keys that do not open are told apart (docs/connections.md):
        sealed under a key newer than this container's ring, ProviderUnavailableError
        (tried again, nothing marked); retired or altered, the connection is marked
        broken (once; pending or connected: the host reconnects either way) and comes
        back broken, with no keys."""
        try:
            return self.connections.get(host_id, provider)
        except UnknownTokenKeyError:
            # A key rotation rolling out: another container can read them (as
            # connection_tokens.py's `access`), so this is tried again, nothing marked.
            log.warning("payment keys sealed under a key this container lacks",
                        extra={"provider": provider})
            raise ProviderUnavailableError(
                provider, f"Penny cannot read its {provider.title()} keys here yet; "
                "try again") from None
        except TokenDecryptionError as exc:
            reason = f"Penny cannot read its {provider.title()} keys; reconnect it"
            listed = self._listed(host_id, provider)
            if listed is None:
                return None  # removed meanwhile
            if listed.is_broken:
                return listed, None
            if self.connections.mark_broken(host_id, provider, listed.grant_id, reason,
                                            self.clock.now()):
                # Why (the key id, if retired), said once: by the use that marks it.
                log.warning("payment keys Penny cannot read: %s", exc,
                            extra={"provider": provider})
            return listed.broken(reason, self.clock.now()), None

    def _host_payment(self, name: str, connection: Connection, tokens: Tokens) -> HostPayment:
        if name == "stripe":
            return HostPayment(name, self.stripe(tokens.access_token), tokens.access_token)
        return HostPayment(name, self.razorpay(_razorpay_keys(connection, tokens)), None)

    # ---- plumbing ------------------------------------------------------------------

    def _listed(self, host_id: str, provider: str) -> Connection | None:
        """The host's connection to `provider` as listed: its keys never opened."""
        return next((c for c in self.connections.for_host(host_id)
                     if c.provider == provider), None)

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
