"""Changing a booking: cancelling it (the attendee with its token, or the host) and
moving it to another start.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, field_validator

from chalicelib.functions.schemas.base import Strict
from chalicelib.functions.schemas.bookings import BookingIn
from chalicelib.functions.schemas.fields import FreeText, Instant


class CancelIn(Strict):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    reason: Annotated[FreeText, Field(max_length=500)] | None = None


class HostCancelIn(Strict):
    reason: Annotated[FreeText, Field(max_length=500)] | None = None


class RescheduleIn(Strict):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    start: Instant

    @field_validator("start")
    @classmethod
    def _in_range(cls, value: AwareDatetime) -> AwareDatetime:
        return BookingIn._in_range(value)
