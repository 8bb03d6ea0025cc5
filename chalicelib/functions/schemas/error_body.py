"""The body of every error answer: `{"error": {"code", "message", "field"}}`, and for a
save refused because another saved first, `current`: the object as it now stands."""

from __future__ import annotations

from pydantic import Field

from chalicelib.functions.schemas.base import Strict
from chalicelib.functions.schemas.event_types import EventTypeOrderOut, EventTypeOut
from chalicelib.functions.schemas.profile import ProfileOut
from chalicelib.functions.schemas.public_pages import PublicEventType
from chalicelib.functions.schemas.schedule import ScheduleOut


class ErrorDetail(Strict):
    code: str
    message: str
    field: str | None = None
    reason: str | None = Field(default=None, description=(
        "slot_unavailable only: the rule that refused the time (in_the_past, too_soon, "
        "before_booking_window, beyond_booking_window, outside_hours, not_on_slot_grid, "
        "daily_limit_reached, calendar_busy)"))


class ErrorResponse(Strict):
    error: ErrorDetail
    current: (EventTypeOut | EventTypeOrderOut | ProfileOut | ScheduleOut | PublicEventType
              | None) = Field(
        default=None, description=(
            "event_type_changed, event_type_order_changed, profile_changed, "
            "schedule_changed: the event type, the event types' order, the profile or the "
            "schedule as it is stored now, with its version, so a page can show it without "
            "reading it again; a booking refused as event_type_changed carries the event "
            "type as GET /hosts/{host}/{event} answers it"))
