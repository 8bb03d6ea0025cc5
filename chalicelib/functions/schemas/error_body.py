"""The body of every error answer: `{"error": {"code", "message", "field"}}`."""

from __future__ import annotations

from pydantic import Field

from chalicelib.functions.schemas.base import Strict


class ErrorDetail(Strict):
    code: str
    message: str
    field: str | None = None
    reason: str | None = Field(default=None, description=(
        "slot_unavailable only: the rule that refused the time (in_the_past, too_soon, "
        "beyond_booking_window, outside_hours, not_on_slot_grid, daily_limit_reached, "
        "calendar_busy)"))


class ErrorResponse(Strict):
    error: ErrorDetail
