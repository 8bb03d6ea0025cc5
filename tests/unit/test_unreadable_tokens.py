"""What a connection whose stored tokens do not open becomes: a text sealed under a key
id the container's ring lacks (a key rotation rolling out) is a "try again", never a
broken connection; an altered text is broken. The tokens service on a fake store whose
`get` opens the stored text with the container's real cipher."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from chalicelib.domain.connections import Connection, Tokens
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotConnectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import Price
from chalicelib.integrations.token_cipher import AesGcmTokenCipher
from chalicelib.services.connection_ports import Connections
from chalicelib.services.connection_tokens import ConnectionTokens
from chalicelib.services.payment_accounts import PaymentAccounts

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OLD_KEY = b"an-old-token-key-of-32-bytes-xyz"
NEW_KEY = b"a-new-token-key-of-32-bytes-abcd"
CONNECTION = Connection("host-1", "zoom", "grant-1", "acct", "ann@example.com", (), NOW,
                        None)


class Clock:
    def now(self) -> datetime:
        return NOW


@dataclass
class StoredConnections:
    """One connection whose access token is `sealed`, opened with `cipher`."""

    sealed: str
    cipher: AesGcmTokenCipher
    marked: list[str] = field(default_factory=list)

    def get(self, host_id: str, provider: str) -> tuple[Connection, Tokens]:
        token = self.cipher.decrypt(self.sealed, host_id, provider)
        return CONNECTION, Tokens(token, None, None)

    def for_host(self, host_id: str) -> list[Connection]:
        return [CONNECTION]

    def mark_broken(self, host_id: str, provider: str, grant_id: str, reason: str,
                    now: datetime, *rest: Any) -> bool:
        self.marked.append(reason)
        return True


@dataclass
class TokensOnTheStore(ConnectionTokens):
    connections: Connections
    clients: Any = None  # a refresh is never reached
    clock: Any = field(default_factory=Clock)
    sleep: Any = time.sleep
    refreshed: dict[tuple[str, str, str], Tokens] = field(default_factory=dict)


def on_container(ring: dict[str, bytes], active: str,
                 sealed: str) -> tuple[TokensOnTheStore, StoredConnections]:
    store = StoredConnections(sealed, AesGcmTokenCipher(ring, active))
    return TokensOnTheStore(cast(Connections, store)), store


def test_tokens_sealed_under_a_key_the_container_lacks_are_a_retry_and_never_mark_it_broken(
        ) -> None:
    # a new container sealed them under the new key; an old one has only the old key
    sealed = AesGcmTokenCipher({"k2": NEW_KEY, "k1": OLD_KEY}, "k2").encrypt(
        "access", "host-1", "zoom")
    service, store = on_container({"k1": OLD_KEY}, "k1", sealed)

    with pytest.raises(ProviderUnavailableError):
        service.access_token("host-1", "zoom")

    assert store.marked == []


def test_tokens_whose_text_was_altered_mark_the_connection_broken() -> None:
    box = AesGcmTokenCipher({"k1": OLD_KEY}, "k1")
    parts = box.encrypt("access", "host-1", "zoom").split(".")
    parts[3] = parts[3][::-1]  # the same letters, another text: its tag fails
    service, store = on_container({"k1": OLD_KEY}, "k1", ".".join(parts))

    with pytest.raises(ConnectionBrokenError):
        service.access_token("host-1", "zoom")

    assert len(store.marked) == 1 and "cannot read" in store.marked[0]


# ---- a payment account's keys: the same rule --------------------------------------------

RAZORPAY = Connection("host-1", "razorpay", "grant-1", "acct", "Ann's shop", (), NOW, None)


@dataclass
class StoredPaymentKeys(StoredConnections):
    def get(self, host_id: str, provider: str) -> tuple[Connection, Tokens]:
        secret = self.cipher.decrypt(self.sealed, host_id, provider)
        return RAZORPAY, Tokens(secret, None, None)

    def for_host(self, host_id: str) -> list[Connection]:
        return [RAZORPAY]


def payments_on_container(ring: dict[str, bytes], active: str,
                          sealed: str) -> tuple[PaymentAccounts, StoredPaymentKeys]:
    store = StoredPaymentKeys(sealed, AesGcmTokenCipher(ring, active))
    return PaymentAccounts(cast(Connections, store), Clock(), frozenset({"razorpay"}),
                           stripe=lambda _account: None,  # type: ignore[arg-type,return-value]
                           razorpay=lambda keys: keys,  # type: ignore[arg-type,return-value]
                           dashboard_url="https://penny.test/app"), store


def test_payment_keys_sealed_under_a_key_the_container_lacks_are_a_retry_not_a_500() -> None:
    sealed = AesGcmTokenCipher({"k2": NEW_KEY, "k1": OLD_KEY}, "k2").encrypt(
        '{"key_secret": "s", "webhook_secret": "w"}', "host-1", "razorpay")
    accounts, store = payments_on_container({"k1": OLD_KEY}, "k1", sealed)

    with pytest.raises(ProviderUnavailableError):
        accounts.razorpay_webhooks("host-1")

    assert store.marked == []


def test_payment_keys_whose_text_was_altered_mark_the_account_broken() -> None:
    sealed = AesGcmTokenCipher({"k1": OLD_KEY}, "k1").encrypt(
        '{"key_secret": "s", "webhook_secret": "w"}', "host-1", "razorpay")
    altered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    accounts, store = payments_on_container({"k1": OLD_KEY}, "k1", altered)

    with pytest.raises(NotConnectedError):
        accounts.razorpay_webhooks("host-1")

    assert store.marked == ["Penny cannot read its Razorpay keys; reconnect it"]


STRIPE = Connection("host-1", "stripe", "grant-2", "acct_1", "Ann's shop", ("payments",), NOW,
                    None)


@dataclass
class StripeReadableRazorpaySealed(StoredPaymentKeys):
    """Both vendors connected; Razorpay's keys are the `sealed` text, Stripe's plain."""

    def get(self, host_id: str, provider: str) -> tuple[Connection, Tokens]:
        if provider == "stripe":
            return STRIPE, Tokens("acct_1", None, None)
        return super().get(host_id, provider)

    def for_host(self, host_id: str) -> list[Connection]:
        return [STRIPE, RAZORPAY]

    def with_tokens(self, host_id: str, providers: frozenset[str]) -> dict[str, Any]:
        return {p: self.get(host_id, p) for p in ("stripe", "razorpay")}


def test_a_rupee_booking_whose_razorpay_keys_were_altered_is_taken_by_stripe_and_razorpay_broken(
        ) -> None:
    # GIVEN a host with Stripe and Razorpay, Razorpay's stored keys altered (its key
    # retired would be the same): the one read of both fails
    sealed = AesGcmTokenCipher({"k1": OLD_KEY}, "k1").encrypt(
        '{"key_secret": "s", "webhook_secret": "w"}', "host-1", "razorpay")
    altered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    store = StripeReadableRazorpaySealed(altered, AesGcmTokenCipher({"k1": OLD_KEY}, "k1"))
    accounts = PaymentAccounts(cast(Connections, store), Clock(),
                               frozenset({"stripe", "razorpay"}),
                               stripe=lambda account: account,  # type: ignore[arg-type,return-value]
                               razorpay=lambda keys: keys,  # type: ignore[arg-type,return-value]
                               dashboard_url="https://penny.test/app")

    # WHEN a client books a rupee price (Razorpay's, while it works)
    chosen = accounts.for_new_booking("host-1", Price(150000, "INR"))

    # THEN Stripe, which takes rupees too, takes it, and Razorpay is broken for the host
    assert (chosen.name, chosen.account) == ("stripe", "acct_1")
    assert store.marked == ["Penny cannot read its Razorpay keys; reconnect it"]
