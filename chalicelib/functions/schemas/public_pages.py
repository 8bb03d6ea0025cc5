"""What anyone may read of a host: the public profile and its visible event types."""

from __future__ import annotations

from pydantic import Field

from chalicelib.functions.schemas.base import Strict
from chalicelib.functions.schemas.event_types import PriceOut
from chalicelib.functions.schemas.profile import LinkOut


class PublicQuestion(Strict):
    id: str
    label: str
    type: str
    required: bool
    options: list[str]


class PublicEventType(Strict):
    slug: str
    title: str
    description: str
    duration_minutes: int
    location_kind: str
    price: PriceOut | None
    questions: list[PublicQuestion]
    refund_hours_before: int | None = Field(
        default=None, description="paid event types: the refund policy's deadline")
    version: int = Field(description=(
        "counted up by every save of this event type; send it with a booking as "
        "`event_type_version` to have the booking refused (409 event_type_changed) if the "
        "host changed the event type after you showed it"))


class PublicProfile(Strict):
    slug: str
    display_name: str
    description: str
    links: list[LinkOut]
    timezone: str
    event_types: list[PublicEventType]
