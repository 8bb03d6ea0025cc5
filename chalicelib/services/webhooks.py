"""Receiving a provider's webhook: verify the raw bytes, then run it once per event id.

Providers deliver at least once, in any order, and retry anything that is not a 2xx
(Stripe for 3 days). So a delivery is verified on the exact bytes sent, before anything
else happens; then claimed by (source, event id) with a conditional write, run, and
recorded as done, so a redelivery runs nothing. The source is the provider and the URL's
path values (`razorpay#{host id}`: Razorpay sends one event to each URL of an account,
and each is run on its own; functions/edge.py's `delivery_source`). A failure that a retry can cure
(`RETRYABLE`, or a bug) releases the claim so the provider's retry runs it again; any
other refusal is final and recorded as done, so the provider stops retrying what retrying
cannot fix (answering it 4xx would only get the endpoint disabled).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from chalicelib.domain.errors import (
    AuthenticationError,
    BookingContentionError,
    CalendarUnavailableError,
    PennyError,
    ProviderUnavailableError,
    ValidationError,
)

if TYPE_CHECKING:
    from chalicelib.domain.providers.payments import PaymentProvider

# The claim's lease: far longer than the API Lambda's 10 s timeout, so a live run always
# finishes (or is killed) inside it; a crashed run's event is claimable again after it.
LEASE = timedelta(minutes=1)
# How long a processed event id is remembered: Stripe redelivers for up to 3 days.
RETENTION = timedelta(days=7)
# Failures a later delivery can cure: the provider is told to retry (503). A late
# payment's re-check of the host's calendars that could not be made is one.
RETRYABLE: tuple[type[PennyError], ...] = (ProviderUnavailableError, BookingContentionError,
                                          CalendarUnavailableError)


class InvalidSignatureError(ValidationError):
    """A webhook's signature is missing, malformed, stale or does not match its body."""

    code = "invalid_signature"


class Headers(Mapping[str, str]):
    """Request headers, looked up without regard to case (HTTP field names have none)."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items = {name.lower(): value for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class VerifiedEvent:
    """A delivery whose signature checked out: only these reach a handler."""

    id: str                  # the provider's id of the event: the same on every redelivery
    type: str                # e.g. "paid", "exists" (a Google channel's resource state)
    payload: Any = field(default_factory=dict)  # as the verifier read it (a PaymentEvent...)


class WebhookVerifier(Protocol):
    def verify(self, raw: bytes, headers: Headers) -> VerifiedEvent | None:
        """The event `raw` carries, or None for a genuine one Penny does not act on;
        raises InvalidSignatureError (or AuthenticationError) unless it is signed."""
        ...


class PaymentWebhooks:
    """A payment provider's own verifier (`PaymentProvider.verify_webhook`) as the edge's."""

    def __init__(self, payments: PaymentProvider) -> None:
        self.payments = payments

    def verify(self, raw: bytes, headers: Headers) -> VerifiedEvent | None:
        event = self.payments.verify_webhook(raw, headers)
        return None if event is None else VerifiedEvent(event.id, str(event.kind), event)


class Claim(StrEnum):
    CLAIMED = "claimed"          # ours to run
    DONE = "done"                # processed (or refused for good) already
    IN_PROGRESS = "in_progress"  # another run holds a live lease on it


class Deliveries(Protocol):
    """Event ids already received, per source (store/deliveries.py)."""

    def claim(self, provider: str, event_id: str, event_type: str, now: datetime,
              lease_until: datetime, expires_at: datetime) -> Claim: ...
    def finish(self, provider: str, event_id: str, outcome: str,
               expires_at: datetime) -> None: ...
    def release(self, provider: str, event_id: str) -> None: ...


class Outcome(StrEnum):
    IGNORED = "ignored"          # genuine, of a kind Penny does not act on: nothing recorded
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    IN_PROGRESS = "in_progress"


T = TypeVar("T")


@dataclass(frozen=True)
class Receipt(Generic[T]):
    outcome: Outcome
    event: VerifiedEvent | None
    result: T | None = None
    refusal: PennyError | None = None


MAX_EVENT_ID = 200  # characters: ids are keys (DynamoDB allows 2 KB); vendors' are short


def receive(provider: str, raw: bytes, headers: Headers, verifier: WebhookVerifier,
            deliveries: Deliveries, now: datetime,
            handle: Callable[[VerifiedEvent], T]) -> Receipt[T]:
    """Verify, claim, run `handle` once, record. Raises what the verifier raises (nothing
    recorded), and a retryable error or a bug from `handle` (the claim released)."""
    try:
        event = verifier.verify(raw, headers)
    except AuthenticationError as exc:  # a port's word for "not authentic"
        raise InvalidSignatureError(exc.message) from exc
    if event is None:
        return Receipt(Outcome.IGNORED, None)
    if not 0 < len(event.id) <= MAX_EVENT_ID:
        raise ValueError(f"{provider}: an event id must have 1-{MAX_EVENT_ID} characters")
    claim = deliveries.claim(provider, event.id, event.type, now, now + LEASE, now + RETENTION)
    if claim is Claim.DONE:
        return Receipt(Outcome.DUPLICATE, event)
    if claim is Claim.IN_PROGRESS:
        return Receipt(Outcome.IN_PROGRESS, event)
    try:
        result = handle(event)
    except RETRYABLE:
        deliveries.release(provider, event.id)
        raise
    except PennyError as exc:
        deliveries.finish(provider, event.id, exc.code, now + RETENTION)
        return Receipt(Outcome.REFUSED, event, refusal=exc)
    except Exception:
        deliveries.release(provider, event.id)
        raise
    deliveries.finish(provider, event.id, Outcome.PROCESSED, now + RETENTION)
    return Receipt(Outcome.PROCESSED, event, result)
