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
    BookedTermsChangedError,
    NotFoundError,
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
    from chalicelib.domain.event_types import EventType
    from chalicelib.domain.hosts import HostConfig
    from chalicelib.services.payments import PaymentService


@dataclass(frozen=True)
class BookingRequest:
    start: datetime
    attendee: Attendee
    answers: Mapping[str, str | None]
    # The event type's version the client's page showed; None: book it as it is now.
    event_type_version: int | None = None


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
        key = None if idempotency_key is None else Idempotency(
            f"{config.profile.host_id}#{et.id}#{idempotency_key}",
            fingerprint(host_slug, event_slug, request))
        shown = request.event_type_version
        if shown is not None and shown != et.version:
            # A retry of a request that booked before the host's change gets its booking.
            replay = None if key is None else self.reservations.replay(key)
            if replay is not None:
                return replay
            config, et = self._as_shown(config, et, shown)
        validate_timezone(request.attendee.timezone, "attendee.timezone")
        try:
            answers = et.check_answers(request.answers)
        except ValidationError:
            # A caller that sends no version, retrying a request that booked before the
            # host changed the questions, gets its booking, not the new question's 400.
            replay = None if key is None or shown is not None else \
                self.reservations.replay(key)
            if replay is None:
                raise
            return replay
        if not request.attendee.name.strip():
            raise ValidationError("name is required", "attendee.name")
        host_id = config.profile.host_id
        attendee = Attendee(request.attendee.name.strip(), request.attendee.email.strip(),
                            request.attendee.timezone)
        new = NewBooking(host_id, config.schedule, et, request.start, attendee, answers,
                         config.calendars, premium=config.premium,
                         keeps_notes=config.notes is not None)
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

    def _as_shown(self, config: HostConfig, et: EventType, shown: int
                  ) -> tuple[HostConfig, EventType]:
        """The host's config with the event type at the version the client's page showed,
        read again consistently: the slug index's read may lag a save the page saw. Else
        BookedTermsChangedError with the event type as it now stands: nothing is booked on
        terms the client was not shown."""
        config = self.hosts.config(config.profile.host_id, consistent=True)
        now = next((e for e in config.event_types if e.id == et.id and e.active), None)
        if now is None:
            raise NotFoundError(f"event type '{et.slug}' not found")
        if now.version != shown:
            raise BookedTermsChangedError(
                "the host changed this event type after your page showed it: its length, "
                "price, place or questions may differ; show the event type as it is now "
                "(current) and book again", "event_type_version", current=now)
        return config, now
