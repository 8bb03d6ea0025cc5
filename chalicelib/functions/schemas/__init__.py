"""Request and response shapes of the HTTP API (pydantic): validation and OpenAPI.

One module per concept; this package re-exports every model (and the two constants the
edge reads, PATTERN_MESSAGES and WEEKDAYS), because routes name their models as strings
(`body="SignupRequest"`) that http.py and openapi.py look up here. Field types and
patterns stay in fields.py, the bases in base.py.

Imported on the first request that needs it, not when the Lambda module loads.
"""

from __future__ import annotations

from chalicelib.functions.schemas.accounts import (
    IdentityList,
    IdentityOut,
    LoginRequest,
    OidcStartIn,
    PasswordIn,
    PasswordOut,
    PasswordResetConfirmIn,
    PasswordResetConfirmOut,
    PasswordResetIn,
    PasswordResetOut,
    SignupRequest,
)
from chalicelib.functions.schemas.booking_changes import CancelIn, HostCancelIn, RescheduleIn
from chalicelib.functions.schemas.bookings import (
    AttendeeModel,
    AttendeeOut,
    BookingIn,
    BookingLinks,
    BookingList,
    BookingListQuery,
    BookingOut,
    BriefOut,
    HistoryOut,
    HostBookingOut,
    TokenQuery,
)
from chalicelib.functions.schemas.calendars import (
    CalendarList,
    CalendarOut,
    CalendarsIn,
    RemovedCalendarOut,
)
from chalicelib.functions.schemas.connections import (
    ConnectIn,
    ConnectionList,
    ConnectionOut,
    ConnectOut,
)
from chalicelib.functions.schemas.error_body import ErrorDetail, ErrorResponse
from chalicelib.functions.schemas.event_types import (
    BookingDatesModel,
    BookingDatesOut,
    EventTypeDeleteQuery,
    EventTypeIn,
    EventTypeList,
    EventTypeOrderIn,
    EventTypeOrderOut,
    EventTypeOut,
    EventTypeUpdateIn,
    LocationModel,
    LocationOut,
    PriceModel,
    PriceOut,
    QuestionModel,
    QuestionOut,
)
from chalicelib.functions.schemas.fields import PATTERN_MESSAGES
from chalicelib.functions.schemas.notes import NotesIn, NotesOut, NotesPlaceOut
from chalicelib.functions.schemas.payments import (
    DisputeOut,
    DisputeRecordOut,
    PaymentOut,
    RazorpayCallbackIn,
    RazorpayConnectionOut,
    RazorpayKeysIn,
    ReleasedPaymentOut,
    SecondPaymentOut,
)
from chalicelib.functions.schemas.profile import LinkModel, LinkOut, ProfileIn, ProfileOut
from chalicelib.functions.schemas.public_pages import PublicEventType, PublicProfile, PublicQuestion
from chalicelib.functions.schemas.schedule import (
    WEEKDAYS,
    OverrideModel,
    OverrideOut,
    RangeModel,
    RangeOut,
    ScheduleIn,
    ScheduleOut,
    Weekly,
    WeeklyOut,
)
from chalicelib.functions.schemas.sessions import (
    BrowserSessionOut,
    BrowserSignupOut,
    RealtimeTicketOut,
    RefreshRequest,
    RefreshSessionQuery,
    SessionOut,
    SignupOut,
)
from chalicelib.functions.schemas.slots import MoveSlotsQuery, SlotOut, SlotsOut, SlotsQuery

__all__ = [
    "PATTERN_MESSAGES", "WEEKDAYS", "AttendeeModel", "AttendeeOut", "BookingDatesModel",
    "BookingDatesOut", "BookingIn", "BookingLinks", "BookingList",
    "BookingListQuery", "BookingOut", "BriefOut", "BrowserSessionOut", "BrowserSignupOut",
    "CalendarList", "CalendarOut", "CalendarsIn", "CancelIn", "ConnectIn", "ConnectOut",
    "ConnectionList", "ConnectionOut", "DisputeOut", "DisputeRecordOut", "ErrorDetail",
    "ErrorResponse", "EventTypeDeleteQuery", "EventTypeIn", "EventTypeList",
    "EventTypeOrderIn", "EventTypeOrderOut", "EventTypeOut", "EventTypeUpdateIn",
    "HistoryOut", "HostBookingOut", "HostCancelIn",
    "IdentityList", "IdentityOut", "LinkModel", "LinkOut", "LocationModel", "LocationOut",
    "LoginRequest", "MoveSlotsQuery",
    "NotesIn", "NotesOut", "NotesPlaceOut", "OidcStartIn", "OverrideModel", "OverrideOut",
    "PasswordIn", "PasswordOut", "PasswordResetConfirmIn", "PasswordResetConfirmOut",
    "PasswordResetIn", "PasswordResetOut", "PaymentOut",
    "PriceModel", "PriceOut", "ProfileIn", "ProfileOut", "PublicEventType", "PublicProfile",
    "PublicQuestion",
    "QuestionModel", "QuestionOut", "RangeModel", "RangeOut", "RazorpayCallbackIn",
    "RazorpayConnectionOut",
    "RazorpayKeysIn",
    "RealtimeTicketOut", "RefreshRequest", "RefreshSessionQuery", "ReleasedPaymentOut",
    "RemovedCalendarOut",
    "RescheduleIn", "ScheduleIn", "ScheduleOut", "SecondPaymentOut", "SessionOut", "SignupOut",
    "SignupRequest", "SlotOut", "SlotsOut", "SlotsQuery", "TokenQuery", "Weekly", "WeeklyOut",
]
