"""Request and response shapes of the HTTP API (pydantic): validation and OpenAPI.

Imported on the first request that needs it, not when the Lambda module loads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.domain.currencies import CURRENCIES
from chalicelib.domain.text import free_text_problem, name_problem

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
ZONE_PATTERN = r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$"
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]{2,}$"
HHMM_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
URL_PATTERN = r"^https?://\S+$"
QUESTION_ID_PATTERN = r"^[a-z0-9_]{1,40}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
# What a value that misses each pattern should have been, in plain words: the regex
# stays in the OpenAPI document for machines, never in an error message for people.
PATTERN_MESSAGES = {
    SLUG_PATTERN: "must be lowercase letters, digits and hyphens, starting and ending "
                  "with a letter or digit (like my-name)",
    ZONE_PATTERN: "must be an IANA time zone name like Europe/Paris",
    EMAIL_PATTERN: "must be an e-mail address like name@example.com",
    HHMM_PATTERN: "must be a time of day like 09:30 (24:00 ends the day)",
    URL_PATTERN: "must be a web address starting with http:// or https://, without spaces",
    QUESTION_ID_PATTERN: "must be lowercase letters, digits and underscores (like company_size)",
    CURRENCY_PATTERN: "must be a three-letter currency code like EUR",
}

Slug = Annotated[str, Field(min_length=1, max_length=40, pattern=SLUG_PATTERN)]
Zone = Annotated[str, Field(min_length=1, max_length=64, pattern=ZONE_PATTERN,
                            description="IANA timezone name, e.g. Europe/Paris")]
Email = Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
HHMM = Annotated[str, Field(pattern=HHMM_PATTERN,
                            description="wall-clock time HH:MM; 24:00 ends the day")]
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _written_as(pattern: re.Pattern[str], kind: str, example: str) -> Callable[[Any], Any]:
    """Text must be written in ISO 8601 itself (pydantic also reads a Unix time,
    "1795528800", as a date and time, and a date and time as a date); it is read here, and
    the value checked as a date or a date and time after."""
    read = date.fromisoformat if kind == "date" else datetime.fromisoformat

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            if not (pattern.fullmatch(value) if kind == "date" else pattern.match(value)):
                raise ValueError(value)
            return read(value)
        except ValueError:
            raise PydanticCustomError(f"{kind}_format", f"must be a {kind.replace('_', ' ')} "
                                      f"in ISO 8601, like {example}") from None

    return check


# Dates far outside this range cannot be expanded into datetimes safely.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _in_range(value: date) -> date:
    # A check of our own, not Field(ge=, le=): pydantic says those limits as Python
    # spells them ("datetime.date(2100, 12, 31)"), not as a request writes them.
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", f"must be a date from {EARLIEST} to {LATEST}")
    return value


ApiDate = Annotated[date, BeforeValidator(_written_as(ISO_DATE, "date", "2026-11-25")),
                    AfterValidator(_in_range)]
Minutes = Annotated[int, Field(ge=0, le=720)]


def _checked(problem: Callable[[str], str | None]) -> Callable[[str], str]:
    def check(value: str) -> str:
        reason = problem(value)
        if reason is not None:
            raise PydanticCustomError("text_not_allowed", reason)
        return value

    return check


# Names and titles: surrounding blanks are dropped before the length is checked; no
# control or bidi-override characters, and something visible (chalicelib/domain/text.py).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1),
                 AfterValidator(_checked(name_problem))]
# Descriptions, answers, reasons: line breaks and tabs, but no other control characters.
FreeText = Annotated[str, AfterValidator(_checked(free_text_problem))]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Strict(BaseModel):
    # Bodies are parsed as JSON in strict mode: 0 is not false and "5" is not 5.
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class Query(BaseModel):
    # Query strings carry only text, so numbers are converted; an unknown key is an
    # error (a misspelt timeZone would otherwise silently give UTC slots).
    model_config = ConfigDict(extra="forbid", defer_build=True)


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


class SignupRequest(Strict):
    email: Email
    password: Annotated[str, Field(min_length=10, max_length=256)]
    slug: Slug
    display_name: Annotated[Text, Field(max_length=100)]
    timezone: Zone


class LoginRequest(Strict):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class LinkModel(Strict):
    label: Annotated[Text, Field(max_length=60)]
    url: Annotated[str, Field(min_length=8, max_length=500, pattern=URL_PATTERN)]


class ProfileIn(Strict):
    slug: Slug
    display_name: Annotated[Text, Field(max_length=100)]
    description: Annotated[FreeText, Field(max_length=2000)] = ""
    links: Annotated[list[LinkModel], Field(max_length=10)] = []
    timezone: Zone
    contact_email: Email | None = Field(default=None, description=(
        "the organizer address on booking invites (.ics); null: your login e-mail"))


class ProfileOut(ProfileIn):
    id: str


class SessionOut(Strict):
    host_id: str
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class SignupOut(SessionOut):
    host: ProfileOut


class RealtimeTicketOut(Strict):
    ticket: str = Field(description="offer as the subprotocol pair [protocol, ticket], or "
                                    "as ?ticket=; valid for expires_in seconds")
    expires_in: int
    protocol: Literal["penny.ticket"]
    url: str | None = Field(description="the WebSocket URL; null when realtime is off")


class BrowserSessionOut(Strict):
    """The dashboard's session: the tokens are in httpOnly cookies, never in the body."""

    host_id: str
    csrf_token: str = Field(description="send as X-CSRF-Token with every change")
    expires_in: int = Field(description="seconds until the access cookie expires")
    realtime: RealtimeTicketOut | None = Field(default=None, description=(
        "a refresh asked with ?realtime=true: the new session's live-updates ticket, as "
        "POST /me/realtime/ticket answers it"))


