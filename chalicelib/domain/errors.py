"""Penny's errors: plain classes, each with a machine-readable code.

Domain and service code raise these; adapters translate vendor errors into them
(`raise ... from exc`); only the HTTP edge maps them to status codes, in one table
(`chalicelib/functions/errors.py`).

The classes live by area, each module one idea: caller_errors.py (the base, PennyError,
and a caller's own mistakes), access_errors.py (sign-in, tokens, rate limits),
booking_errors.py (booking, moving, cancelling), provider_errors.py (the providers'
answers), payment_errors.py (taking a payment), connection_errors.py (connecting a
provider, sign-in identities). This module names them all, so code imports each from here.
"""

from __future__ import annotations

from chalicelib.domain.access_errors import (
    AuthenticationError as AuthenticationError,
)
from chalicelib.domain.access_errors import (
    BookingLinkError as BookingLinkError,
)
from chalicelib.domain.access_errors import (
    CrossOriginError as CrossOriginError,
)
from chalicelib.domain.access_errors import (
    CsrfTokenError as CsrfTokenError,
)
from chalicelib.domain.access_errors import (
    ForbiddenError as ForbiddenError,
)
from chalicelib.domain.access_errors import (
    InvalidCredentialsError as InvalidCredentialsError,
)
from chalicelib.domain.access_errors import (
    PasswordChangedError as PasswordChangedError,
)
from chalicelib.domain.access_errors import (
    PasswordResetNotAvailableError as PasswordResetNotAvailableError,
)
from chalicelib.domain.access_errors import (
    ReauthenticationRequiredError as ReauthenticationRequiredError,
)
from chalicelib.domain.access_errors import (
    RefreshTokenReusedError as RefreshTokenReusedError,
)
from chalicelib.domain.access_errors import (
    ResetLinkError as ResetLinkError,
)
from chalicelib.domain.access_errors import (
    ResetLinkExpiredError as ResetLinkExpiredError,
)
from chalicelib.domain.access_errors import (
    ResetLinkReplacedError as ResetLinkReplacedError,
)
from chalicelib.domain.access_errors import (
    ResetLinkUsedError as ResetLinkUsedError,
)
from chalicelib.domain.access_errors import (
    TooManyAttemptsError as TooManyAttemptsError,
)
from chalicelib.domain.access_errors import (
    TooManyBookingsError as TooManyBookingsError,
)
from chalicelib.domain.access_errors import (
    TooManyRequestsError as TooManyRequestsError,
)
from chalicelib.domain.access_errors import (
    TooManyResetsError as TooManyResetsError,
)
from chalicelib.domain.access_errors import (
    TooManySignupsError as TooManySignupsError,
)
from chalicelib.domain.access_errors import (
    TooManySocketsError as TooManySocketsError,
)
from chalicelib.domain.access_errors import (
    UnknownRefreshTokenError as UnknownRefreshTokenError,
)
from chalicelib.domain.access_errors import (
    WrongPasswordError as WrongPasswordError,
)
from chalicelib.domain.booking_errors import (
    AttendeeQuotaError as AttendeeQuotaError,
)
from chalicelib.domain.booking_errors import (
    BookingContentionError as BookingContentionError,
)
from chalicelib.domain.booking_errors import (
    BookingStateError as BookingStateError,
)
from chalicelib.domain.booking_errors import (
    CalendarEventPresentError as CalendarEventPresentError,
)
from chalicelib.domain.booking_errors import (
    CalendarUnavailableError as CalendarUnavailableError,
)
from chalicelib.domain.booking_errors import (
    ConcurrentWriteError as ConcurrentWriteError,
)
from chalicelib.domain.booking_errors import (
    IdempotentReplayError as IdempotentReplayError,
)
from chalicelib.domain.booking_errors import (
    NoDestinationCalendarError as NoDestinationCalendarError,
)
from chalicelib.domain.booking_errors import (
    SlotTakenError as SlotTakenError,
)
from chalicelib.domain.booking_errors import (
    SlotUnavailableError as SlotUnavailableError,
)
from chalicelib.domain.booking_errors import (
    TooManyMovesError as TooManyMovesError,
)
from chalicelib.domain.caller_errors import (
    BookedTermsChangedError as BookedTermsChangedError,
)
from chalicelib.domain.caller_errors import (
    ChangedElsewhereError as ChangedElsewhereError,
)
from chalicelib.domain.caller_errors import (
    CurrentPasswordRequiredError as CurrentPasswordRequiredError,
)
from chalicelib.domain.caller_errors import (
    EmailTakenError as EmailTakenError,
)
from chalicelib.domain.caller_errors import (
    EventSlugTakenError as EventSlugTakenError,
)
from chalicelib.domain.caller_errors import (
    EventTypeChangedError as EventTypeChangedError,
)
from chalicelib.domain.caller_errors import (
    EventTypeMissingError as EventTypeMissingError,
)
from chalicelib.domain.caller_errors import (
    EventTypeOrderChangedError as EventTypeOrderChangedError,
)
from chalicelib.domain.caller_errors import (
    IdempotencyKeyReusedError as IdempotencyKeyReusedError,
)
from chalicelib.domain.caller_errors import (
    InvalidAnswerError as InvalidAnswerError,
)
from chalicelib.domain.caller_errors import (
    InvalidBookingWindowError as InvalidBookingWindowError,
)
from chalicelib.domain.caller_errors import (
    InvalidTimezoneError as InvalidTimezoneError,
)
from chalicelib.domain.caller_errors import (
    NotFoundError as NotFoundError,
)
from chalicelib.domain.caller_errors import (
    PennyError as PennyError,
)
from chalicelib.domain.caller_errors import (
    ProfileChangedError as ProfileChangedError,
)
from chalicelib.domain.caller_errors import (
    ScheduleChangedError as ScheduleChangedError,
)
from chalicelib.domain.caller_errors import (
    SlugTakenError as SlugTakenError,
)
from chalicelib.domain.caller_errors import (
    UnknownEventTypeError as UnknownEventTypeError,
)
from chalicelib.domain.caller_errors import (
    ValidationError as ValidationError,
)
from chalicelib.domain.caller_errors import (
    WeakPasswordError as WeakPasswordError,
)
from chalicelib.domain.connection_errors import (
    ConsentDeclinedError as ConsentDeclinedError,
)
from chalicelib.domain.connection_errors import (
    IdentityLinkedError as IdentityLinkedError,
)
from chalicelib.domain.connection_errors import (
    IdentityUnverifiedError as IdentityUnverifiedError,
)
from chalicelib.domain.connection_errors import (
    LastSignInError as LastSignInError,
)
from chalicelib.domain.connection_errors import (
    NoRefreshTokenError as NoRefreshTokenError,
)
from chalicelib.domain.connection_errors import (
    NotConnectedError as NotConnectedError,
)
from chalicelib.domain.connection_errors import (
    OAuthStateError as OAuthStateError,
)
from chalicelib.domain.connection_errors import (
    ProviderNotAvailableError as ProviderNotAvailableError,
)
from chalicelib.domain.connection_errors import (
    ScopesDeclinedError as ScopesDeclinedError,
)
from chalicelib.domain.payment_errors import (
    PaymentNotConnectedError as PaymentNotConnectedError,
)
from chalicelib.domain.payment_errors import (
    PaymentRefusedError as PaymentRefusedError,
)
from chalicelib.domain.payment_errors import (
    PaymentUnavailableError as PaymentUnavailableError,
)
from chalicelib.domain.payment_errors import (
    PriceNotPayableError as PriceNotPayableError,
)
from chalicelib.domain.provider_errors import (
    BriefCutShortError as BriefCutShortError,
)
from chalicelib.domain.provider_errors import (
    BriefNeverWrittenError as BriefNeverWrittenError,
)
from chalicelib.domain.provider_errors import (
    BriefRefusedError as BriefRefusedError,
)
from chalicelib.domain.provider_errors import (
    CalendarGoneError as CalendarGoneError,
)
from chalicelib.domain.provider_errors import (
    ConnectionBrokenError as ConnectionBrokenError,
)
from chalicelib.domain.provider_errors import (
    EventGoneError as EventGoneError,
)
from chalicelib.domain.provider_errors import (
    JobBusyError as JobBusyError,
)
from chalicelib.domain.provider_errors import (
    MeetingGoneError as MeetingGoneError,
)
from chalicelib.domain.provider_errors import (
    NotesPageGoneError as NotesPageGoneError,
)
from chalicelib.domain.provider_errors import (
    NothingBilled as NothingBilled,
)
from chalicelib.domain.provider_errors import (
    ProviderError as ProviderError,
)
from chalicelib.domain.provider_errors import (
    ProviderRejectedError as ProviderRejectedError,
)
from chalicelib.domain.provider_errors import (
    ProviderUnavailableError as ProviderUnavailableError,
)
from chalicelib.domain.provider_errors import (
    RefundDisputedError as RefundDisputedError,
)
from chalicelib.domain.provider_errors import (
    SocketGoneError as SocketGoneError,
)
from chalicelib.domain.provider_errors import (
    UnbilledRejectedError as UnbilledRejectedError,
)
from chalicelib.domain.provider_errors import (
    UnbilledUnavailableError as UnbilledUnavailableError,
)
