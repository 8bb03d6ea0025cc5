"""Penny's errors: plain classes, each with a machine-readable code.

Domain and service code raise these; adapters translate vendor errors into them
(`raise ... from exc`); only the HTTP edge maps them to status codes, in one table
(`chalicelib/functions/errors.py`).
"""

from __future__ import annotations


class PennyError(Exception):
    """Base of every error Penny reports to a caller."""

    code = "error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(PennyError):
    """The request is well-formed but a value is not acceptable."""

    code = "validation_error"


class InvalidTimezoneError(ValidationError):
    """A timezone is not an IANA zone name."""

    code = "invalid_timezone"


class InvalidAnswerError(ValidationError):
    """An answer to a booking question is missing or malformed."""

    code = "invalid_answer"


class NotFoundError(PennyError):
    """The thing does not exist, or belongs to someone else."""

    code = "not_found"


class EmailTakenError(PennyError):
    """An account with this email exists."""

    code = "email_taken"


class SlugTakenError(PennyError):
    """Another host uses this slug, or it is reserved."""

    code = "slug_taken"


class EventSlugTakenError(PennyError):
    """The host already has an event type with this slug."""

    code = "event_slug_taken"


class SlotUnavailableError(PennyError):
    """The requested start is not one of the free slots (hours, notice, window, limit)."""

    code = "slot_unavailable"

    def __init__(self, message: str, field: str | None = None,
                 reason: str | None = None) -> None:
        super().__init__(message, field)
        # Which rule refused it (chalicelib/domain/refusals.py), for machines and pages.
        self.reason = reason


class SlotTakenError(PennyError):
    """Another booking holds this time."""

    code = "slot_taken"


class BookingContentionError(PennyError):
    """Too many concurrent writes to the host's calendar; the client may retry."""

    code = "booking_contention"


class CalendarUnavailableError(PennyError):
    """The host's calendar could not be checked just now, and its cached copy is too old
    to book on: refused rather than risk a double booking; the client may retry."""

    code = "calendar_unavailable"
    retry_after = 30


class BookingStateError(PennyError):
    """The booking cannot change from its current state (e.g. already cancelled)."""

    code = "booking_not_active"


class TooManyMovesError(BookingStateError):
    """The booking was moved as often as one may be (domain/bookings.py MAX_MOVES)."""

    code = "too_many_moves"


class IdempotencyKeyReusedError(PennyError):
    """An Idempotency-Key was reused with a different request."""

    code = "idempotency_key_reused"


class InvalidCredentialsError(PennyError):
    """Email or password is wrong."""

    code = "invalid_credentials"


class AuthenticationError(PennyError):
    """A token is missing, malformed, expired or revoked."""

    code = "unauthorized"


class ForbiddenError(PennyError):
    """The caller is known, but this request may not be carried out."""

    code = "forbidden"


class CsrfTokenError(ForbiddenError):
    """A cookie-authenticated change came without the session's CSRF token."""

    code = "csrf_token_invalid"


class CrossOriginError(ForbiddenError):
    """A cookie-authenticated change came from another origin (or did not say where from)."""

    code = "cross_origin_request"


class TooManyRequestsError(PennyError):
    """Too many attempts in too short a time: try again after `retry_after` seconds."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class TooManyAttemptsError(TooManyRequestsError):
    """Too many failed logins for this account: wait before trying again."""

    code = "too_many_attempts"


class TooManySignupsError(TooManyRequestsError):
    """Too many signups from this network: wait before trying again."""

    code = "too_many_signups"


class TooManyBookingsError(TooManyRequestsError):
    """This attendee e-mail has made the day's allowance of bookings with this host."""

    code = "too_many_bookings"


class TooManySocketsError(TooManyRequestsError):
    """The host has as many sockets open as it may, none old enough to close for this one."""

    code = "too_many_sockets"


class UnknownRefreshTokenError(AuthenticationError):
    """No live login holds this refresh token (made up, spent too long ago, logged out or
    expired): nothing says whose it is, so the cookie session tries the next one sent."""


class RefreshTokenReusedError(AuthenticationError):
    """A rotated refresh token was presented again; its family is revoked."""

    code = "refresh_token_reused"


class BookingLinkError(NotFoundError):
    """A secret booking link's token does not match (reported as not found)."""

    code = "not_found"


class ConcurrentWriteError(Exception):
    """Someone changed the host's ledger since it was read: re-read and try again.

    Internal to the booking service's retry loop; never reported to a caller as such.
    """


class AttendeeQuotaError(Exception):
    """The booking's write found the attendee's daily allowance used up.

    Internal to the booking service, which reports it as TooManyBookingsError.
    """


class IdempotentReplayError(Exception):
    """A concurrent request with the same Idempotency-Key committed first."""


class SocketGoneError(Exception):
    """The socket no longer exists (API Gateway's GoneException for a WebSocket connection)."""


class JobBusyError(Exception):
    """Another run holds this job's live lease: raised so Lambda retries it later,
    rather than doing the work twice at once."""


