"""Errors of who may ask: sign-in, tokens, cross-site checks, the secret links, and
the rate limits that slow down guessing and flooding."""

from __future__ import annotations

from chalicelib.domain.caller_errors import NotFoundError, PennyError


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


class WrongPasswordError(ForbiddenError):
    """The current password given to change the password is wrong (403, not 401: the
    caller's session is fine, only the proof is refused)."""

    code = "wrong_password"


class ReauthenticationRequiredError(ForbiddenError):
    """The change needs a login younger than this one: sign in again, then retry."""

    code = "reauthentication_required"


class PasswordChangedError(PennyError):
    """The password changed (or was set) by another request meanwhile: nothing written."""

    code = "password_changed"


class TooManyResetsError(TooManyRequestsError):
    """Too many password resets asked for this e-mail, or from this network."""

    code = "too_many_resets"


class PasswordResetNotAvailableError(PennyError):
    """This Penny has no sender address for e-mail, so it cannot send a reset link."""

    code = "password_reset_not_available"


class ResetLinkError(PennyError):
    """A password reset link Penny did not send (or one too old to be kept)."""

    code = "reset_link_invalid"


class ResetLinkUsedError(ResetLinkError):
    """The reset link was used already: each works once."""

    code = "reset_link_used"


class ResetLinkExpiredError(ResetLinkError):
    """The reset link is older than it may be (30 minutes)."""

    code = "reset_link_expired"


class ResetLinkReplacedError(ResetLinkError):
    """A newer reset link was sent since: only the newest works."""

    code = "reset_link_replaced"
