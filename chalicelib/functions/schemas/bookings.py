"""Bookings: the attendee's request, the booking as its secret links show it, and as its
host lists and reads it (with notes and the brief).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator

from chalicelib.functions.schemas.base import Query, Strict
from chalicelib.functions.schemas.event_types import PriceOut
from chalicelib.functions.schemas.fields import Email, FreeText, Instant, Text, Zone
from chalicelib.functions.schemas.payments import PaymentOut


class AttendeeModel(Strict):
    name: Annotated[Text, Field(max_length=200)]
    email: Email
    timezone: Zone


class AttendeeOut(Strict):
    """The client as the booking holds them: no input rule is checked again (an address
    taken before a stricter check still reads back)."""

    name: str
    email: str
    timezone: str


class BookingIn(Strict):
    start: Instant
    attendee: AttendeeModel
    answers: Annotated[dict[Annotated[str, Field(max_length=40)],
                            Annotated[FreeText, Field(max_length=5000)] | None],
                       # the host's 20 questions, and a phone call's number to call
                       Field(max_length=21)] = {}
    event_type_version: int | None = Field(default=None, ge=0, le=2**53 - 1, description=(
        "the event type's `version` as the page or app that books showed it (GET "
        "/hosts/{host}/{event}): if the host saved the event type since, the booking is "
        "refused (409 event_type_changed, with the event type as it is now in `current`), "
        "so nothing is booked on a length, price, place or questions the client was not "
        "shown; without it, the event type is booked as it is now"))

    @field_validator("start")
    @classmethod
    def _in_range(cls, value: AwareDatetime) -> AwareDatetime:
        if not 2000 <= value.year <= 2100:
            raise ValueError("start must be between years 2000 and 2100")
        return value


class HistoryOut(Strict):
    start: str
    end: str
    changed_at: str


class BookingLinks(Strict):
    """The secret links the caller may have: a reschedule link never yields the cancel one."""

    view: str
    ics: str
    reschedule: str
    reschedule_token: str
    cancel: str | None = None
    cancel_token: str | None = None


class BookingOut(Strict):
    uid: str
    status: Literal["pending_payment", "confirmed", "cancelled", "expired"]
    event_title: str
    start: str
    end: str
    attendee: AttendeeOut
    answers: dict[str, str]
    location_kind: str
    phone: str | None = Field(None, description="a phone call's number to call: the "
                              "client's answer to its phone question")
    sequence: int
    history: list[HistoryOut]
    created_at: str
    cancelled_at: str | None
    cancel_reason: str | None
    price: PriceOut | None
    links: BookingLinks | None = None
    video_url: str | None = Field(default=None, description="the meeting's join link, once "
                                  "the host's calendar or Zoom made it")
    video_note: str | None = Field(default=None, description="when no link can be made: "
                                   "who will send it")
    payment: PaymentOut | None = Field(default=None, description="paid event types only")


class BriefOut(Strict):
    who: str = Field(description="who the client is")
    wants: str = Field(description="what they want from the meeting")
    prepare: list[str]
    questions: list[str] = Field(description="what to ask them")


class HostBookingOut(BookingOut):
    """A booking as its host sees it: with the notes and the brief (never the client)."""

    notes_url: str | None = Field(default=None, description="the client's notes page in "
                                  "the host's Notion or Google Docs, once written")
    brief: BriefOut | None = Field(default=None, description="the pre-meeting brief "
                                   "(premium), once written")
    brief_note: str | None = Field(default=None, description="why there is no brief "
                                   "(this month's briefs used up)")
    calendar_event_removed_at: str | None = Field(default=None, description=(
        "when Penny saw the booking's event deleted in your calendar (not by Penny) while "
        "the booking stands; `POST /me/bookings/{uid}/calendar-event` puts it back"))
    out_of_date: list[str] = Field(default_factory=list, description=(
        "the providers (`zoom`, `google`, `microsoft`) that still have the booking's "
        "meeting or event as it was before a move or a cancel, made while that connection "
        "was broken or disconnected; reconnecting it brings them up to date"))
    version: int | None = Field(default=None, description="counted up by each write of "
                                "the booking: of two readings of it (the list's, a live "
                                "event's `booking.version`), the higher is the later")


class BookingList(Strict):
    bookings: list[HostBookingOut]
    next_cursor: str | None = Field(description=(
        "more may follow: ask again with this `cursor` (null: this was the last page)"))


class TokenQuery(Query):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class BookingListQuery(Query):
    status: Literal["upcoming", "past", "cancelled"] = "upcoming"
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    cursor: Annotated[str, Field(min_length=1, max_length=120, description=(
        "the `next_cursor` of the page before, for the next one"))] | None = None
    attendee: Annotated[Text, Field(max_length=200, description=(
        "only the bookings of a client whose name or e-mail holds this, in any case "
        "(`ada`, `lovelace`, `ada@example.com`); send it with each page's `cursor`"))
                        ] | None = None
