"""Event types: what a client can book, and the questions asked when they do."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum

from chalicelib.domain.errors import InvalidAnswerError, InvalidBookingWindowError
from chalicelib.domain.slots import BookingDates, SlotRules

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{6,24}$")
# The longest meeting an event type may have (a move keeps a booking's length): a meeting
# that may still be on started at most this long ago (the host's list reads from there).
MAX_DURATION_MINUTES = 720
LONGEST_MEETING = timedelta(minutes=MAX_DURATION_MINUTES)


class LocationKind(StrEnum):
    GOOGLE_MEET = "google_meet"
    TEAMS = "teams"
    ZOOM = "zoom"
    PHONE = "phone"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        """The name people read, in pages and calendar invites."""
        return _LOCATION_LABELS[self]

    @property
    def is_video(self) -> bool:
        return self in (LocationKind.GOOGLE_MEET, LocationKind.TEAMS, LocationKind.ZOOM)


_LOCATION_LABELS = {
    LocationKind.GOOGLE_MEET: "Google Meet", LocationKind.TEAMS: "Microsoft Teams",
    LocationKind.ZOOM: "Zoom", LocationKind.PHONE: "Phone call",
    LocationKind.IN_PERSON: "In person",
}


def meeting_place(kind: LocationKind, details: str | None) -> str:
    """Where the meeting is, as a calendar invite and the host's event say it: the
    location's name, then the host's details for a place that is not a video call
    ("In person: 12 Baker Street", "Phone call: +44 20 7946 0000"). A video call's place
    is its link, which the caller has."""
    details = (details or "").strip()
    return f"{kind.label}: {details}" if details and not kind.is_video else kind.label


def call_note(phone: str | None) -> str:
    """What a phone call's client is told when the host gave no number of their own: the
    number they gave, when the booking has it (one made before Penny asked has not)."""
    when = f"at {phone}" if phone else "at the time of the meeting"
    return f"Phone call: the host will call you {when}."


class QuestionType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    EMAIL = "email"
    PHONE = "phone"
    SELECT = "select"


MAX_ANSWER_LENGTH = {QuestionType.TEXT: 500, QuestionType.LONG_TEXT: 5000}


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    type: QuestionType
    required: bool = False
    options: tuple[str, ...] = ()

    def repeated_option(self) -> str | None:
        """An option listed a second time, ignoring case (the client picks by the words:
        two a client cannot tell apart are one choice shown twice); None if none is."""
        seen: set[str] = set()
        for option in self.options:
            if option.casefold() in seen:
                return option
            seen.add(option.casefold())
        return None

    def check(self, value: str | None) -> str | None:
        """Return the cleaned answer, or raise InvalidAnswerError naming this question."""
        where = f"answers.{self.id}"
        text = (value or "").strip()
        if not text:
            if self.required:
                raise InvalidAnswerError(f"'{self.label}' is required", where)
            return None
        limit = MAX_ANSWER_LENGTH.get(self.type, 320)
        if len(text) > limit:
            raise InvalidAnswerError(f"'{self.label}' must be at most {limit} characters", where)
        if self.type is QuestionType.EMAIL and not EMAIL_PATTERN.match(text):
            raise InvalidAnswerError(f"'{self.label}' must be an email address", where)
        if self.type is QuestionType.PHONE and not PHONE_PATTERN.match(text):
            raise InvalidAnswerError(f"'{self.label}' must be a phone number", where)
        if self.type is QuestionType.SELECT and text not in self.options:
            raise InvalidAnswerError(
                f"'{self.label}' must be one of: {', '.join(self.options)}", where)
        return text


# The question a phone-call event type asks for the host when they ask no phone question
# of their own: without it there is no number to call. Never stored: the host's questions
# stay as they wrote them (EventType.booking_questions adds it).
CALL_QUESTION = Question("phone", "Your phone number", QuestionType.PHONE, required=True)


def _free_id(taken: set[str], wanted: str) -> str:
    """`wanted`, or the first of wanted_2, wanted_3, ... that no question has taken."""
    n, candidate = 1, wanted
    while candidate in taken:
        n += 1
        candidate = f"{wanted}_{n}"
    return candidate


@dataclass(frozen=True)
class Price:
    amount_minor: int  # in the currency's minor unit (cents, paise)
    currency: str      # ISO 4217, upper case


@dataclass(frozen=True)
class EventType:
    id: str
    host_id: str
    slug: str
    title: str
    duration_minutes: int
    location_kind: LocationKind
    description: str = ""
    location_details: str | None = None
    price: Price | None = None
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    minimum_notice_minutes: int = 0
    slot_interval_minutes: int | None = None
    booking_window_days: int | None = None
    # Bookable only between two host-local dates (a course's): instead of a rolling
    # window of days, never with one (check_booking_window).
    booking_window_dates: BookingDates | None = None
    daily_limit: int | None = None
    questions: tuple[Question, ...] = field(default_factory=tuple)
    hidden: bool = False
    active: bool = True
    # A paid booking cancelled at least this long before its start is refunded in full;
    # later, nothing is refunded (the booking page says so before the client pays).
    refund_hours_before: int = 24
    # Counted up by every write of this event type (and by no other's): an editor that
    # sends the version it read is refused if it was saved elsewhere meanwhile. 0: never
    # written with one (stored before versions were kept).
    version: int = 0

    @property
    def is_paid(self) -> bool:
        return self.price is not None and self.price.amount_minor > 0

    def slot_rules(self) -> SlotRules:
        return SlotRules(
            duration=timedelta(minutes=self.duration_minutes),
            interval=timedelta(minutes=self.slot_interval_minutes or self.duration_minutes),
            buffer_before=timedelta(minutes=self.buffer_before_minutes),
            buffer_after=timedelta(minutes=self.buffer_after_minutes),
            minimum_notice=timedelta(minutes=self.minimum_notice_minutes),
            booking_window_days=self.booking_window_days,
            daily_limit=self.daily_limit,
            booking_dates=self.booking_window_dates,
        )

    def check_booking_window(self) -> None:
        """One booking window: so many days ahead, or between two dates, not both."""
        if self.booking_window_days is not None and self.booking_window_dates is not None:
            raise InvalidBookingWindowError(
                "choose one booking window: so many days ahead (booking_window_days) or "
                "between two dates (booking_window_dates), not both", "booking_window_dates")

    @property
    def booking_questions(self) -> tuple[Question, ...]:
        """The questions a client is asked when they book, in form order: the host's, then,
        for a phone call without a phone question of the host's own, the number to call
        (CALL_QUESTION, under an id none of the host's questions has taken). Last: the
        host's questions say what the meeting is for, and the brief reads them first."""
        if self.location_kind is not LocationKind.PHONE or \
                any(q.type is QuestionType.PHONE for q in self.questions):
            return self.questions
        call = replace(CALL_QUESTION,
                       id=_free_id({q.id for q in self.questions}, CALL_QUESTION.id))
        return (*self.questions, call)

    def number_to_call(self, answers: Mapping[str, str]) -> str | None:
        """A phone call's number, from the client's checked answers: their answer to the
        first phone question they were asked (None for another location)."""
        if self.location_kind is not LocationKind.PHONE:
            return None
        asked = next((q for q in self.booking_questions if q.type is QuestionType.PHONE), None)
        return None if asked is None else answers.get(asked.id)

    def check_answers(self, answers: Mapping[str, str | None]) -> dict[str, str]:
        questions = self.booking_questions
        known = {q.id for q in questions}
        unknown = sorted(set(answers) - known)
        if unknown:
            raise InvalidAnswerError(f"unknown question '{unknown[0]}'", f"answers.{unknown[0]}")
        cleaned: dict[str, str] = {}
        for question in questions:
            value = question.check(answers.get(question.id))
            if value is not None:
                cleaned[question.id] = value
        return cleaned
