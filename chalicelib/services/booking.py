"""Booking a slot: validate the request, then reserve its time as a confirmed booking
(a paid event type's as a held one, with its checkout: services/payments.py).

Two reads (public config by slug; the ledger days plus the idempotency record in one
consistent BatchGet) and one TransactWriteItems; the read → check → commit → retry loop
is the reservation service's (services/reservations.py), shared with moves and cancels.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib.domain.bookings import Attendee, BookingStatus
from chalicelib.domain.currencies import CURRENCIES
from chalicelib.domain.errors import (
    PaymentNotConnectedError,
    PriceNotPayableError,
    ValidationError,
)
from chalicelib.domain.hosts import validate_timezone
from chalicelib.domain.reservations import NewBooking, bookable_event_type
from chalicelib.services.links import BookingLinks
from chalicelib.services.ports import Hosts
from chalicelib.services.reservations import BookingResult, Idempotency, Reservations

if TYPE_CHECKING:
    from chalicelib.services.payments import PaymentService


@dataclass(frozen=True)
class BookingRequest:
    start: datetime
    attendee: Attendee
    answers: Mapping[str, str | None]


def fingerprint(host_slug: str, event_slug: str, request: BookingRequest) -> str:
    canonical = json.dumps({
        "host": host_slug, "event": event_slug, "start": request.start.astimezone(UTC).isoformat(),
        "attendee": [request.attendee.name, request.attendee.email, request.attendee.timezone],
        "answers": dict(request.answers)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class BookingService:
    hosts: Hosts
    reservations: Reservations
    links: BookingLinks
    # Paid event types: held, then paid (services/payments.py); made on first use.
    payments: Callable[[], PaymentService] | None = None

    def book(self, host_slug: str, event_slug: str, request: BookingRequest,
             idempotency_key: str | None = None) -> BookingResult:
        config = self.hosts.public_config(host_slug)
        et = bookable_event_type(config.event_types, event_slug)
        validate_timezone(request.attendee.timezone, "attendee.timezone")
        answers = et.check_answers(request.answers)
        if not request.attendee.name.strip():
            raise ValidationError("name is required", "attendee.name")
        host_id = config.profile.host_id
        attendee = Attendee(request.attendee.name.strip(), request.attendee.email.strip(),
                            request.attendee.timezone)
        new = NewBooking(host_id, config.schedule, et, request.start, attendee, answers,
                         config.calendars, premium=config.premium,
                         keeps_notes=config.notes is not None)
        key = None if idempotency_key is None else Idempotency(
            f"{host_id}#{et.id}#{idempotency_key}", fingerprint(host_slug, event_slug, request))
        if et.is_paid:
            assert et.price is not None
            if et.price.currency not in CURRENCIES:
                # Saved while the code was current (BGN until 2026): shown as it is, but
                # not charged until the host changes it.
                raise PriceNotPayableError(
                    f"this event type's price is in {et.price.currency}, which is no longer "
                    "a current currency, so it cannot be booked; please tell the host",
                    "price")
            if self.payments is None:
                raise PaymentNotConnectedError("this Penny takes no payments, so this paid "
                                               "event cannot be booked")
            return self.payments().book(new, key)
        return self.reservations.reserve(new, BookingStatus.CONFIRMED, idempotency=key)
