"""The host's calendars: which block slots, which one new bookings are written to."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from chalicelib.functions.schemas.base import Strict

CalendarKey = Annotated[str, Field(min_length=3, max_length=600,
                                   pattern=r"^(google|microsoft):[^\s]+$",
                                   description="provider:calendar id, e.g. google:primary@x")]


class CalendarOut(Strict):
    key: str = Field(description="provider:calendar id")
    provider: str
    name: str
    primary: bool
    writable: bool = Field(description="new bookings can be written to it")
    conflicts: bool = Field(description="its events keep slots off the booking page")
    destination: bool = Field(description="new bookings are written to it")
    synced_at: AwareDatetime | None = Field(
        description="the last time a read of it changed how far Penny trusts its copy (a "
                    "pushed change synced into a copy already fresh does not move it)")
    push: bool = Field(description="the provider tells Penny when it changes")
    failure: str | None = Field(description="why the last read failed")


class RemovedCalendarOut(Strict):
    key: str = Field(description="provider:calendar id")
    provider: str
    name: str | None = Field(description="its name, while the provider still lists it")
    reason: str = Field(description="why Penny took it out: the provider says it was "
                        "deleted, or is no longer shared with you")
    removed_at: AwareDatetime
    was_destination: bool = Field(description="new bookings went to it: now to none until "
                                  "you choose another")


class CalendarList(Strict):
    calendars: list[CalendarOut]
    removed: list[RemovedCalendarOut] = Field(
        default_factory=list, description="calendars Penny took out of your choice because "
        "the provider no longer lets you read them (until you choose them again)")
    unreachable: list[str] = Field(description="connected providers that could not be asked "
                                   "for their calendars just now, or whose connection is "
                                   "broken (reconnect it): their calendars count as chosen")


class CalendarsIn(Strict):
    conflicts: Annotated[list[CalendarKey], Field(max_length=20)] = Field(
        description="the calendars whose events block slots")
    destination: CalendarKey | None = Field(description="the calendar new bookings go to")
