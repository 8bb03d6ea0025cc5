"""The one table from errors to HTTP statuses, and the JSON error body.

Every error leaves as {"error": {"code", "message", "field"}} with a 4xx status; a 500
means a bug, and even then the body keeps that shape.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice import Response

from chalicelib.domain import errors as e

log = logging.getLogger("penny.api")

STATUS_BY_ERROR: dict[type[e.PennyError], int] = {
    e.ValidationError: 400,
    e.AuthenticationError: 401,
    e.InvalidCredentialsError: 401,
    e.ForbiddenError: 403,
    e.NotFoundError: 404,
    e.EmailTakenError: 409,
    e.SlugTakenError: 409,
    e.EventSlugTakenError: 409,
    e.ChangedElsewhereError: 409,      # saved elsewhere since the version the caller sent
    e.SlotTakenError: 409,
    e.BookingStateError: 409,
    e.BookingContentionError: 409,
    e.CalendarUnavailableError: 503,   # the host's calendar could not be checked: retry
    e.SlotUnavailableError: 422,
    e.IdempotencyKeyReusedError: 422,
    e.TooManyRequestsError: 429,
    # Providers: the request was fine; what stood behind it was not.
    e.ConnectionBrokenError: 409,      # the host must reconnect; retrying cannot help
    e.ProviderRejectedError: 422,      # the provider refused this request as it stands
    e.ProviderUnavailableError: 503,   # try again later
    e.ProviderNotAvailableError: 409,  # not set up on this Penny (the operator's choice)
    e.NotConnectedError: 404,
    e.PaymentNotConnectedError: 409,   # the host must connect Stripe or Razorpay first
    e.PaymentRefusedError: 409,        # the host must change the price or the account
    e.OAuthStateError: 400,
    e.ConsentDeclinedError: 400,
    e.ScopesDeclinedError: 400,
    e.NoRefreshTokenError: 400,
    e.IdentityLinkedError: 409,
    e.IdentityUnverifiedError: 400,
    e.PasswordChangedError: 409,       # another request changed the password meanwhile
    e.PasswordResetNotAvailableError: 409,  # no sender set up (the operator's choice)
    e.ResetLinkError: 400,             # not a link Penny sent
    e.ResetLinkUsedError: 410,         # a link Penny sent, gone: used, expired or replaced
    e.ResetLinkExpiredError: 410,
    e.ResetLinkReplacedError: 410,
}

# Chalice's own errors (raised before a view runs), in Penny's shape.
CHALICE_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 413: "payload_too_large",
                 415: "unsupported_media_type", 500: "internal_error"}


def error_body(code: str, message: str, field: str | None = None,
               reason: str | None = None,
               current: dict[str, Any] | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": code, "message": message, "field": field}
    if reason is not None:
        detail["reason"] = reason
    return {"error": detail} if current is None else {"error": detail, "current": current}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None,
                   reason: str | None = None,
                   current: dict[str, Any] | None = None) -> Response:
    return Response(body=json.dumps(error_body(code, message, field, reason, current)),
                    status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


def _current(exc: e.PennyError) -> dict[str, Any] | None:
    """A save refused as changed elsewhere: the object as it now stands, as its GET says
    it (views load only then: the error table stays light on a cold start)."""
    current = exc.current if isinstance(exc, e.ChangedElsewhereError) else None
    if current is None:
        return None
    from chalicelib.functions.views import current_out

    # A booking's refusal: the event type as the public reads it, not as its host's
    # editor does (buffers, limits and the place's details stay the host's).
    return current_out(current, public=isinstance(exc, e.BookedTermsChangedError))


def status_for(error: e.PennyError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def from_exception(exc: Exception) -> Response:
    if isinstance(exc, e.ProviderError):
        # The request's keys (request id, booking uid) come with it; the vendor's own
        # message may quote what was sent, so only its code and the provider are logged.
        log.warning("provider error", extra={"provider": exc.provider, "error_code": exc.code,
                                             "status": status_for(exc)})
    if isinstance(exc, e.PennyError):
        headers = {"WWW-Authenticate": "Bearer"} if status_for(exc) == 401 else None
        if isinstance(exc, e.TooManyRequestsError | e.CalendarUnavailableError):
            headers = {"Retry-After": str(exc.retry_after)}
        return error_response(status_for(exc), exc.code, exc.message, exc.field, headers,
                              getattr(exc, "reason", None), _current(exc))
    log.exception("unhandled error")
    return error_response(500, "internal_error", "an internal error occurred")


def reshape_chalice_error(response: Response) -> Response:
    """Chalice answers 405/415/... itself as {"Code", "Message"}: give them our shape."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    code = CHALICE_CODES.get(response.status_code, "error")
    message = str(body.get("Message", code))
    if response.status_code >= 500:
        message = "an internal error occurred"
    return error_response(response.status_code, code, message,
                          headers={k: str(v) for k, v in response.headers.items()
                                   if k.lower() == "allow"})