# ---- providers (calendars, video, payments, notes, AI) ------------------------------
# An adapter raises one of these `from` the vendor's own error. Each says what happens
# next, so no caller needs to know the vendor: the HTTP edge maps them in its one table,
# and a job's runner retries, records or gives up on them.


class ProviderError(PennyError):
    """A provider could not do what was asked; a subclass says what happens next."""

    code = "provider_error"

    def __init__(self, provider: str, message: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.provider = provider


class ProviderUnavailableError(ProviderError):
    """The provider is down, slow or rate-limiting: try again later (then the DLQ)."""

    code = "provider_unavailable"


class ConnectionBrokenError(ProviderError):
    """The host's connection no longer works (refresh refused, access revoked, scopes
    withdrawn): mark it broken and tell the host; retrying cannot help."""

    code = "connection_broken"


class ProviderRejectedError(ProviderError):
    """The provider refused this request as it stands (a 4xx that is not about the
    connection): retrying the same request cannot help."""

    code = "provider_rejected"


class NothingBilled:
    """Mixed into a provider error raised before the vendor did any billable work: it
    answered with an error status (rate limit, outage, a refused key or request) or was
    never reached. A usage cap gives such an attempt back (services/summary.py)."""


class UnbilledUnavailableError(ProviderUnavailableError, NothingBilled):
    """Unavailable, and nothing billed (a 429 or 5xx answer, a refused connection)."""


class UnbilledRejectedError(ProviderRejectedError, NothingBilled):
    """Rejected, and nothing billed (a 4xx answer: the key or the request refused)."""


class BriefNeverWrittenError(ProviderRejectedError):
    """The model answered, billed, with no brief, and would for this booking again: the
    booking says why, and the model is not asked about it again."""


class BriefRefusedError(BriefNeverWrittenError):
    """The model declined to write about this booking (a safety or other policy block):
    the same booking would be declined again."""


class BriefCutShortError(BriefNeverWrittenError):
    """The model's answer outgrew its output bound (MAX_TOKENS): the same booking would
    be cut short again, each time billed."""


class NotesPageGoneError(ProviderRejectedError):
    """The booking's notes page is no longer where Penny wrote it (deleted for good, or
    moved out of what Penny may see): its notes go on a page made anew."""

    code = "notes_page_gone"


class MeetingGoneError(ProviderRejectedError):
    """The meeting to change is no longer there (the host deleted it at the provider)."""

    code = "meeting_gone"


class EventGoneError(ProviderRejectedError):
    """The calendar event to change is no longer there (the host deleted it in their
    calendar)."""

    code = "event_gone"


class PaymentNotConnectedError(PennyError):
    """A paid event type, and no payment provider ready to take the money."""

    code = "payment_not_connected"


class PriceNotPayableError(ValidationError):
    """The payment vendor that would take this price refuses such an amount (under its
    minimum charge, or more decimals than its card partners carry)."""

    code = "price_not_payable"


class PaymentRefusedError(PennyError):
    """The payment provider refused to start this checkout as it stands (a price under
    its minimum charge, a currency the host's account cannot take): nothing was booked,
    and trying again cannot help until the host changes something."""

    code = "payment_refused"


class PaymentUnavailableError(ProviderUnavailableError):
    """The payment provider could not start a checkout: nothing was booked; try again."""

    code = "payment_unavailable"


# ---- connecting a provider (services/connections.py) --------------------------------


class ProviderNotAvailableError(PennyError):
    """The operator has not set this provider up on this Penny (no settings entry)."""

    code = "provider_not_available"


class NotConnectedError(PennyError):
    """The host has no connection to this provider."""

    code = "not_connected"


class OAuthStateError(PennyError):
    """A callback whose state is forged, used, expired, or from another browser or login."""

    code = "invalid_oauth_state"


class ConsentDeclinedError(PennyError):
    """The host said no at the provider's consent page (`error=access_denied`)."""

    code = "consent_declined"


class ScopesDeclinedError(PennyError):
    """The host unticked a permission on the provider's consent page (Google's granular
    consent): the grant could not do what it was asked for, so nothing was connected."""

    code = "scopes_declined"

    def __init__(self, message: str, features: tuple[str, ...]) -> None:
        super().__init__(message)
        self.features = features  # what the missing permissions were for ("calendar")


class NoRefreshTokenError(PennyError):
    """The provider's tokens expire and it gave no refresh token (Google without offline
    access): the connection would break within the hour, so nothing was connected."""

    code = "no_refresh_token"


class IdentityLinkedError(PennyError):
    """The provider identity signs in to another account, or the account has one already."""

    code = "identity_linked"


class IdentityUnverifiedError(PennyError):
    """The provider did not confirm the identity's e-mail: no account is made from it."""

    code = "identity_unverified"


class LastSignInError(ValidationError):
    """Unlinking this identity would leave an account without a password no way in."""

    code = "last_sign_in"

