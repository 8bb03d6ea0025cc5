"""A host's availability: weekly hours as ranges per weekday, and dated overrides."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from chalicelib.functions.schemas.base import Strict
from chalicelib.functions.schemas.fields import HHMM, ApiDate, Version

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class RangeModel(Strict):
    start: HHMM
    end: HHMM

    @model_validator(mode="after")
    def _ordered(self) -> RangeModel:
        if self.start == "24:00":
            raise ValueError("start must be before 24:00 (24:00 only ends a day)")
        if self.end != "24:00" and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def _no_overlap(ranges: list[RangeModel]) -> list[RangeModel]:
    ordered = sorted(ranges, key=lambda r: r.start)
    for before, after in pairwise(ordered):
        if before.end == "24:00" or after.start < before.end:
            raise ValueError(f"{before.start}-{before.end} overlaps {after.start}-{after.end}")
    return ranges


DayRanges = Annotated[list[RangeModel], Field(max_length=12), AfterValidator(_no_overlap)]


class Weekly(Strict):
    monday: DayRanges = []
    tuesday: DayRanges = []
    wednesday: DayRanges = []
    thursday: DayRanges = []
    friday: DayRanges = []
    saturday: DayRanges = []
    sunday: DayRanges = []


class OverrideModel(Strict):
    date: ApiDate
    ranges: DayRanges = Field(description="hours on that date instead of the weekly ones; "
                                          "empty means the day is off")


class ScheduleIn(Strict):
    weekly: Weekly
    overrides: Annotated[list[OverrideModel], Field(max_length=366)] = []
    version: Version | None = None

    @field_validator("overrides")
    @classmethod
    def _unique_dates(cls, value: list[OverrideModel]) -> list[OverrideModel]:
        if len({o.date for o in value}) != len(value):
            raise ValueError("each date may have one override")
        return value


class RangeOut(Strict):
    start: str
    end: str


class WeeklyOut(Strict):
    monday: list[RangeOut]
    tuesday: list[RangeOut]
    wednesday: list[RangeOut]
    thursday: list[RangeOut]
    friday: list[RangeOut]
    saturday: list[RangeOut]
    sunday: list[RangeOut]


class OverrideOut(Strict):
    date: date
    ranges: list[RangeOut] = Field(description="hours on that date instead of the weekly "
                                               "ones; empty means the day is off")


class ScheduleOut(Strict):
    """The schedule as stored: no input rule is checked again (one tightened since must
    not break the reads of hours saved before)."""

    weekly: WeeklyOut
    overrides: list[OverrideOut]
    timezone: str
    saved: bool = Field(description="whether the host has ever saved a schedule: false for "
                                    "a new account's empty one, true for one emptied on "
                                    "purpose")
    version: Version