class RefreshSessionQuery(Query):
    realtime: bool = Field(default=False, description=(
        "also answer with a ticket for the live-updates WebSocket (`realtime`): a "
        "dashboard coming back to a hidden tab refreshes and reconnects in one request"))


class BrowserSignupOut(BrowserSessionOut):
    host: ProfileOut


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

    @field_validator("overrides")
    @classmethod
    def _unique_dates(cls, value: list[OverrideModel]) -> list[OverrideModel]:
        if len({o.date for o in value}) != len(value):
            raise ValueError("each date may have one override")
        return value


class ScheduleOut(ScheduleIn):
    timezone: str
    saved: bool = Field(description="whether the host has ever saved a schedule: false for "
                                    "a new account's empty one, true for one emptied on "
                                    "purpose")


class QuestionModel(Strict):
    id: Annotated[str, Field(pattern=QUESTION_ID_PATTERN)]
    label: Annotated[Text, Field(max_length=200)]
    type: Literal["text", "long_text", "email", "phone", "select"]
    required: bool = False
    options: Annotated[list[Annotated[Text, Field(max_length=100)]],
                       Field(max_length=50)] = []

    @model_validator(mode="after")
    def _options(self) -> QuestionModel:
        if (self.type == "select") != bool(self.options):
            raise ValueError("select questions need options; other types take none")
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


class EventTypeIn(Strict):
    slug: Slug
    title: Annotated[Text, Field(max_length=120)]
    description: Annotated[FreeText, Field(max_length=2000)] = ""
    duration_minutes: Annotated[int, Field(ge=5, le=720)]
    location: LocationModel
    price: PriceModel | None = None
    buffer_before_minutes: Minutes = 0
    buffer_after_minutes: Minutes = 0
    minimum_notice_minutes: Annotated[int, Field(ge=0, le=525_600)] = 0
    slot_interval_minutes: Annotated[int, Field(ge=5, le=720)] | None = None
    booking_window_days: Annotated[int, Field(ge=1, le=730)] | None = None
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


class EventTypeOut(EventTypeIn):
    id: str


class EventTypeList(Strict):
    event_types: list[EventTypeOut]


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
    price: PriceModel | None
    questions: list[PublicQuestion]
    refund_hours_before: int | None = Field(
        default=None, description="paid event types: the refund policy's deadline")


class PublicProfile(Strict):
    slug: str
    display_name: str
    description: str
    links: list[LinkModel]
    timezone: str
    event_types: list[PublicEventType]


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


class AttendeeModel(Strict):
    name: Annotated[Text, Field(max_length=200)]
    email: Email
    timezone: Zone


Instant = Annotated[AwareDatetime,
                    BeforeValidator(_written_as(ISO_INSTANT, "date_and_time",
                                                "2026-11-25T14:00:00Z")),
                    Field(description="ISO 8601 with offset, e.g. 2026-11-25T14:00:00Z")]


class BookingIn(Strict):
    start: Instant
    attendee: AttendeeModel
    answers: Annotated[dict[Annotated[str, Field(max_length=40)],
                            Annotated[FreeText, Field(max_length=5000)] | None],
                       Field(max_length=20)] = {}

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


class PaymentOut(Strict):
    """A paid booking's money: how to pay while it waits, what happened after."""

    provider: Literal["stripe", "razorpay"]
    state: Literal["awaiting", "paid", "refunded", "expired", "refund_owed",
                   "refund_failed"] = Field(
        description="awaiting: held until `hold_until`; expired: the hold lapsed unpaid; "
        "refund_owed: paid for a time the booking does not hold (`refund_reason`), its "
        "refund not made yet (Penny tries again); refund_failed: the refund was made and "
        "came back (a closed card): the host refunds the client another way")
    amount_minor: int | None
    currency: str | None
    hold_until: str | None = Field(description="the slot is held for payment until then")
    checkout_url: str | None = Field(
        description="Stripe: the hosted checkout page to send the client to")
    order_id: str | None = Field(description="Razorpay: the order Checkout opens")
    key_id: str | None = Field(description="Razorpay: the key id Checkout opens it with")
    refunded_minor: int | None = None
    refund_reason: str | None = Field(
        default=None, description="cancelled (the refund policy), taken (paid after the "
        "hold lapsed and the time was booked), late (paid after the meeting's start), "
        "provider (refunded at the provider)")
    refund_hours_before: int = Field(description="the refund policy: full refund when "
                                     "cancelled at least this many hours before the start")


