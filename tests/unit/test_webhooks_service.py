"""Receiving a webhook: verified before anything, run once per event id, retried when a
retry can help. The clock stands at 2026-11-23T12:00:00Z.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import (
    AuthenticationError,
    BookingContentionError,
    CalendarUnavailableError,
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
    ValidationError,
)
from chalicelib.domain.event_types import Price
from chalicelib.services.webhooks import (
    LEASE,
    RETENTION,
    Claim,
    Headers,
    InvalidSignatureError,
    Outcome,
    PaymentWebhooks,
    Receipt,
    VerifiedEvent,
    receive,
)
from tests.fakes.providers import FakePayments

NOW = datetime.fromisoformat("2026-11-23T12:00:00+00:00")


@dataclass
class Record:
    status: str
    lease_until: datetime
    expires_at: datetime
    outcome: str | None = None


@dataclass
class FakeDeliveries:
    """store/deliveries.py's contract: a claim is free when absent, expired, or in
    progress past its lease; done stays done until it expires."""

    records: dict[tuple[str, str], Record] = field(default_factory=dict)

    def claim(self, provider: str, event_id: str, event_type: str, now: datetime,
              lease_until: datetime, expires_at: datetime) -> Claim:
        held = self.records.get((provider, event_id))
        if held is not None and held.expires_at >= now and not (
                held.status == "in_progress" and held.lease_until < now):
            return Claim.DONE if held.status == "done" else Claim.IN_PROGRESS
        self.records[(provider, event_id)] = Record("in_progress", lease_until, expires_at)
        return Claim.CLAIMED

    def finish(self, provider: str, event_id: str, outcome: str,
               expires_at: datetime) -> None:
        record = self.records[(provider, event_id)]
        record.status, record.outcome, record.expires_at = "done", outcome, expires_at

    def release(self, provider: str, event_id: str) -> None:
        if self.records[(provider, event_id)].status == "in_progress":
            del self.records[(provider, event_id)]


class TokenVerifier:
    """Signed means: the header `x-token` says "good". The event id is the body."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def verify(self, raw: bytes, headers: Headers) -> VerifiedEvent:
        self.seen.append(raw)
        if headers.get("x-token") != "good":
            raise InvalidSignatureError("the token does not match")
        return VerifiedEvent(raw.decode(), "thing.happened", {"body": raw})


SIGNED = Headers({"X-Token": "good"})


def deliver(deliveries: FakeDeliveries, handle: Callable[[VerifiedEvent], Any],
            body: bytes = b"evt_1", headers: Headers = SIGNED,
            now: datetime = NOW) -> Receipt[Any]:
    return receive("acme", body, headers, TokenVerifier(), deliveries, now, handle)


def test_headers_are_found_whatever_their_case() -> None:
    headers = Headers([("Stripe-Signature", "t=1,v1=ab"), ("X-GOOG-CHANNEL-ID", "c-1")])

    assert headers["stripe-signature"] == "t=1,v1=ab"
    assert headers.get("x-goog-channel-id") == headers["X-Goog-Channel-Id"] == "c-1"
    assert "STRIPE-SIGNATURE" in headers
    assert sorted(headers) == ["stripe-signature", "x-goog-channel-id"]


def test_a_bad_signature_runs_nothing_and_records_nothing() -> None:
    deliveries, ran = FakeDeliveries(), list[VerifiedEvent]()

    with pytest.raises(InvalidSignatureError):
        deliver(deliveries, ran.append, headers=Headers({"x-token": "forged"}))

    assert ran == [] and deliveries.records == {}


def test_a_missing_signature_is_as_bad_as_a_wrong_one() -> None:
    deliveries, ran = FakeDeliveries(), list[VerifiedEvent]()

    with pytest.raises(InvalidSignatureError):
        deliver(deliveries, ran.append, headers=Headers())

    assert ran == [] and deliveries.records == {}


def test_the_first_delivery_runs_and_is_remembered_for_the_retention() -> None:
    deliveries, ran = FakeDeliveries(), list[str]()

    def handle(event: VerifiedEvent) -> str:
        ran.append(event.id)
        return "result"

    receipt = receive("acme", b"evt_1", SIGNED, TokenVerifier(), deliveries, NOW, handle)

    assert (receipt.outcome, receipt.result, ran) == (Outcome.PROCESSED, "result", ["evt_1"])
    record = deliveries.records[("acme", "evt_1")]
    assert (record.status, record.outcome) == ("done", "processed")
    assert record.expires_at == NOW + RETENTION


def test_a_redelivery_is_a_duplicate_and_runs_nothing() -> None:
    deliveries, ran = FakeDeliveries(), list[VerifiedEvent]()
    deliver(deliveries, ran.append)

    receipt = deliver(deliveries, ran.append, now=NOW + timedelta(days=3))

    assert receipt.outcome is Outcome.DUPLICATE
    assert len(ran) == 1


def test_the_same_event_id_from_another_provider_is_another_event() -> None:
    deliveries, ran = FakeDeliveries(), list[VerifiedEvent]()
    deliver(deliveries, ran.append)

    receipt = receive("other", b"evt_1", SIGNED, TokenVerifier(), deliveries, NOW, ran.append)

    assert receipt.outcome is Outcome.PROCESSED and len(ran) == 2


