"""Event types as their host writes them: duration, location, questions, limits, and a
price in a current currency; and as they are read back.

The output models check no input rule: they show what is stored, which rules tightened
since (a currency withdrawn from the list) must not turn into a 500 on every read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.domain.currencies import CURRENCIES
from chalicelib.domain.event_types import MAX_DURATION_MINUTES
from chalicelib.functions.schemas.base import Query, Strict
from chalicelib.functions.schemas.fields import (
    CURRENCY_PATTERN,
    QUESTION_ID_PATTERN,
    ApiDate,
    FreeText,
    Minutes,
    Slug,
    Text,
    Version,
)


class QuestionModel(Strict):
    id: Annotated[str, Field(pattern=QUESTION_ID_PATTERN)]
    label: Annotated[Text, Field(max_length=200)]
    type: Literal["text", "long_text", "email", "phone", "select"]
    required: bool = False
    options: Annotated[list[Annotated[Text, Field(max_length=100)]],
                       Field(max_length=50)] = []

    @model_validator(mode="after")
    def _options(self) -> QuestionModel:
        if self.type == "select" and not self.options:
            raise ValueError("a choice question (select) needs at least one option to choose")
        if self.type != "select" and self.options:
            raise ValueError("only a choice question (select) takes options")
        return self


class LocationModel(Strict):
    kind: Literal["google_meet", "teams", "zoom", "phone", "in_person"]
    details: Annotated[FreeText, Field(max_length=500)] | None = None


def _current_currency(code: str) -> str:
    if code not in CURRENCIES:
        raise PydanticCustomError(
            "currency_unknown", "must be the ISO 4217 code of a current currency, like EUR "
            "('{code}' is none)", {"code": code})
    return code


class PriceModel(Strict):
    amount_minor: Annotated[int, Field(ge=0, le=100_000_000, description="in minor units")]
    currency: Annotated[str, Field(pattern=CURRENCY_PATTERN,
                                   description="ISO 4217, a current currency"),
                        AfterValidator(_current_currency)]


class BookingDatesModel(Strict):
    """A booking window between two dates: the host's dates, in their profile's zone,
    both bookable (an end before the start: 400 invalid_booking_window)."""

    start: ApiDate
    end: ApiDate


class BookingDatesOut(Strict):
    start: date
    end: date


class EventTypeIn(Strict):
    slug: Slug
    title: Annotated[Text, Field(max_length=120)]
    description: Annotated[FreeText, Field(max_length=2000)] = ""
    duration_minutes: Annotated[int, Field(ge=5, le=MAX_DURATION_MINUTES)]
    location: LocationModel
    price: PriceModel | None = None
    buffer_before_minutes: Minutes = 0
    buffer_after_minutes: Minutes = 0
    minimum_notice_minutes: Annotated[int, Field(ge=0, le=525_600)] = 0
    slot_interval_minutes: Annotated[int, Field(ge=5, le=720)] | None = None
    booking_window_days: Annotated[int, Field(ge=1, le=730)] | None = None
    booking_window_dates: Annotated[BookingDatesModel | None, Field(description=(
        "bookable only between these two dates, in the host's zone (instead of "
        "booking_window_days: not both)"))] = None
    daily_limit: Annotated[int, Field(ge=1, le=100)] | None = None
    questions: Annotated[list[QuestionModel], Field(max_length=20)] = []
    hidden: bool = False
    active: bool = True
    refund_hours_before: Annotated[int, Field(
        ge=0, le=8760, description="a paid booking cancelled at least this many hours "
        "before its start is refunded in full; later, nothing is refunded")] = 24

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, value: list[QuestionModel]) -> list[QuestionModel]:
        if len({q.id for q in value}) != len(value):
            raise ValueError("question ids must be unique")
        return value


class EventTypeUpdateIn(EventTypeIn):
    """A PUT's body: the event type whole, and the version it was read with."""

    version: Version | None = None


class EventTypeDeleteQuery(Query):
    """A DELETE's query: the version the event type was read with, if any."""

    version: Version | None = None


class PriceOut(Strict):
    """A price as stored: its currency may since have left the current ones (BGN in 2026);
    such a price is shown, and its event type cannot be booked until the host changes it."""

    amount_minor: Annotated[int, Field(description="in minor units")]
    currency: Annotated[str, Field(description="ISO 4217")]


class QuestionOut(Strict):
    id: str
    label: str
    type: str
    required: bool
    options: list[str]


class LocationOut(Strict):
    kind: str
    details: str | None


class EventTypeOut(Strict):
    id: str
    slug: str
    title: str
    description: str
    duration_minutes: int
    location: LocationOut
    price: PriceOut | None
    buffer_before_minutes: int
    buffer_after_minutes: int
    minimum_notice_minutes: int
    slot_interval_minutes: int | None
    booking_window_days: int | None
    booking_window_dates: BookingDatesOut | None
    daily_limit: int | None
    questions: list[QuestionOut]
    hidden: bool
    active: bool
    refund_hours_before: int
    version: Version


class EventTypeList(Strict):
    event_types: list[EventTypeOut]
    order_version: Annotated[Version, Field(description=(
        "the order's version: a reorder that sends it is refused (409) if the event "
        "types were reordered, added to or deleted since"))]


class EventTypeOrderIn(Strict):
    """A reorder's body: every one of the host's event types, by id, first shown first."""

    ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]],
                   Field(max_length=50)]
    version: Version | None = None


class EventTypeOrderOut(Strict):
    ids: list[str]
    version: Version