class BookingOut(Strict):
    uid: str
    status: Literal["pending_payment", "confirmed", "cancelled", "expired"]
    event_title: str
    start: str
    end: str
    attendee: AttendeeModel
    answers: dict[str, str]
    location_kind: str
    sequence: int
    history: list[HistoryOut]
    created_at: str
    cancelled_at: str | None
    cancel_reason: str | None
    price: PriceModel | None
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


class BookingList(Strict):
    bookings: list[HostBookingOut]
    next_cursor: str | None = Field(description=(
        "more may follow: ask again with this `cursor` (null: this was the last page)"))


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


class TokenQuery(Query):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class BookingListQuery(Query):
    status: Literal["upcoming", "past", "cancelled"] = "upcoming"
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    cursor: Annotated[str, Field(min_length=1, max_length=120, description=(
        "the `next_cursor` of the page before, for the next one"))] | None = None


# ---- connections (chalicelib/services/connections.py) ----------------------------------

FeatureName = Literal["calendar", "video", "notes", "payments"]


class ConnectIn(Strict):
    features: Annotated[list[FeatureName], Field(min_length=1, max_length=3)] = Field(
        description="what to turn on; each asks only for its own scopes (incremental consent)")


class ConnectOut(Strict):
    authorize_url: str = Field(description="open it in this browser: the provider's "
                                           "consent page, which comes back to Penny")


class ConnectionOut(Strict):
    provider: str
    status: Literal["connected", "broken", "pending", "not_connected", "not_available"] = Field(
        description="not_available: this Penny's operator has not set the provider up; "
                    "pending: made at the provider, not ready yet (finish its set-up)")
    account: str | None = Field(description="the e-mail or workspace connected")
    scopes: list[str]
    connected_at: AwareDatetime | None
    broken_reason: str | None = Field(description="why it stopped working: reconnect")
    broken_at: AwareDatetime | None
    webhook_url: str | None = Field(default=None, description=(
        "Razorpay, once connected: the URL its webhook must point at"))


class ConnectionList(Strict):
    connections: list[ConnectionOut]


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


class CalendarList(Strict):
    calendars: list[CalendarOut]
    unreachable: list[str] = Field(description="connected providers that could not be asked "
                                   "for their calendars just now")


class CalendarsIn(Strict):
    conflicts: Annotated[list[CalendarKey], Field(max_length=20)] = Field(
        description="the calendars whose events block slots")
    destination: CalendarKey | None = Field(description="the calendar new bookings go to")


NotesProvider = Literal["notion", "google"]
PlaceId = Annotated[str, Field(min_length=10, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                               description="a Notion data source id (with or without its "
                               "dashes) or a Google Drive folder id")]


class NotesPlaceOut(Strict):
    provider: NotesProvider
    database_id: str = Field(description="the Notion database, or the Drive folder")
    data_source_id: str = Field(description="what PUT /me/notes names: the database's data "
                                "source in Notion, the folder in Google Drive")
    title: str = Field(description="its name, as the host knows it")


class NotesOut(Strict):
    destination: NotesPlaceOut | None = Field(
        description="where each booking's notes go; null: nowhere")
    databases: list[NotesPlaceOut] = Field(
        description="the places notes could go: Notion databases shared with Penny, the "
                    "Google Drive folder Penny made")
    unreachable: str | None = Field(description="what stops notes just now: a provider that "
                                    "could not be asked, or a destination gone from it")


class NotesIn(Strict):
    provider: NotesProvider | None = Field(
        default=None, description="where the place is; required with data_source_id")
    data_source_id: PlaceId | None = Field(
        description="one of the listed places' data_source_id; null: stop writing notes")


class RazorpayKeysIn(Strict):
    # ASCII only: the key id and secret travel in an HTTP Basic header (Latin-1), and
    # Razorpay's are letters and digits.
    key_id: Annotated[str, Field(min_length=8, max_length=64,
                                 pattern=r"^rzp_(test|live)_[A-Za-z0-9]+$",
                                 description="from Razorpay's API keys page")]
    key_secret: Annotated[str, Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9]+$")]
    webhook_secret: Annotated[str, Field(min_length=8, max_length=128, pattern=r"^[!-~]+$",
                                         description=(
        "the secret you gave the webhook pointing at Penny (see webhook_url): printable "
        "ASCII, no spaces"))]


class RazorpayConnectionOut(ConnectionOut):
    webhook_url: str | None = Field(description="add a webhook at Razorpay with this URL and "
                                    "the events payment.captured, order.paid, payment.failed "
                                    "and refund.processed")


class RazorpayCallbackIn(Strict):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    razorpay_order_id: Annotated[str, Field(min_length=1, max_length=64)]
    razorpay_payment_id: Annotated[str, Field(min_length=1, max_length=64)]
    razorpay_signature: Annotated[str, Field(min_length=1, max_length=128)]


class OidcStartIn(Strict):
    timezone: Zone | None = Field(default=None, description="the browser's zone, for an "
                                  "account this sign-in makes (UTC when absent)")


class IdentityOut(Strict):
    provider: str
    email: str | None
    linked_at: AwareDatetime


class IdentityList(Strict):
    identities: list[IdentityOut]