@pytest.mark.parametrize("error", [ProviderUnavailableError("acme", "down"),
                                   BookingContentionError("busy calendar"),
                                   CalendarUnavailableError("the host's calendar is down")])
def test_a_retryable_failure_releases_the_event_so_the_retry_runs_it(error: Exception) -> None:
    deliveries, attempts = FakeDeliveries(), list[str]()

    def flaky(event: VerifiedEvent) -> None:
        attempts.append(event.id)
        if len(attempts) == 1:
            raise error

    with pytest.raises(type(error)):
        deliver(deliveries, flaky)
    receipt = deliver(deliveries, flaky)

    assert receipt.outcome is Outcome.PROCESSED
    assert attempts == ["evt_1", "evt_1"]


def test_a_bug_releases_the_event_too() -> None:
    deliveries = FakeDeliveries()

    def broken(event: VerifiedEvent) -> None:
        raise KeyError("oops")

    with pytest.raises(KeyError):
        deliver(deliveries, broken)

    assert deliveries.records == {}


@pytest.mark.parametrize("error", [ConnectionBrokenError("acme", "reconnect"),
                                   ProviderRejectedError("acme", "no such customer"),
                                   ValidationError("amount is not a number")])
def test_a_final_refusal_is_recorded_as_done_and_never_run_again(error: Exception) -> None:
    deliveries, attempts = FakeDeliveries(), list[str]()

    def refuses(event: VerifiedEvent) -> None:
        attempts.append(event.id)
        raise error

    first = deliver(deliveries, refuses)
    again = deliver(deliveries, refuses)

    assert first.refusal is error
    assert (first.outcome, again.outcome) == (
        Outcome.REFUSED, Outcome.DUPLICATE)
    assert deliveries.records[("acme", "evt_1")].outcome == getattr(error, "code", None)
    assert attempts == ["evt_1"]


def test_an_event_another_run_holds_is_in_progress_until_its_lease_ends() -> None:
    deliveries, ran = FakeDeliveries(), list[VerifiedEvent]()
    deliveries.claim("acme", "evt_1", "thing.happened", NOW, NOW + LEASE, NOW + RETENTION)

    during = deliver(deliveries, ran.append, now=NOW + LEASE)
    after = deliver(deliveries, ran.append, now=NOW + LEASE + timedelta(seconds=1))

    assert during.outcome is Outcome.IN_PROGRESS
    assert after.outcome is Outcome.PROCESSED and len(ran) == 1


def test_an_event_id_is_a_key_so_it_must_be_short_and_present() -> None:
    with pytest.raises(ValueError, match="event id"):
        deliver(FakeDeliveries(), print, body=b"")
    with pytest.raises(ValueError, match="event id"):
        deliver(FakeDeliveries(), print, body=b"e" * 201)


class SaysNotOurs:
    def verify(self, raw: bytes, headers: Headers) -> VerifiedEvent | None:
        return None


class PortSaysNotAuthentic:
    def verify(self, raw: bytes, headers: Headers) -> VerifiedEvent | None:
        raise AuthenticationError("the webhook's signature does not match its body")


def test_a_genuine_event_penny_does_not_act_on_is_ignored_and_not_recorded() -> None:
    deliveries, ran = FakeDeliveries(), list[VerifiedEvent]()

    receipt = receive("acme", b"{}", SIGNED, SaysNotOurs(), deliveries, NOW, ran.append)

    assert (receipt.outcome, receipt.event) == (Outcome.IGNORED, None)
    assert ran == [] and deliveries.records == {}


def test_a_ports_authentication_error_is_an_invalid_signature() -> None:
    with pytest.raises(InvalidSignatureError) as refused:
        receive("acme", b"{}", SIGNED, PortSaysNotAuthentic(), FakeDeliveries(), NOW, print)

    assert refused.value.code == "invalid_signature"


def test_a_payment_providers_own_verifier_serves_the_edge() -> None:
    payments, deliveries, ran = FakePayments(), FakeDeliveries(), list[VerifiedEvent]()
    verifier = PaymentWebhooks(payments)
    body, headers = payments.webhook({"id": "evt_7", "kind": "paid", "booking_uid": "b-1",
                                      "checkout_id": "cs-1", "payment_id": "pi-1",
                                      "amount_minor": 5000, "currency": "EUR"})

    paid = receive("fake", body, Headers(headers), verifier, deliveries, NOW, ran.append)
    forged = Headers({"fake-signature": "0" * 64})

    assert (paid.outcome, ran[0].id, ran[0].type) == (Outcome.PROCESSED, "evt_7", "paid")
    assert ran[0].payload.amount == Price(5000, "EUR")
    with pytest.raises(InvalidSignatureError):
        receive("fake", body, forged, verifier, deliveries, NOW, ran.append)
    other, other_headers = payments.webhook({"id": "evt_8", "kind": "customer.created"})
    ignored = receive("fake", other, Headers(other_headers), verifier, deliveries, NOW,
                      ran.append)
    assert ignored.outcome is Outcome.IGNORED and len(ran) == 1
