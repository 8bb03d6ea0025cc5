"""Turning validated request models and headers into service inputs."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.domain.bookings import Attendee
from chalicelib.domain.errors import ValidationError
from chalicelib.services.booking import BookingRequest

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def idempotency_key(headers: Any) -> str | None:
    value = headers.get("idempotency-key")
    if value is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(value):
        raise ValidationError("Idempotency-Key must be 1-255 visible ASCII characters",
                              "Idempotency-Key")
    return str(value)


def booking_request(body: Any) -> BookingRequest:
    a = body.attendee
    return BookingRequest(start=body.start, attendee=Attendee(a.name, a.email, a.timezone),
                          answers=dict(body.answers),
                          event_type_version=body.event_type_version)
