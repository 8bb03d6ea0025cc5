"""Free slots of an event type between two dates, in the visitor's zone or the host's."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chalicelib.functions.schemas.base import Query, Strict
from chalicelib.functions.schemas.fields import ApiDate, Zone


class SlotsQuery(Query):
    start: ApiDate
    end: ApiDate
    timeZone: Zone | None = Field(default=None, description=(
        "the visitor's zone for dates and times; default: the host's (echoed as time_zone)"))


class MoveSlotsQuery(SlotsQuery):
    token: Annotated[str, Field(min_length=1, max_length=200, description=(
        "the booking's reschedule token"))]


class SlotOut(Strict):
    start: str
    end: str


class SlotsOut(Strict):
    event: str
    duration_minutes: int
    time_zone: str
    slots: dict[str, list[SlotOut]]
    # True when one of the host's calendars could not be re-read in time and its cached
    # copy was used as it was; a booking still checks it afresh.
    stale: bool = False
